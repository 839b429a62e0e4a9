package store_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/redisconn"
	"github.com/earshothq/earshot/store"
)

// How a faulty pipeline fails.
const (
	pipeOK        = iota
	pipeLostReply // applied, but the reply is lost (a failover's cut, a replica that did not confirm)
	pipeRefused   // not applied at all
)

// faultyPipelines fails the next pipeline as told (once: Redis answers
// again at once).
type faultyPipelines struct{ mode atomic.Int32 }

func (*faultyPipelines) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (*faultyPipelines) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (f *faultyPipelines) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		lost := errors.New("read tcp: i/o timeout")
		switch f.mode.Swap(pipeOK) {
		case pipeLostReply:
			_ = next(ctx, cmds)
		case pipeRefused:
		default:
			return next(ctx, cmds)
		}
		for _, c := range cmds {
			c.SetErr(lost)
		}
		return lost
	}
}

// TestFailedStartIsNotAnInterruption: an attempt whose start returned an
// error never sent, whether or not Redis applied its count; it must not
// pass for an attempt a crash cut off, which the next attempt reports (and
// three of which make a dead letter). A Sentinel failover once turned
// three failed starts into a dead letter that was never sent. Attempts a
// crash did cut off are still counted.
func TestFailedStartIsNotAnInterruption(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			rdb, err := redisconn.NewClient(b.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { rdb.Close() })
			faults := &faultyPipelines{}
			rdb.AddHook(faults)
			st := store.New(rdb)
			ctx := context.Background()
			ref := store.DeliveryRef{Namespace: "a", Connection: "c", ID: "msg_forget"}
			start := func(lease string, mode int32) (store.AttemptGrant, error) {
				faults.mode.Store(mode)
				return st.StartAttempt(ctx, store.AttemptStart{Ref: ref, EventType: models.EventTest, Event: "namespaces/a/events/e",
					Lease: lease, LeaseTTL: time.Minute, RatePerMinute: 600, Concurrency: 10})
			}
			// The rate limit's script is loaded first, so that no NOSCRIPT
			// answer takes a count back by itself.
			if _, err := st.StartAttempt(ctx, store.AttemptStart{Ref: store.DeliveryRef{Namespace: "a", Connection: "c", ID: "msg_warm"},
				EventType: models.EventTest, Event: "namespaces/a/events/e", Lease: "w", LeaseTTL: time.Minute, RatePerMinute: 600, Concurrency: 10}); err != nil {
				t.Fatal(err)
			}
			steps := []struct {
				lease       string
				mode        int32
				interrupted int // want, when the start succeeds
			}{
				{"a", pipeLostReply, 0},
				{"b", pipeLostReply, 0},
				{"c", pipeOK, 0}, // a and b never sent: nothing was interrupted
				{"d", pipeOK, 1}, // c was granted and never finished: a crash
				{"e", pipeRefused, 0},
				{"f", pipeLostReply, 0},
				{"g", pipeOK, 2}, // c and d; e and f are not counted, nor taken off the others
			}
			for _, s := range steps {
				g, err := start(s.lease, s.mode)
				if s.mode != pipeOK {
					if err == nil {
						t.Fatalf("start %s: no error from a failing pipeline", s.lease)
					}
					continue
				}
				if err != nil {
					t.Fatalf("start %s: %v", s.lease, err)
				}
				if g.Interrupted != s.interrupted {
					t.Errorf("start %s: %d attempts reported interrupted, want %d", s.lease, g.Interrupted, s.interrupted)
				}
			}
		})
	}
}
