package notify_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/store"
)

// A delivery still queued when its connection is deleted never reaches a
// connection created again under the same id, and writes no record there.
func TestDeletedConnectionsTasksDoNotReachItsSuccessor(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			h := newHarness(t, b.URL(t), notify.Config{RetrySchedule: durations(time.Second), Timeout: 2 * time.Second})
			old := newReceiver(t)
			old.setAlways(&reply{status: http.StatusInternalServerError})
			conn := h.connection("crm", old.URL)
			id := h.deliver(conn)
			h.waitState(conn, id, models.DeliveryRetrying, 20*time.Second)

			ctx := context.Background()
			if err := h.store.DeleteConnectionIf(ctx, ns, "crm", ""); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Millisecond) // a later create time than the task's
			successor := newReceiver(t)
			h.connection("crm", successor.URL)

			// The retry comes due within a second or two; wait until asynq
			// holds no task of the delivery any more.
			insp := asynq.NewInspectorFromRedisClient(h.rdb)
			deadline := time.Now().Add(30 * time.Second)
			for {
				if _, err := insp.GetTaskInfo(notify.QueueDeliveries, notify.TaskID(id)); err != nil {
					break // gone (revoked)
				}
				if time.Now().After(deadline) {
					t.Fatal("the old task is still queued after 30 s")
				}
				time.Sleep(50 * time.Millisecond)
			}
			if n := len(successor.requests()); n != 0 {
				t.Errorf("the new connection received %d requests of the deleted one", n)
			}
			if ok, _ := h.store.DeliveryExists(ctx, store.DeliveryRef{Namespace: ns, Connection: "crm", ID: id}); ok {
				t.Error("the old delivery's record exists under the new connection")
			}
		})
	}
}
