package server_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/internal/testserver"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/server"
	"github.com/earshothq/earshot/sources"
)

// TestReplicasPollOncePerTick: two processes on one Redis poll a manager
// once per tick between them, never twice.
func TestReplicasPollOncePerTick(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			redisURL := b.URL(t)
			var mu sync.Mutex
			var polls []time.Time
			src := sources.Func(func(ctx context.Context, m *models.Manager, cur json.RawMessage) (sources.Result, error) {
				mu.Lock()
				polls = append(polls, time.Now())
				mu.Unlock()
				return sources.Result{Cursor: json.RawMessage(`{}`)}, nil
			})
			cfg := testConfig(t, redisURL, "http://127.0.0.1:1", "http://127.0.0.1:1")
			startWith := func(cfg *config.Config) {
				testserver.Start(t, cfg, func(o *server.Options) {
					o.Sources = sources.Registry{"REDDIT": src}
				})
			}
			startWith(cfg)
			startWith(cfg)
			// Count the polls over the ticks they span rather than in a fixed
			// time: a busy machine may start late or skip a tick, never poll
			// one tick twice. Two replicas polling independently would make
			// about two polls a tick.
			const want = 8
			deadline := time.Now().Add(2 * time.Minute)
			for {
				mu.Lock()
				n := len(polls)
				mu.Unlock()
				if n >= want {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("only %d polls of @every 1s in 2 minutes", n)
				}
				time.Sleep(50 * time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			ps := polls[:want]
			// Ticks are whole seconds apart; the polls of n ticks span at least
			// n-1 of them, less a little for the time a poll takes to start.
			if span := ps[want-1].Sub(ps[0]); span < time.Duration(want-2)*time.Second {
				t.Errorf("%d polls within %s of @every 1s with two replicas: some tick was polled twice", want, span)
			}
		})
	}
}
