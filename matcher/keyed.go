package matcher

import (
	"slices"
	"time"

	"github.com/earshothq/earshot/models"
)

// keyedIndex is the index IndexOf built for one key, with what it was
// built from.
type keyedIndex struct {
	managers []*models.Manager
	gen      uint64
	ix       *Index
	err      error
	used     time.Time
}

// keyedIdle is how long an index of IndexOf is kept unused.
const keyedIdle = time.Hour

// IndexOf returns the index of the given managers (a stream's, or a
// namespace's INGEST managers), cached under key: while the same manager
// values (the same pointers, in the same order) are asked for under it,
// and no site has taught a new brand name meanwhile, the index is reused;
// otherwise it is rebuilt, the compiled managers coming from the cache of
// unchanged inputs. Managers that do not compile are left out and
// reported in the error; the rest are indexed. Safe for concurrent use.
func (m *Matcher) IndexOf(key string, managers []*models.Manager) (*Index, error) {
	gen := m.siteGen.Load()
	now := time.Now()
	m.keyedMu.Lock()
	if m.keyed == nil {
		m.keyed = map[string]*keyedIndex{}
	}
	if now.Sub(m.pruned) > time.Minute {
		m.pruned = now
		for k, e := range m.keyed {
			if now.Sub(e.used) > keyedIdle {
				delete(m.keyed, k)
			}
		}
	}
	e := m.keyed[key]
	if e != nil && e.gen == gen && slices.Equal(e.managers, managers) {
		e.used = now
		m.keyedMu.Unlock()
		return e.ix, e.err
	}
	m.keyedMu.Unlock()

	// Built outside the lock: two callers may build the same index at
	// once, and either result is right.
	ix, err := m.buildIndex(managers)
	m.keyedMu.Lock()
	m.keyed[key] = &keyedIndex{managers: slices.Clone(managers), gen: gen, ix: ix, err: err, used: now}
	m.keyedMu.Unlock()
	return ix, err
}
