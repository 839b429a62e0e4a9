package notify

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// raceEnv is a Service on its own Redis, with namespace acme.
type raceEnv struct {
	t     *testing.T
	svc   *Service
	store *store.Store
}

func newRaceEnv(t *testing.T, redisURL string) *raceEnv {
	t.Helper()
	st := testredis.Store(t, redisURL)
	if err := st.PutNamespace(context.Background(), &models.Namespace{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	client := asynq.NewClientFromRedisClient(st.Redis())
	t.Cleanup(func() { client.Close() })
	svc, err := New(Options{Store: st, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	return &raceEnv{t: t, svc: svc, store: st}
}

// connection creates connection id and returns it.
func (e *raceEnv) connection(id string) *models.Connection {
	e.t.Helper()
	c := &models.Connection{ID: id, Type: models.ConnectionTypeHTTP, URL: "https://crm.example.com/hook", Method: "POST"}
	if err := e.store.CreateConnection(context.Background(), "acme", c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// The writes the notifier makes of a connection.
func (e *raceEnv) rotate(id string) error {
	_, err := e.svc.RotateSecret(context.Background(), "acme", id)
	return err
}

func (e *raceEnv) disable(id string) error {
	e.svc.handler.disable(context.Background(), "acme", id, "the receiver answered 410 Gone", "gone", time.Now())
	return nil
}

// together runs fns at the same moment and returns their errors once all
// have returned.
func together(fns ...func() error) []error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, f := range fns {
		wg.Add(1)
		go func() { defer wg.Done(); <-start; errs[i] = f() }()
	}
	close(start)
	wg.Wait()
	return errs
}

// TestConnectionWritesRaceDelete: the notifier's writes of a connection
// (rotating its secret as :rotateSecret does, disabling it after a 410)
// racing the API's DELETE never bring the deleted connection back.
func TestConnectionWritesRaceDelete(t *testing.T) {
	const rounds = 300
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newRaceEnv(t, b.URL(t))
			ctx := context.Background()
			for name, write := range map[string]func(string) error{"rotateSecret": e.rotate, "disable": e.disable} {
				t.Run(name, func(t *testing.T) {
					back := 0
					for i := range rounds {
						id := name + "-" + strconv.Itoa(i)
						e.connection(id)
						errs := together(
							func() error { return write(id) },
							func() error { return e.store.DeleteConnectionIf(ctx, "acme", id, "") },
						)
						if errs[1] != nil || (errs[0] != nil && !errors.Is(errs[0], store.ErrNotFound)) {
							t.Fatalf("round %d: %s: %v; delete: %v", i, name, errs[0], errs[1])
						}
						if _, err := e.store.GetConnection(ctx, "acme", id); !errors.Is(err, store.ErrNotFound) {
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

// TestConnectionWritesKeepConcurrentEdits: rotating a secret and disabling
// a connection while the API edits it keeps all three changes.
func TestConnectionWritesKeepConcurrentEdits(t *testing.T) {
	const rounds = 100
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newRaceEnv(t, b.URL(t))
			ctx := context.Background()
			lost := 0
			for i := range rounds {
				id := "edit-" + strconv.Itoa(i)
				secret := e.connection(id).Secret
				edit := func() error {
					_, err := e.store.UpdateConnection(ctx, "acme", id, "", func(c *models.Connection) error {
						c.Nickname = "edited"
						return nil
					})
					return err
				}
				for _, err := range together(func() error { return e.rotate(id) }, func() error { return e.disable(id) }, edit) {
					if err != nil {
						t.Fatalf("round %d: %v", i, err)
					}
				}
				got, err := e.store.GetConnection(ctx, "acme", id)
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
