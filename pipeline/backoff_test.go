package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/pipeline"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/store"
)

// A source that stays down is read less and less often (1m, 2m, 4m, …,
// capped at 30m), its manager says FAILING with the error, and the first
// success resets it.
func TestFailingSourceBacksOff(t *testing.T) {
	down := true
	calls := 0
	src := sources.Func(func(ctx context.Context, m *models.Manager, cur json.RawMessage) (sources.Result, error) {
		calls++
		if down {
			return sources.Result{}, errors.New("reddit: GET https://oauth.reddit.com/r/x/new?access_token=SECRET: server error 503")
		}
		return sources.Result{Posts: []models.Post{post("t3_z", "a social listening tool?")}}, nil
	})
	e := setup(t, src)
	now := time.Now()
	e.poller.Now = func() time.Time { return now }
	ctx := context.Background()

	// One tick a minute for 3 hours: polls happen at growing gaps.
	var polledAt []time.Duration
	start := now
	for i := 0; i < 180; i++ {
		before := calls
		st, err := e.poller.Poll(ctx, "acme", "leads")
		if calls > before {
			polledAt = append(polledAt, now.Sub(start))
			if !errors.Is(err, pipeline.ErrSourceFailed) {
				t.Fatalf("tick %d: %v", i, err)
			}
		} else if !st.BackingOff {
			t.Fatalf("tick %d skipped without backing off: %+v %v", i, st, err)
		}
		now = now.Add(time.Minute)
	}
	var gaps []time.Duration
	for i := 1; i < len(polledAt); i++ {
		gaps = append(gaps, polledAt[i]-polledAt[i-1])
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30, 30, 30}
	for i, g := range gaps {
		if i >= len(want) || g != want[i]*time.Minute {
			t.Fatalf("gaps between polls %v, want %v minutes", gaps, want)
		}
	}
	if len(gaps) < 8 {
		t.Fatalf("only %d polls in 3 hours", len(polledAt))
	}

	m, _ := e.st.GetManager(ctx, "acme", "leads")
	s, err := e.st.ManagerStatus(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if s.State != models.ManagerFailing || s.ConsecutiveFailures != len(polledAt) || s.NextPollTime == nil || s.LastSuccessTime != nil {
		t.Errorf("status while down: %+v", s)
	}
	if s.LastError == "" || strings.Contains(s.LastError, "SECRET") {
		t.Errorf("lastError %q", s.LastError)
	}
	failing, _ := e.st.FailingManagers(ctx, 10)
	if len(failing) != 1 || failing[0].Name != "namespaces/acme/managers/leads" {
		t.Errorf("failing managers: %+v", failing)
	}

	// Back up: the next allowed poll succeeds and everything resets.
	down = false
	now = *s.NextPollTime
	if _, err := e.poller.Poll(ctx, "acme", "leads"); err != nil {
		t.Fatal(err)
	}
	s, _ = e.st.ManagerStatus(ctx, m)
	if s.State != models.ManagerHealthy || s.ConsecutiveFailures != 0 || s.NextPollTime != nil || s.LastError != "" || s.LastSuccessTime == nil {
		t.Errorf("status after recovery: %+v", s)
	}
	if failing, _ := e.st.FailingManagers(ctx, 10); len(failing) != 0 {
		t.Errorf("still failing: %+v", failing)
	}
	before := calls
	now = now.Add(time.Minute)
	if _, err := e.poller.Poll(ctx, "acme", "leads"); err != nil || calls != before+1 {
		t.Errorf("healthy source not polled at the next tick")
	}
}

func TestBackoffSchedule(t *testing.T) {
	for n, want := range map[int]time.Duration{0: 0, 1: time.Minute, 2: 2 * time.Minute, 5: 16 * time.Minute, 6: 30 * time.Minute, 100: store.BackoffCap} {
		if got := store.Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, want)
		}
	}
}
