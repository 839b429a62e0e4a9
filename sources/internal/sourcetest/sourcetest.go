// Package sourcetest is the harness the platform packages' tests share: a
// fake clock and rate state to build a Source on, its logs, a poller that
// carries the cursor from poll to poll as the scheduler does, and small
// checks on what a poll returned.
package sourcetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

// Env is what a test builds its Source with: a clock set to a fixed time,
// a rate state telling time by it (the Redis every process shares) and a
// logger writing everything from Debug up to Logs.
type Env struct {
	Clock *fakes.Clock
	Rate  *fakes.RateState
	Logs  *Buffer
	Log   *slog.Logger
}

// NewEnv returns an Env whose clock shows now.
func NewEnv(now time.Time) *Env {
	clock := fakes.NewClock(now)
	logs := &Buffer{}
	return &Env{
		Clock: clock,
		Rate:  &fakes.RateState{Clock: clock},
		Logs:  logs,
		Log:   slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// Options build a Source on the Env: its clock, rate state and logger,
// then extra.
func (e *Env) Options(extra ...sources.Option) []sources.Option {
	return append([]sources.Option{sources.WithClock(e.Clock.Now), sources.WithRateState(e.Rate), sources.WithLogger(e.Log)}, extra...)
}

// Elsewhere build a Source standing for another process: the same clock
// and rate state, its own logs (discarded), then extra.
func (e *Env) Elsewhere(extra ...sources.Option) []sources.Option {
	return append([]sources.Option{sources.WithClock(e.Clock.Now), sources.WithRateState(e.Rate)}, extra...)
}

// Buffer is a bytes.Buffer safe for the concurrent writes of a source's
// requests.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Reset empties the buffer.
func (b *Buffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.Reset()
}

// Poller polls one manager poll after poll, handing each poll the cursor
// the one before returned, and keeps the ids of every post returned.
type Poller struct {
	t   *testing.T
	src sources.Source
	m   *models.Manager
	// Cursor is what the next poll is given.
	Cursor json.RawMessage
	// Got holds the ids of all the posts returned, in order.
	Got []string
}

// NewPoller returns a Poller of m on src that starts without a cursor.
func NewPoller(t *testing.T, src sources.Source, m *models.Manager) *Poller {
	return &Poller{t: t, src: src, m: m}
}

// Poll polls once, fails the test on an error, and checks that the posts
// come oldest first.
func (p *Poller) Poll() []models.Post {
	p.t.Helper()
	res, err := p.src.Poll(context.Background(), p.m, p.Cursor)
	if err != nil {
		p.t.Fatal(err)
	}
	p.Cursor = res.Cursor
	for i := 1; i < len(res.Posts); i++ {
		if res.Posts[i].Time.Before(res.Posts[i-1].Time.Time) {
			p.t.Errorf("posts not oldest first at %d", i)
		}
	}
	p.Got = append(p.Got, IDs(res.Posts)...)
	return res.Posts
}

// IDs are the posts' ids, in order.
func IDs(posts []models.Post) []string {
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.ID
	}
	return out
}

// unique is the set of ids in list.
func unique(list []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range list {
		m[s] = true
	}
	return m
}

// EachOnce fails the test unless the ids got hold each of want exactly
// once and nothing else: no post lost, none returned twice.
func EachOnce(t *testing.T, got, want []string) {
	t.Helper()
	if !sameSet(got, want) {
		t.Errorf("got %d posts (%d distinct), want each of %d once", len(got), len(unique(got)), len(want))
	}
}

// sameSet reports whether got holds each of want exactly once and nothing
// else.
func sameSet(got, want []string) bool {
	u := unique(got)
	if len(u) != len(got) || len(u) != len(want) {
		return false
	}
	for _, w := range want {
		if !u[w] {
			return false
		}
	}
	return true
}

// Time parses an RFC 3339 time as a models.Timestamp, panicking on a
// malformed one (a typo in the test).
func Time(s string) models.Timestamp {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return models.NewTimestamp(t)
}

// Manager is a manager of the namespace acme with id that reads the source
// typ with settings and a one-day backfill, and looks for mentions of
// keywords.
func Manager(id, typ string, settings any, keywords ...string) *models.Manager {
	return &models.Manager{
		Meta:   models.Meta{Name: "namespaces/acme/managers/" + id},
		ID:     id,
		Source: models.Source{Type: typ, Settings: models.SettingsOf(settings), Backfill: models.Duration(24 * time.Hour)},
		Input:  models.Input{Type: models.InputTypeStructured, Keywords: keywords, Focus: models.Focus{Type: "MENTIONS"}},
	}
}

// Failed checks a poll that had to fail: its error is want (errors.Is) and,
// when msg is given, says exactly msg; and it returned neither posts nor a
// cursor, so that nothing is handed on and the stored cursor stays.
func Failed(t *testing.T, res sources.Result, err, want error, msg string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if !errors.Is(err, want) {
		t.Errorf("error %q is not %q", err, want)
	}
	if msg != "" && err.Error() != msg {
		t.Errorf("error =\n%s\nwant\n%s", err, msg)
	}
	if res.Cursor != nil || res.Posts != nil {
		t.Errorf("a failed poll returned %d posts and cursor %s", len(res.Posts), res.Cursor)
	}
}

// Recorder is a fake platform that keeps the requests it was sent.
type Recorder interface{ Requests() []*http.Request }

// BlockedElsewhere checks that other, a Source on the rate state of one
// that was just rate limited (another process), is refused m with a
// *sources.RateLimitError without sending platform a request.
func BlockedElsewhere(t *testing.T, other sources.Source, m *models.Manager, platform Recorder) {
	t.Helper()
	n := len(platform.Requests())
	_, err := other.Poll(context.Background(), m, nil)
	if rl := (*sources.RateLimitError)(nil); !errors.As(err, &rl) {
		t.Errorf("another process: %v, want rate limited", err)
	}
	if len(platform.Requests()) != n {
		t.Error("another process called the platform while blocked")
	}
}
