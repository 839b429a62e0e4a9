package matcher

import (
	"fmt"
	"sync"
	"time"

	"github.com/earshothq/earshot/models"
)

// Index holds the terms of many managers in one Aho-Corasick automaton, so
// a post is scanned once whatever the number of managers, and only the
// managers one of whose terms occurs (their candidates) evaluate their
// expression. An Index is immutable and safe for concurrent use; Matcher
// swaps a new one in atomically when managers change.
type Index struct {
	ac       *automaton
	managers []*compiled
	// local[i][t] is the global pattern of manager i's term t.
	local [][]int32
	// patMgrs lists, per pattern, the managers for which it is a cover term.
	patOff []uint32
	patMgr []int32
	// always lists managers that are candidates for every post.
	always    []int32
	npat      int
	buildTime time.Duration
	pool      sync.Pool
}

// IndexStats describe an index.
type IndexStats struct {
	Managers  int           // managers indexed
	Patterns  int           // distinct term patterns
	States    int           // automaton states
	Bytes     int           // memory held by the automaton and candidate tables
	Always    int           // managers that are candidates for every post
	BuildTime time.Duration // time BuildIndex took
}

// BuildIndex compiles the enabled managers into an index. Site names are
// not fetched: a manager's input.urls count by their domain's brand word
// (Matcher.IndexOf adds the names it has learnt). A manager that does
// not compile makes BuildIndex fail, naming it.
func BuildIndex(managers []*models.Manager) (*Index, error) {
	start := time.Now()
	cs := make([]*compiled, 0, len(managers))
	for _, mg := range managers {
		if !mg.Enable {
			continue
		}
		c, err := compileManager(mg, nil)
		if err != nil {
			return nil, fmt.Errorf("matcher: %s: %w", managerLabel(mg), err)
		}
		cs = append(cs, c)
	}
	ix := newIndex(cs)
	ix.buildTime = time.Since(start)
	return ix, nil
}

func newIndex(cs []*compiled) *Index {
	start := time.Now()
	ix := &Index{managers: cs, local: make([][]int32, len(cs))}
	ids := map[string]int32{}
	var patterns []string
	var pairs [][2]int32 // pattern, manager
	for i, c := range cs {
		loc := make([]int32, len(c.terms))
		for t, spec := range c.terms {
			id, ok := ids[spec.pattern]
			if !ok {
				id = int32(len(patterns))
				ids[spec.pattern] = id
				patterns = append(patterns, spec.pattern)
			}
			loc[t] = id
		}
		ix.local[i] = loc
		if c.coverAll {
			ix.always = append(ix.always, int32(i))
			continue
		}
		for _, t := range c.cover {
			pairs = append(pairs, [2]int32{loc[t], int32(i)})
		}
	}
	ix.npat = len(patterns)
	ix.ac = newAutomaton(patterns)
	// Candidate lists in CSR form: counting sort of the pairs by pattern.
	ix.patOff = make([]uint32, len(patterns)+1)
	for _, p := range pairs {
		ix.patOff[p[0]+1]++
	}
	for i := 1; i < len(ix.patOff); i++ {
		ix.patOff[i] += ix.patOff[i-1]
	}
	ix.patMgr = make([]int32, len(pairs))
	fill := append([]uint32(nil), ix.patOff[:len(patterns)]...)
	for _, p := range pairs {
		ix.patMgr[fill[p[0]]] = p[1]
		fill[p[0]]++
	}
	ix.pool.New = func() any {
		return &scanState{hits: make([]uint8, ix.npat), stamp: make([]uint32, len(ix.managers))}
	}
	ix.buildTime = time.Since(start)
	return ix
}

// Stats describes the index.
func (ix *Index) Stats() IndexStats {
	b := ix.ac.sizeBytes() + len(ix.patOff)*4 + len(ix.patMgr)*4 + len(ix.always)*4
	for _, l := range ix.local {
		b += len(l) * 4
	}
	return IndexStats{Managers: len(ix.managers), Patterns: ix.npat, States: len(ix.ac.fail), Bytes: b, Always: len(ix.always), BuildTime: ix.buildTime}
}

// Candidates returns the managers whose expression may match the post: one
// of their terms occurs in it, or they have no term to index.
func (ix *Index) Candidates(post *models.Post) []*models.Manager {
	st := ix.scan(post)
	defer ix.release(st)
	out := make([]*models.Manager, len(st.cands))
	for i, c := range st.cands {
		out[i] = ix.managers[c].mgr
	}
	return out
}

// scanState is the per-scan scratch space, pooled per index.
type scanState struct {
	doc     doc
	buf     []byte
	hits    []uint8 // per pattern: fieldTitle|fieldText
	touched []int32
	stamp   []uint32 // per manager: gen when added to cands
	gen     uint32
	cands   []int32
	local   []uint8
}

func (ix *Index) scan(post *models.Post) *scanState {
	st := ix.pool.Get().(*scanState)
	st.gen++
	if st.gen == 0 {
		clear(st.stamp)
		st.gen = 1
	}
	st.cands = st.cands[:0]
	st.doc.reset(post, st.buf)
	st.buf = st.doc.norm
	split := st.doc.split
	ix.ac.scan(st.doc.norm, func(id int32, end int) {
		bit := fieldText
		if end <= split {
			bit = fieldTitle
		}
		if st.hits[id] == 0 {
			st.touched = append(st.touched, id)
		}
		st.hits[id] |= bit
	})
	for _, p := range st.touched {
		for _, mi := range ix.patMgr[ix.patOff[p]:ix.patOff[p+1]] {
			if st.stamp[mi] != st.gen {
				st.stamp[mi] = st.gen
				st.cands = append(st.cands, mi)
			}
		}
	}
	for _, mi := range ix.always {
		if st.stamp[mi] != st.gen {
			st.stamp[mi] = st.gen
			st.cands = append(st.cands, mi)
		}
	}
	return st
}

// localHits maps the scan's pattern hits to manager ci's terms.
func (st *scanState) localHits(ix *Index, ci int32) []uint8 {
	loc := ix.local[ci]
	st.local = st.local[:0]
	for _, g := range loc {
		st.local = append(st.local, st.hits[g])
	}
	return st.local
}

func (ix *Index) release(st *scanState) {
	for _, p := range st.touched {
		st.hits[p] = 0
	}
	st.touched = st.touched[:0]
	st.doc = doc{}
	ix.pool.Put(st)
}
