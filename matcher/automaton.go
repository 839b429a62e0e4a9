package matcher

import "sort"

// automaton is a byte-level Aho-Corasick automaton over normalized text
// (see query.AppendNormalized). Patterns start with a space, so they can only
// begin on a word boundary; those that end with a space can only end on one.
//
// States are numbered breadth first. The shallow ones (the first few bytes of
// every pattern, where a scan spends most of its time) keep a dense row of
// fully resolved transitions, one entry per byte class; deeper states keep
// only their trie edges and fall back along failure links, which always lead
// to a shallower state. That keeps memory near the size of the trie with
// DFA speed on the hot path.
type automaton struct {
	classes [256]uint8
	nclass  int
	nDense  int32
	dense   []int32 // nDense × nclass

	edgeOff []uint32 // per state: edges [edgeOff[s], edgeOff[s+1])
	edgeCls []uint8
	edgeTo  []int32
	fail    []int32

	outOff []uint32 // per state: pattern ids [outOff[s], outOff[s+1]), own and inherited
	outIDs []int32
	plen   []int32 // pattern lengths
}

// denseDepth is how deep dense rows go: root, the leading space, and the
// first two bytes of a word.
const denseDepth = 3

type buildNode struct {
	edges []buildEdge
	out   []int32
	depth int32
}

type buildEdge struct {
	b  byte
	to int32
}

// newAutomaton builds the automaton of patterns; pattern i is reported as i.
func newAutomaton(patterns []string) *automaton {
	a := &automaton{}
	// Byte classes: each byte used by some pattern gets its own class; all
	// other bytes share class 0, on which every state returns to the root.
	var used [256]bool
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			used[p[i]] = true
		}
	}
	a.nclass = 1
	for b := 0; b < 256; b++ {
		// Normalized patterns never hold control bytes, so at most 255
		// bytes are used and the classes fit in a uint8.
		if used[b] && a.nclass < 256 {
			a.classes[b] = uint8(a.nclass)
			a.nclass++
		}
	}

	nodes := make([]buildNode, 1, 1024)
	a.plen = make([]int32, len(patterns))
	for id, p := range patterns {
		a.plen[id] = int32(len(p))
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := a.classes[p[i]]
			next := int32(-1)
			for _, e := range nodes[s].edges {
				if e.b == c {
					next = e.to
					break
				}
			}
			if next < 0 {
				next = int32(len(nodes))
				nodes = append(nodes, buildNode{depth: nodes[s].depth + 1})
				nodes[s].edges = append(nodes[s].edges, buildEdge{c, next})
			}
			s = next
		}
		nodes[s].out = append(nodes[s].out, int32(id))
	}

	// Breadth-first order, then renumber so that state ids follow it.
	order := make([]int32, 0, len(nodes))
	order = append(order, 0)
	for i := 0; i < len(order); i++ {
		n := &nodes[order[i]]
		sort.Slice(n.edges, func(x, y int) bool { return n.edges[x].b < n.edges[y].b })
		for _, e := range n.edges {
			order = append(order, e.to)
		}
	}
	newID := make([]int32, len(nodes))
	for i, old := range order {
		newID[old] = int32(i)
	}
	n := len(nodes)
	a.fail = make([]int32, n)
	a.edgeOff = make([]uint32, n+1)
	depth := make([]int32, n)
	for i, old := range order {
		a.edgeOff[i] = uint32(len(a.edgeCls))
		depth[i] = nodes[old].depth
		for _, e := range nodes[old].edges {
			a.edgeCls = append(a.edgeCls, e.b)
			a.edgeTo = append(a.edgeTo, newID[e.to])
		}
	}
	a.edgeOff[n] = uint32(len(a.edgeCls))

	// Failure links, breadth first: fail(child of s on c) = goto(fail(s), c).
	gotoFn := func(s int32, c uint8) int32 {
		for {
			for j := a.edgeOff[s]; j < a.edgeOff[s+1]; j++ {
				if a.edgeCls[j] == c {
					return a.edgeTo[j]
				}
			}
			if s == 0 {
				return 0
			}
			s = a.fail[s]
		}
	}
	for s := int32(0); s < int32(n); s++ {
		for j := a.edgeOff[s]; j < a.edgeOff[s+1]; j++ {
			child := a.edgeTo[j]
			if s == 0 {
				a.fail[child] = 0
			} else {
				a.fail[child] = gotoFn(a.fail[s], a.edgeCls[j])
			}
		}
	}

	// Outputs, own and inherited along the failure link (a shallower state,
	// already complete in breadth-first order).
	a.outOff = make([]uint32, n+1)
	for i, old := range order {
		a.outOff[i] = uint32(len(a.outIDs))
		a.outIDs = append(a.outIDs, nodes[old].out...)
		if i > 0 {
			f := a.fail[i]
			a.outIDs = append(a.outIDs, a.outIDs[a.outOff[f]:a.outOff[f+1]]...)
		}
	}
	a.outOff[n] = uint32(len(a.outIDs))

	// Dense rows for the shallow states.
	for a.nDense < int32(n) && depth[a.nDense] <= denseDepth {
		a.nDense++
	}
	nc := a.nclass
	a.dense = make([]int32, int(a.nDense)*nc)
	for s := int32(0); s < a.nDense; s++ {
		row := a.dense[int(s)*nc : int(s+1)*nc]
		if s != 0 {
			copy(row, a.dense[int(a.fail[s])*nc:int(a.fail[s]+1)*nc])
		}
		for j := a.edgeOff[s]; j < a.edgeOff[s+1]; j++ {
			row[a.edgeCls[j]] = a.edgeTo[j]
		}
	}
	return a
}

// scan calls emit(pattern, end) for every occurrence of a pattern in text,
// end being the offset just past it.
func (a *automaton) scan(text []byte, emit func(id int32, end int)) {
	s := int32(0)
	nc := int32(a.nclass)
	for i := 0; i < len(text); i++ {
		c := a.classes[text[i]]
		for {
			if s < a.nDense {
				s = a.dense[s*nc+int32(c)]
				break
			}
			lo, hi := a.edgeOff[s], a.edgeOff[s+1]
			next := int32(-1)
			for j := lo; j < hi; j++ {
				if a.edgeCls[j] == c {
					next = a.edgeTo[j]
					break
				}
			}
			if next >= 0 {
				s = next
				break
			}
			s = a.fail[s]
		}
		if lo, hi := a.outOff[s], a.outOff[s+1]; lo != hi {
			for _, id := range a.outIDs[lo:hi] {
				emit(id, i+1)
			}
		}
	}
}

// sizeBytes is the memory held by the automaton's tables.
func (a *automaton) sizeBytes() int {
	return 256 + len(a.dense)*4 + len(a.edgeOff)*4 + len(a.edgeCls) + len(a.edgeTo)*4 +
		len(a.fail)*4 + len(a.outOff)*4 + len(a.outIDs)*4 + len(a.plen)*4
}
