package notify

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// raceService is a Service on its own Redis, with namespace acme.
func raceService(t *testing.T, redisURL string) (*Service, *store.Store) {
	t.Helper()
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	st := store.New(rdb)
	if err := st.PutNamespace(context.Background(), &models.Namespace{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	client := asynq.NewClientFromRedisClient(rdb)
	t.Cleanup(func() { client.Close() })
	svc, err := New(Options{Store: st, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	return svc, st
}

// TestConnectionWritesRaceDelete: the notifier's writes of a connection
// (rotating its secret as :rotateSecret does, disabling it after a 410)
// racing the API's DELETE never bring the deleted connection back, and
// racing an edit never lose it. Each round starts both writers together.
func TestConnectionWritesRaceDelete(t *testing.T) {
	const rounds = 300
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			svc, st := raceService(t, b.URL(t))
			ctx := context.Background()
			writes := []struct {
				name  string
				write func(id string) error
			}{
				{"rotateSecret", func(id string) error {
					_, err := svc.RotateSecret(ctx, "acme", id)
					return err
				}},
				{"disable", func(id string) error {
					svc.handler.disable(ctx, "acme", id, "the receiver answered 410 Gone", "gone", time.Now())
					return nil
				}},
			}
			for _, w := range writes {
				t.Run(w.name, func(t *testing.T) {
					back := 0
					for i := range rounds {
						id := w.name + "-" + strconv.Itoa(i)
						c := &models.Connection{ID: id, Type: models.ConnectionTypeHTTP, URL: "https://crm.example.com/hook", Method: "POST"}
						if err := st.CreateConnection(ctx, "acme", c); err != nil {
							t.Fatal(err)
						}
						var wg sync.WaitGroup
						start := make(chan struct{})
						var werr, derr error
						wg.Add(2)
						go func() { defer wg.Done(); <-start; werr = w.write(id) }()
						go func() { defer wg.Done(); <-start; derr = st.DeleteConnectionIf(ctx, "acme", id, "") }()
						close(start)
						wg.Wait()
						if derr != nil {
							t.Fatalf("round %d: delete: %v", i, derr)
						}
						if werr != nil && !errors.Is(werr, store.ErrNotFound) {
							t.Fatalf("round %d: %s: %v", i, w.name, werr)
						}
						if _, err := st.GetConnection(ctx, "acme", id); !errors.Is(err, store.ErrNotFound) {
							back++
						}
					}
					if back > 0 {
						t.Errorf("a deleted connection came back in %d of %d rounds", back, rounds)
					}
				})
			}
		})
	}
}

// TestConnectionWritesKeepConcurrentEdits: rotating a secret or disabling
// a connection while the API edits it keeps both changes.
func TestConnectionWritesKeepConcurrentEdits(t *testing.T) {
	const rounds = 100
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			svc, st := raceService(t, b.URL(t))
			ctx := context.Background()
			lost := 0
			for i := range rounds {
				id := "edit-" + strconv.Itoa(i)
				c := &models.Connection{ID: id, Type: models.ConnectionTypeHTTP, URL: "https://crm.example.com/hook", Method: "POST"}
				if err := st.CreateConnection(ctx, "acme", c); err != nil {
					t.Fatal(err)
				}
				secret := c.Secret
				var wg sync.WaitGroup
				start := make(chan struct{})
				errs := make([]error, 3)
				wg.Add(3)
				go func() {
					defer wg.Done()
					<-start
					_, errs[0] = svc.RotateSecret(ctx, "acme", id)
				}()
				go func() {
					defer wg.Done()
					<-start
					svc.handler.disable(ctx, "acme", id, "the receiver answered 410 Gone", "gone", time.Now())
				}()
				go func() {
					defer wg.Done()
					<-start
					_, errs[2] = st.UpdateConnection(ctx, "acme", id, "", func(c *models.Connection) error {
						c.Nickname = "edited"
						return nil
					})
				}()
				close(start)
				wg.Wait()
				for _, err := range errs {
					if err != nil {
						t.Fatalf("round %d: %v", i, err)
					}
				}
				got, err := st.GetConnection(ctx, "acme", id)
				if err != nil {
					t.Fatal(err)
				}
				if got.Nickname != "edited" || got.Secret == secret || !got.Disabled {
					if lost++; lost <= 3 {
						t.Logf("round %d: nickname %q, secret rotated %v, disabled %v", i, got.Nickname, got.Secret != secret, got.Disabled)
					}
				}
			}
			if lost > 0 {
				t.Errorf("a concurrent change was lost in %d of %d rounds", lost, rounds)
			}
		})
	}
}
