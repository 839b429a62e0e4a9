package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

func newStore(t *testing.T, url string) *store.Store { return testredis.Store(t, url) }

func record(ns, conn, id string, created time.Time) *models.Delivery {
	return &models.Delivery{
		Name: models.DeliveryName(ns, conn, id), Event: "namespaces/a/managers/m/scans/" + id, EventType: models.EventScan,
		Connection: models.ConnectionName(ns, conn), WebhookID: id, State: models.DeliveryPending, CreateTime: created,
	}
}

// TestListDeliveriesPages lists by state and by create time, page by page,
// with records whose times tie.
func TestListDeliveriesPages(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			st := newStore(t, b.URL(t))
			ctx := context.Background()
			base := time.Now().Truncate(time.Second)
			const n = 23
			for i := range n {
				id := fmt.Sprintf("msg_%02d", i)
				ref := store.DeliveryRef{Namespace: "a", Connection: "c", ID: id}
				// Pairs share a create time, to exercise ties.
				if err := st.CreateDelivery(ctx, ref, record("a", "c", id, base.Add(time.Duration(i/2)*time.Millisecond)), time.Hour); err != nil {
					t.Fatal(err)
				}
				if i%3 == 0 {
					_, err := st.FinishAttempt(ctx, store.AttemptFinish{Ref: ref, State: models.DeliveryFailed, LastError: "boom",
						Attempt: &models.Attempt{Time: time.Now(), StatusCode: 500}, Retention: time.Hour})
					if err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, tc := range []struct {
				state string
				want  int
			}{{"", n}, {models.DeliveryFailed, 8}, {models.DeliveryPending, 15}, {models.DeliveryDelivered, 0}} {
				seen := map[string]bool{}
				tok := ""
				pages := 0
				for {
					page, next, err := st.ListDeliveries(ctx, "a", "c", store.DeliveryQuery{State: tc.state, PageSize: 5, PageToken: tok})
					if err != nil {
						t.Fatal(err)
					}
					pages++
					for _, d := range page {
						if seen[d.WebhookID] {
							t.Fatalf("state %q: %s listed twice", tc.state, d.WebhookID)
						}
						seen[d.WebhookID] = true
						if tc.state != "" && d.State != tc.state {
							t.Errorf("state %q: listed a %s delivery", tc.state, d.State)
						}
					}
					if next == "" {
						break
					}
					tok = next
					if pages > 20 {
						t.Fatal("pagination does not end")
					}
				}
				if len(seen) != tc.want {
					t.Errorf("state %q: listed %d, want %d", tc.state, len(seen), tc.want)
				}
			}
			if _, _, err := st.ListDeliveries(ctx, "a", "c", store.DeliveryQuery{PageToken: "garbage"}); err == nil {
				t.Error("a bad page token is accepted")
			}
			d, err := st.GetDelivery(ctx, store.DeliveryRef{Namespace: "a", Connection: "c", ID: "msg_03"})
			if err != nil {
				t.Fatal(err)
			}
			if d.State != models.DeliveryFailed || d.AttemptCount != 1 || d.Attempts[0].StatusCode != 500 || d.LastError != "boom" {
				t.Errorf("record = %+v", d)
			}
		})
	}
}

// TestCreateAfterFinish: an attempt may finish before its enqueuer writes
// the record; the record must keep the attempt's state.
func TestCreateAfterFinish(t *testing.T) {
	st := newStore(t, testredis.Embedded(t))
	ctx := context.Background()
	ref := store.DeliveryRef{Namespace: "a", Connection: "c", ID: "msg_x"}
	rec := record("a", "c", "msg_x", time.Now())
	if _, err := st.FinishAttempt(ctx, store.AttemptFinish{Ref: ref, Meta: rec, State: models.DeliveryDelivered,
		Attempt: &models.Attempt{Time: time.Now(), StatusCode: 200}, Retention: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateDelivery(ctx, ref, rec, time.Hour); err != nil {
		t.Fatal(err)
	}
	d, err := st.GetDelivery(ctx, ref)
	if err != nil || d.State != models.DeliveryDelivered {
		t.Fatalf("state %v, %v; want DELIVERED", d, err)
	}
	if n, _ := st.CountDeliveries(ctx, "a", "c", models.DeliveryPending); n != 0 {
		t.Errorf("%d indexed as pending, want 0", n)
	}
}

// TestConnectionStateCarriedOver: a changed secret keeps signing for a day;
// disabling stamps a time that enabling clears.
func TestConnectionStateCarriedOver(t *testing.T) {
	st := newStore(t, testredis.Embedded(t))
	ctx := context.Background()
	old := models.NewSecret()
	c := &models.Connection{ID: "c", Type: models.ConnectionTypeHTTP, URL: "https://example.com", Secret: old}
	if err := st.PutConnection(ctx, "a", c); err != nil {
		t.Fatal(err)
	}
	c.Secret = models.NewSecret()
	c.Disabled = true
	if err := st.PutConnection(ctx, "a", c); err != nil {
		t.Fatal(err)
	}
	got, _ := st.GetConnection(ctx, "a", "c")
	if len(got.PreviousSecrets) != 1 || got.PreviousSecrets[0].Secret != old || got.DisableTime == nil {
		t.Fatalf("after a new secret and a disable: %+v", got)
	}
	got.Disabled = false
	got.PreviousSecrets = nil // what a client sends does not matter
	if err := st.PutConnection(ctx, "a", got); err != nil {
		t.Fatal(err)
	}
	got, _ = st.GetConnection(ctx, "a", "c")
	if got.DisableTime != nil || len(got.PreviousSecrets) != 1 {
		t.Fatalf("after enabling: %+v", got)
	}
}
