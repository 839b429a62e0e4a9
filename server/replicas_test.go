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
			polls := 0
			src := sources.Func(func(ctx context.Context, m *models.Manager, cur json.RawMessage) (sources.Result, error) {
				mu.Lock()
				polls++
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
			// Six seconds hold at most seven ticks; two replicas polling
			// independently would make about twelve polls.
			time.Sleep(6 * time.Second)
			mu.Lock()
			defer mu.Unlock()
			if polls > 7 {
				t.Errorf("%d polls in 6s of @every 1s with two replicas: some tick was polled twice", polls)
			}
			if polls < 3 {
				t.Errorf("only %d polls in 6s of @every 1s", polls)
			}
		})
	}
}
