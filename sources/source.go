package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/earshothq/earshot/models"
)

// Source reads new posts for one manager.
//
// Poll is given the cursor it returned last time (nil on a manager's first
// poll) and returns the posts not seen before, oldest first, with the cursor
// to store once those posts are safely handed on. The caller stores the new
// cursor only after every returned post has been matched and its Scans
// enqueued, so a poll that fails, or a process that dies mid-way, reads the
// same posts again; Poll must therefore be free of side effects on the
// cursor. A Poll that fails returns an error and no cursor.
type Source interface {
	Poll(ctx context.Context, m *models.Manager, cursor json.RawMessage) (Result, error)
}

// Result is what one poll read.
type Result struct {
	// Posts are new posts, oldest first.
	Posts []models.Post
	// Cursor is to be stored once Posts are handed on.
	Cursor json.RawMessage
}

// Func adapts a function to the Source interface (handy in tests).
type Func func(ctx context.Context, m *models.Manager, cursor json.RawMessage) (Result, error)

// Poll calls f.
func (f Func) Poll(ctx context.Context, m *models.Manager, cursor json.RawMessage) (Result, error) {
	return f(ctx, m, cursor)
}

// ErrRateLimited is wrapped by every rate-limit error of every source.
var ErrRateLimited = errors.New("sources: rate limited")

// RateLimitError says a platform asked us to wait until Until.
type RateLimitError struct {
	Source string
	Until  time.Time
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%s: rate limited until %s", e.Source, e.Until.UTC().Format(time.RFC3339))
}

// Unwrap makes errors.Is(err, ErrRateLimited) hold.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// RateState keeps a platform's "do not call before" time where every
// process sees it (Redis in production), so one process that hits a rate
// limit holds back all of them.
type RateState interface {
	// BlockedUntil returns the time before which key must not be called;
	// the zero time when it may be called now.
	BlockedUntil(ctx context.Context, key string) (time.Time, error)
	// Block records that key must not be called before until. A later
	// until extends an earlier one; an earlier one never shortens it.
	Block(ctx context.Context, key string, until time.Time) error
}

// MemoryRateState is a RateState for one process (tests, `earshot poll`).
type MemoryRateState struct {
	mu     sync.Mutex
	m      map[string]time.Time
	counts map[string]memCount
}

// BlockedUntil implements RateState.
func (s *MemoryRateState) BlockedUntil(_ context.Context, key string) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.m[key]
	if time.Now().After(t) {
		return time.Time{}, nil
	}
	return t, nil
}

// Block implements RateState.
func (s *MemoryRateState) Block(_ context.Context, key string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]time.Time)
	}
	if until.After(s.m[key]) {
		s.m[key] = until
	}
	return nil
}

// Shared is implemented by sources whose reads can be shared among
// managers: managers of one source type whose StreamKey is equal need the
// same data (the same subreddits, the same query, the same feed), so it is
// read once and every post is matched against all of them. The key must
// name everything the read depends on (not the manager's own matching
// terms) and be stable across processes and restarts.
type Shared interface {
	StreamKey(m *models.Manager) string
}

// Describer is implemented by sources that can say what they will ask the
// platform for a manager (`earshot poll` prints it).
type Describer interface {
	Describe(m *models.Manager) string
}

// Registry maps a source type ("REDDIT", …) to its Source.
type Registry map[string]Source

// For returns the Source for a manager.
func (r Registry) For(m *models.Manager) (Source, error) {
	s, ok := r[m.Source.Type]
	if !ok {
		return nil, fmt.Errorf("sources: no source of type %q is configured", m.Source.Type)
	}
	return s, nil
}

// Counter is implemented by the RateStates that also keep counts every
// process shares (the store's Redis; MemoryRateState for one process): a
// platform's daily quota, spent by all replicas together.
type Counter interface {
	// Add adds n (which may be negative) to the count under key and
	// returns the new count. A new count lapses at expire.
	Add(ctx context.Context, key string, n int64, expire time.Time) (int64, error)
}

// Quota is implemented by sources whose platform grants a quota (YouTube's
// daily units): QuotaRemaining is what this process last saw left of it,
// for every process, and ok is false before it has seen any.
type Quota interface {
	QuotaRemaining() (remaining float64, ok bool)
}

// Add implements Counter.
func (s *MemoryRateState) Add(_ context.Context, key string, n int64, expire time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts == nil {
		s.counts = make(map[string]memCount)
	}
	c := s.counts[key]
	if time.Now().After(c.expire) {
		c = memCount{expire: expire}
	}
	c.n += n
	s.counts[key] = c
	return c.n, nil
}

type memCount struct {
	n      int64
	expire time.Time
}
