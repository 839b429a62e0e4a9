package fakes

import (
	"context"
	"sync"
	"time"
)

// Clock is a settable clock for tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock showing t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// RateState is a sources.RateState in memory that tells time by Clock, so
// a test can let a block run out. Sources built on one RateState stand for
// processes sharing one Redis.
type RateState struct {
	Clock  *Clock
	mu     sync.Mutex
	m      map[string]time.Time
	counts map[string]count
}

// BlockedUntil implements sources.RateState.
func (s *RateState) BlockedUntil(_ context.Context, key string) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.m[key]; t.After(s.Clock.Now()) {
		return t, nil
	}
	return time.Time{}, nil
}

// Block implements sources.RateState.
func (s *RateState) Block(_ context.Context, key string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]time.Time{}
	}
	if until.After(s.m[key]) {
		s.m[key] = until
	}
	return nil
}

// Add implements sources.Counter; counts lapse by Clock.
func (s *RateState) Add(_ context.Context, key string, n int64, expire time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts == nil {
		s.counts = map[string]count{}
	}
	c := s.counts[key]
	if !s.Clock.Now().Before(c.expire) {
		c = count{expire: expire}
	}
	c.n += n
	s.counts[key] = c
	return c.n, nil
}

type count struct {
	n      int64
	expire time.Time
}
