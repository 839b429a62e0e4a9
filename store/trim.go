package store

import (
	"sync"
	"time"
)

// trimEvery is how often one process trims an index of expired entries.
//
// Records expire on their own; their index entries are trimmed by score.
// Trimming on every write would cost a range scan each time (and on the
// embedded Redis a sort of the whole set), for entries that only have to
// go eventually: readers skip the ones whose record is gone.
const trimEvery = 30 * time.Second

// trimmer remembers when this process last trimmed each index.
type trimmer struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// due reports whether key should be trimmed now, and if so notes it.
func (t *trimmer) due(key string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last == nil {
		t.last = make(map[string]time.Time)
	}
	if last, ok := t.last[key]; ok && now.Sub(last) < trimEvery {
		return false
	}
	if len(t.last) > 100000 {
		clear(t.last)
	}
	t.last[key] = now
	return true
}
