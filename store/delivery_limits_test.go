package store_test

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.t) {
		c.t = t
	}
}

// due is an attempt to make at a time.
type due struct {
	at time.Time
	i  int
}

type dueHeap []due

func (h dueHeap) Len() int { return len(h) }
func (h dueHeap) Less(i, j int) bool {
	return h[i].at.Before(h[j].at) || h[i].at.Equal(h[j].at) && h[i].i < h[j].i
}
func (h dueHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)   { *h = append(*h, x.(due)) }
func (h *dueHeap) Pop() any     { old := *h; x := old[len(old)-1]; *h = old[:len(old)-1]; return x }

// TestRateLimitDrainsBacklog: a burst of deliveries over a connection's
// rate limit, each coming back exactly when it is told, is granted at the
// configured rate from the first second on, and never faster. (Before,
// refused attempts stayed counted and filled every window with their own
// refusals: 14–25 of these 41 in 60 simulated seconds.)
func TestRateLimitDrainsBacklog(t *testing.T) {
	cases := []struct {
		name      string
		perMinute int
		n         int
		within    time.Duration // all granted by then
		burst     int           // granted at once
	}{
		{"41 at 600/min", 600, 41, 5 * time.Second, 10},
		{"300 at 600/min", 600, 300, 31 * time.Second, 10},
		{"30 at 60/min", 60, 30, 21 * time.Second, 10},
		{"12 at 6/min", 6, 12, 61 * time.Second, 6},
	}
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					st := newStore(t, b.URL(t))
					start := time.Date(2026, 6, 13, 12, 0, 0, 300_000_000, time.UTC)
					clock := &fakeClock{t: start}
					st.SetClock(clock.now)
					ctx := context.Background()
					q := &dueHeap{}
					for i := range tc.n {
						heap.Push(q, due{start, i})
					}
					var granted []time.Duration
					refusals := 0
					for q.Len() > 0 {
						d := heap.Pop(q).(due)
						clock.set(d.at)
						ref := store.DeliveryRef{Namespace: "a", Connection: "c", ID: fmt.Sprintf("msg_%03d", d.i)}
						g, err := st.StartAttempt(ctx, store.AttemptStart{Ref: ref, EventType: models.EventTest, Event: "namespaces/a/events/e",
							Lease: fmt.Sprint(d.i), LeaseTTL: time.Minute, RatePerMinute: tc.perMinute})
						if err != nil {
							t.Fatal(err)
						}
						if g.Wait == 0 {
							granted = append(granted, clock.now().Sub(start))
							continue
						}
						if g.Reason != store.ReasonRateLimit {
							t.Fatalf("refused for %q", g.Reason)
						}
						refusals++
						heap.Push(q, due{clock.now().Add(g.Wait), d.i})
					}
					last := granted[len(granted)-1]
					if last > tc.within {
						t.Errorf("all %d granted after %s, want within %s", tc.n, last, tc.within)
					}
					// Never faster than the rate, after the burst.
					interval := time.Minute / time.Duration(tc.perMinute)
					for k, at := range granted {
						if min := time.Duration(k-tc.burst+1) * interval; at < min-time.Millisecond {
							t.Fatalf("grant %d at %s, before %s: over the rate", k+1, at, min)
						}
					}
					// Each waiting delivery was told its turn once: the refusals
					// are the deliveries beyond the burst, not a multiple of them.
					if want := tc.n - tc.burst; refusals != want {
						t.Errorf("%d refusals, want %d (one per delivery beyond the burst)", refusals, want)
					}
				})
			}
		})
	}
}

