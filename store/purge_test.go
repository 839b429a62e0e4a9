package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// Deleting a connection, or its namespace, deletes its delivery records
// (attempts with response bodies included) and its delivery state: the
// same id created again starts with nothing of the previous owner's.
func TestDeleteRemovesDeliveries(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			for _, how := range []string{"connection", "namespace", "config"} {
				t.Run(how, func(t *testing.T) {
					st := newStore(t, b.URL(t))
					ctx := context.Background()
					if err := st.PutNamespace(ctx, &models.Namespace{ID: "a"}); err != nil {
						t.Fatal(err)
					}
					conn := func() *models.Connection {
						return &models.Connection{ID: "c", Type: models.ConnectionTypeHTTP, URL: "https://x.example/h"}
					}
					if err := st.CreateConnection(ctx, "a", conn()); err != nil {
						t.Fatal(err)
					}
					// A neighbour whose deliveries must stay.
					if err := st.CreateConnection(ctx, "a", &models.Connection{ID: "c2", Type: models.ConnectionTypeHTTP, URL: "https://x.example/h"}); err != nil {
						t.Fatal(err)
					}
					for _, c := range []string{"c", "c2"} {
						for _, id := range []string{"msg_1", "msg_2"} {
							ref := store.DeliveryRef{Namespace: "a", Connection: c, ID: id}
							if err := st.CreateDelivery(ctx, ref, record("a", c, id, time.Now()), time.Hour); err != nil {
								t.Fatal(err)
							}
							if _, err := st.FinishAttempt(ctx, store.AttemptFinish{Ref: ref, State: models.DeliveryFailed, LastError: "boom", Health: 1,
								Attempt: &models.Attempt{Time: time.Now(), StatusCode: 500, ResponseBody: "the previous owner's secret"}, Retention: time.Hour}); err != nil {
								t.Fatal(err)
							}
						}
					}
					if err := st.MarkConnectionDisabled(ctx, models.ConnectionName("a", "c"), time.Now(), true); err != nil {
						t.Fatal(err)
					}
					const spike = "namespaces/a/managers/m/spikes/s1"
					for _, ev := range []string{models.ConnectionName("a", "c"), spike} {
						if err := st.PutEvent(ctx, ev, []byte(`{"type":"X"}`), time.Hour); err != nil {
							t.Fatal(err)
						}
					}

					var err error
					switch how {
					case "connection":
						err = st.DeleteConnectionIf(ctx, "a", "c", "")
					case "namespace":
						err = st.DeleteNamespaceIf(ctx, "a", "")
						if err == nil {
							err = st.PutNamespace(ctx, &models.Namespace{ID: "a"})
						}
					case "config":
						err = st.DeleteConnection(ctx, "a", "c")
					}
					if err != nil {
						t.Fatal(err)
					}
					if err := st.CreateConnection(ctx, "a", conn()); err != nil {
						t.Fatal(err)
					}
					ds, _, err := st.ListDeliveries(ctx, "a", "c", store.DeliveryQuery{})
					if err != nil {
						t.Fatal(err)
					}
					if len(ds) != 0 {
						t.Errorf("the new connection shows %d deliveries of the deleted one", len(ds))
					}
					for _, id := range []string{"msg_1", "msg_2"} {
						if ok, _ := st.DeliveryExists(ctx, store.DeliveryRef{Namespace: "a", Connection: "c", ID: id}); ok {
							t.Errorf("record %s survived", id)
						}
					}
					if since, _ := st.ConnectionFailingSince(ctx, "a", "c"); !since.IsZero() {
						t.Error("the failure streak survived")
					}
					if dis, _ := st.DisabledConnections(ctx); !dis[models.ConnectionName("a", "c")].IsZero() {
						t.Error("the disabled mark survived")
					}
					if _, err := st.GetEvent(ctx, models.ConnectionName("a", "c")); !errors.Is(err, store.ErrNotFound) {
						t.Errorf("the connection's TEST event survived (%v)", err)
					}
					if _, err := st.GetEvent(ctx, spike); (how == "namespace") != errors.Is(err, store.ErrNotFound) {
						t.Errorf("after deleting the %s the namespace's SPIKE event: %v", how, err)
					}
					keep, _, _ := st.ListDeliveries(ctx, "a", "c2", store.DeliveryQuery{})
					if want := 2; how != "namespace" && len(keep) != want {
						t.Errorf("the neighbour kept %d deliveries, want %d", len(keep), want)
					}
				})
			}
		})
	}
}
