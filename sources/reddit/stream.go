package reddit

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

// A multireddit read (/r/a+b+…/new) covers at most this many subreddits:
// Reddit's own multireddits hold 100, and the URL stays well under its
// length limit.
const maxMulti = 100

// multiTarget is how many subreddits a multireddit read gets on average:
// subreddits are spread over reads by a hash of their names, so that a
// subreddit added or removed changes one read, not every read after it.
const multiTarget = 64

var _ sources.Combiner = (*Source)(nil)

// defaultInclude is what an empty source.include reads.
var defaultInclude = []string{includePosts}

// streamKind says which of the three streams a manager belongs to.
type streamKind int

const (
	streamAll    streamKind = iota // no subreddits, no query: /r/all
	streamSubs                     // subreddits: multireddit reads
	streamSearch                   // a query: one read per query
)

func kindOf(st *Settings) streamKind {
	switch {
	case strings.TrimSpace(st.Query) != "":
		return streamSearch
	case len(st.Subreddits) > 0:
		return streamSubs
	default:
		return streamAll
	}
}

// StreamKey implements sources.Shared. Every manager that watches all of
// Reddit shares one reader of /r/all per set of credentials, the managers
// with subreddits share multireddit reads (see Combine), and managers with
// a query share one read per query (and subreddits it is restricted to).
func (s *Source) StreamKey(m *models.Manager) string {
	st, err := sources.Settings[Settings](m)
	if err != nil {
		return "" // read alone; its Poll reports the error
	}
	creds := "@" + rateKey(s.cfg)
	switch kindOf(st) {
	case streamSearch:
		t, err := newTarget(*st, nil)
		if err != nil {
			return ""
		}
		return "search:" + strings.Join(t.subreddits, "+") + ":" + t.query + creds
	case streamSubs:
		return "subreddits" + creds
	default:
		return "all" + creds
	}
}

// Combine implements sources.Combiner. All of Reddit and a query are one
// read, asking for comments when any manager does. Managers with
// subreddits share multireddit reads: the distinct subreddits of all of
// them, spread over ⌈n/64⌉ reads by a hash of their names, so the reads
// grow with the subreddits watched, not with the managers.
func (s *Source) Combine(ms []*models.Manager) []sources.Read {
	if len(ms) == 0 {
		return nil
	}
	st, err := sources.Settings[Settings](ms[0])
	if err != nil || kindOf(st) != streamSubs {
		return []sources.Read{{Manager: sources.Representative(ms, defaultInclude), Managers: ms}}
	}
	subsOf := make(map[*models.Manager][]string, len(ms))
	var all []string
	for _, m := range ms {
		st, err := sources.Settings[Settings](m)
		if err != nil {
			continue
		}
		t, err := newTarget(*st, nil)
		if err != nil {
			continue
		}
		subsOf[m] = t.subreddits
		all = append(all, t.subreddits...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	if len(all) == 0 {
		return nil
	}
	nb := (len(all) + multiTarget - 1) / multiTarget
	buckets := make([][]string, nb)
	for _, sub := range all {
		h := fnv.New32a()
		h.Write([]byte(sub))
		i := int(h.Sum32() % uint32(nb))
		buckets[i] = append(buckets[i], sub)
	}
	var reads []sources.Read
	for i, b := range buckets {
		for j := 0; j < len(b); j += maxMulti {
			chunk := b[j:min(j+maxMulti, len(b))]
			var served []*models.Manager
			for _, m := range ms {
				if slices.ContainsFunc(subsOf[m], func(s string) bool { _, ok := slices.BinarySearch(chunk, s); return ok }) {
					served = append(served, m)
				}
			}
			key := fmt.Sprintf("multi%d.%d", nb, i)
			if j > 0 {
				key += fmt.Sprintf(".%d", j/maxMulti)
			}
			rep := sources.Representative(served, defaultInclude)
			rep.Name, rep.ID = "", "stream "+key
			rep.Source.Settings = models.SettingsOf(map[string]any{"subreddits": chunk})
			reads = append(reads, sources.Read{Key: key, Manager: rep, Managers: served})
		}
	}
	return reads
}

// Wants implements sources.Combiner: a link is for the managers that read
// posts, a comment for those that read comments, and, in a multireddit
// read, only for the managers that watch its subreddit.
func (s *Source) Wants(m *models.Manager, p *models.Post) bool {
	kind := includePosts
	if p.Type == PostTypeComment {
		kind = includeComments
	}
	if !sources.Includes(m, kind, defaultInclude) {
		return false
	}
	st, err := sources.Settings[Settings](m)
	if err != nil {
		return false
	}
	if kindOf(st) != streamSubs {
		return true
	}
	if p.Subreddit == nil {
		return false
	}
	return slices.ContainsFunc(st.Subreddits, func(s string) bool {
		s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "/"), "r/"), "/")
		return strings.EqualFold(s, p.Subreddit.Name)
	})
}
