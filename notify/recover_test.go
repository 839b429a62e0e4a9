package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/store"
)

// TestCrashedAttemptIsRecovered: a delivery whose process died
// mid-attempt (its task active, its asynq lease lapsed, the attempt
// started and never finished) is attempted again as soon as the lease has
// lapsed, not a minute or two later when asynq's recoverer gets to it; the
// crash does not use up a retry (there are none here), and the record
// lists the interrupted attempt beside the one that delivered.
func TestCrashedAttemptIsRecovered(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			h := newHarness(t, b.URL(t), notify.Config{RetrySchedule: []time.Duration{}})
			rcv := newReceiver(t)
			conn := h.connection("crm", rcv.URL)
			ctx := context.Background()
			scan := h.scan()
			id := notify.WebhookID(scan, conn)
			ref := store.DeliveryRef{Namespace: ns, Connection: "crm", ID: id}
			now := time.Now().UTC()
			if err := h.store.CreateDelivery(ctx, ref, &models.Delivery{Name: ref.Name(), Event: scan, EventType: models.EventScan,
				Connection: conn, WebhookID: id, State: models.DeliveryPending, CreateTime: now, UpdateTime: now}, time.Hour); err != nil {
				t.Fatal(err)
			}
			// The dead process: it took the task (asynq's state for an active
			// task whose lease lapsed) and began the attempt.
			task, err := notify.NewDeliverTask(notify.DeliverPayload{Namespace: ns, Connection: "crm", Delivery: id, EventType: models.EventScan, Event: scan}, notify.TaskID(id))
			if err != nil {
				t.Fatal(err)
			}
			client := asynq.NewClientFromRedisClient(h.rdb)
			defer client.Close()
			if _, err := client.Enqueue(task, asynq.ProcessIn(time.Hour)); err != nil {
				t.Fatal(err)
			}
			q := "asynq:{" + notify.QueueDeliveries + "}:"
			taskID := notify.TaskID(id)
			pipe := h.rdb.TxPipeline()
			pipe.ZRem(ctx, q+"scheduled", taskID)
			pipe.LPush(ctx, q+"active", taskID)
			pipe.ZAdd(ctx, q+"lease", redis.Z{Score: float64(time.Now().Add(-2 * time.Second).Unix()), Member: taskID})
			pipe.HSet(ctx, q+"t:"+taskID, "state", "active")
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := h.store.StartAttempt(ctx, store.AttemptStart{Ref: ref, EventType: models.EventScan, Event: scan,
				Lease: "dead", LeaseTTL: time.Second, RatePerMinute: 600, Concurrency: 10}); err != nil {
				t.Fatal(err)
			}

			// Generous for a busy machine; asynq alone would take 30-90 s.
			d := h.waitState(conn, id, models.DeliveryDelivered, 20*time.Second)
			if d.AttemptCount != 2 || len(d.Attempts) != 2 {
				t.Fatalf("%d attempts recorded, %d listed; want the interrupted one and the delivered one", d.AttemptCount, len(d.Attempts))
			}
			if !strings.Contains(d.Attempts[0].Error, "interrupted") || d.Attempts[1].StatusCode != 200 {
				t.Errorf("attempts: %+v", d.Attempts)
			}
			if n := len(rcv.requestsFor(id)); n != 1 {
				t.Errorf("receiver got %d requests, want 1", n)
			}
		})
	}
}