// TestConcurrencyWaitersAreHandedOn: deliveries refused for concurrency
// wait in the connection's set, oldest first; each finished attempt hands
// its slot to one of them, and when the backlog is gone nothing is left
// counted as waiting.
func TestConcurrencyWaitersAreHandedOn(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			st := newStore(t, b.URL(t))
			ctx := context.Background()
			for i := range 6 {
				id := fmt.Sprintf("msg_%02d", i)
				if err := st.CreateDelivery(ctx, store.DeliveryRef{Namespace: "a", Connection: "c", ID: id}, record("a", "c", id, time.Now()), time.Hour); err != nil {
					t.Fatal(err)
				}
			}
			start := func(i int) store.AttemptGrant {
				t.Helper()
				ref := store.DeliveryRef{Namespace: "a", Connection: "c", ID: fmt.Sprintf("msg_%02d", i)}
				g, err := st.StartAttempt(ctx, store.AttemptStart{Ref: ref, EventType: models.EventTest, Event: "namespaces/a/events/e",
					TaskID: fmt.Sprintf("task-%02d", i), Lease: fmt.Sprintf("lease-%02d", i), LeaseTTL: time.Minute, Concurrency: 2})
				if err != nil {
					t.Fatal(err)
				}
				return g
			}
			finish := func(i int) string {
				t.Helper()
				ref := store.DeliveryRef{Namespace: "a", Connection: "c", ID: fmt.Sprintf("msg_%02d", i)}
				f, err := st.FinishAttempt(ctx, store.AttemptFinish{Ref: ref, State: models.DeliveryDelivered, Lease: fmt.Sprintf("lease-%02d", i),
					Attempt: &models.Attempt{Time: time.Now(), StatusCode: 200}, Retention: time.Hour})
				if err != nil {
					t.Fatal(err)
				}
				return f.Waiter
			}
			for i := range 2 {
				if g := start(i); g.Wait != 0 || !g.Leased {
					t.Fatalf("attempt %d refused under the limit", i)
				}
			}
			for i := 2; i < 6; i++ {
				g := start(i)
				if g.Reason != store.ReasonConcurrency || g.Leased {
					t.Fatalf("attempt %d: reason %q, leased %v; want refused for concurrency", i, g.Reason, g.Leased)
				}
				if g.Waiting != int64(i-2) {
					t.Errorf("attempt %d: %d waiting before it, want %d", i, g.Waiting, i-2)
				}
			}
			// A refused one that comes back early and is refused again keeps
			// its place.
			if g := start(2); g.Reason != store.ReasonConcurrency {
				t.Fatal("a third attempt in flight")
			}
			if w := finish(0); w != "task-02" {
				t.Fatalf("first slot handed to %q, want the oldest waiter task-02", w)
			}
			// task-02 runs; task-03 comes back by its fallback before its
			// wake-up, and gets the slot task-01 gives back.
			if g := start(2); g.Wait != 0 {
				t.Fatal("woken waiter refused with a slot free")
			}
			if w := finish(1); w != "task-03" {
				t.Fatalf("second slot handed to %q, want task-03", w)
			}
			if g := start(3); g.Wait != 0 {
				t.Fatal("woken waiter refused with a slot free")
			}
			// A waiter granted by its fallback leaves the set: no wake-up can
			// run it again once it is done.
			if w := finish(2); w != "task-04" {
				t.Fatalf("third slot handed to %q, want task-04", w)
			}
			if g := start(5); g.Wait != 0 {
				t.Fatal("waiter refused with a slot free")
			}
			if g := start(4); g.Reason != store.ReasonConcurrency {
				t.Fatal("over the limit")
			}
			for _, i := range []int{3, 5} {
				if w := finish(i); i == 3 && w != "task-04" {
					t.Fatalf("slot handed to %q, want task-04", w)
				}
			}
			if g := start(4); g.Wait != 0 {
				t.Fatal("last waiter refused")
			}
			finish(4)
			if n, err := st.ConnectionWaiting(ctx, "a", "c"); err != nil || n != 0 {
				t.Fatalf("%d still counted as waiting after the backlog (%v)", n, err)
			}
			if n, err := st.ConnectionInflight(ctx, "a", "c"); err != nil || n != 0 {
				t.Fatalf("%d still in flight (%v)", n, err)
			}
		})
	}
}

// TestInterruptedAttemptIsNoticed: an attempt started and never finished
// (its process died) is reported to the next attempt, and recorded with
// it, so the record lists every attempt it counts.
func TestInterruptedAttemptIsNoticed(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			st := newStore(t, b.URL(t))
			ctx := context.Background()
			ref := store.DeliveryRef{Namespace: "a", Connection: "c", ID: "msg_1"}
			rec := record("a", "c", "msg_1", time.Now())
			if err := st.CreateDelivery(ctx, ref, rec, time.Hour); err != nil {
				t.Fatal(err)
			}
			begin := func() store.AttemptGrant {
				g, err := st.StartAttempt(ctx, store.AttemptStart{Ref: ref, EventType: models.EventTest, Event: "namespaces/a/events/e",
					Lease: "l", LeaseTTL: time.Minute, Concurrency: 5, RatePerMinute: 600})
				if err != nil {
					t.Fatal(err)
				}
				return g
			}
			if g := begin(); g.Interrupted != 0 {
				t.Fatalf("first attempt: %d interrupted", g.Interrupted)
			}
			// The process dies here. The recovered task's attempt:
			g := begin()
			if g.Interrupted != 1 {
				t.Fatalf("after a cut-off attempt: %d interrupted, want 1", g.Interrupted)
			}
			_, err := st.FinishAttempt(ctx, store.AttemptFinish{Ref: ref, State: models.DeliveryDelivered, Lease: "l", Retention: time.Hour,
				PrevState: g.State, PrevAttempts: g.Attempts,
				Interrupted: []models.Attempt{{Time: time.Now(), Error: "interrupted"}},
				Attempt:     &models.Attempt{Time: time.Now(), StatusCode: 200}})
			if err != nil {
				t.Fatal(err)
			}
			d, err := st.GetDelivery(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			if d.AttemptCount != 2 || len(d.Attempts) != 2 || d.Attempts[0].Error != "interrupted" || d.Attempts[1].StatusCode != 200 {
				t.Fatalf("record: %d attempts, listed %+v", d.AttemptCount, d.Attempts)
			}
			if g := begin(); g.Interrupted != 0 {
				t.Fatalf("after a finished attempt: %d interrupted", g.Interrupted)
			}
		})
	}
}
