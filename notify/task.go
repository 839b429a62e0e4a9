package notify

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/earshothq/earshot/metrics"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
	"github.com/earshothq/earshot/tracing"
)

// TypeDeliver is the asynq task type of one event's delivery to one connection.
const TypeDeliver = "earshot:deliver"

// QueueDeliveries is the asynq queue of delivery tasks.
const QueueDeliveries = "deliveries"

// maxTaskRetries is asynq's MaxRetry of a delivery task. The handler
// decides when a delivery has failed for good, from its connection's
// schedule; asynq's own limit is only a safety net. It must stay above any
// schedule's length, or asynq would archive a postponed task (it checks
// the limit before asking whether the error was a failure).
const maxTaskRetries = models.MaxRetryScheduleLength + 25

// taskTimeout bounds one processing of a delivery task in asynq, which
// counts in whole seconds. The HTTP attempt's own, shorter timeout fires
// first, so the attempt is recorded; this one only catches a stuck handler.
var taskTimeout = models.MaxConnectionTimeout + 15*time.Second

// DeliverPayload is a delivery task's payload.
type DeliverPayload struct {
	Namespace  string `json:"ns"`
	Connection string `json:"connection"` // connection id
	Delivery   string `json:"delivery"`   // delivery id (= webhook-id)
	EventType  string `json:"eventType"`  // SCAN, SPIKE, TEST
	Event      string `json:"event"`      // the event's resource name
	// Enqueued is when the task was made (unix ms): a connection created
	// after it is a new one of the same id, which must not get it.
	Enqueued int64 `json:"enqueued,omitempty"`
	// Traceparent and Tracestate are the W3C trace context of the span
	// that enqueued the delivery (the Scan's creation), when tracing is
	// on: each attempt's span is its child, whenever and wherever it runs.
	Traceparent string `json:"traceparent,omitempty"`
	Tracestate  string `json:"tracestate,omitempty"`
}

func (p DeliverPayload) ref() store.DeliveryRef {
	return store.DeliveryRef{Namespace: p.Namespace, Connection: p.Connection, ID: p.Delivery}
}

// WebhookID is the stable id of one event's delivery to one connection:
// the same on every attempt, retry and redrive, so receivers can
// deduplicate.
func WebhookID(eventName, connectionName string) string {
	sum := sha256.Sum256([]byte(eventName + "\x00" + connectionName))
	return "msg_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}

// TaskID is the asynq TaskID of a delivery's first task, so enqueueing it
// twice is a no-op.
func TaskID(deliveryID string) string { return "deliver:" + deliveryID }

// redriveTaskID is the TaskID of the n-th redrive of a delivery: asynq
// keeps the ids of archived tasks, so a redrive needs a fresh one. The
// webhook-id stays the delivery id.
func redriveTaskID(deliveryID string, n int) string {
	return TaskID(deliveryID) + ":r" + strconv.Itoa(n)
}

// NewDeliverTask returns a delivery task.
func NewDeliverTask(p DeliverPayload, taskID string) (*asynq.Task, error) {
	if p.Enqueued == 0 {
		p.Enqueued = time.Now().UnixMilli()
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("notify: encode task: %w", err)
	}
	return asynq.NewTask(TypeDeliver, b,
		asynq.TaskID(taskID),
		asynq.Queue(QueueDeliveries),
		asynq.MaxRetry(maxTaskRetries),
		asynq.Timeout(taskTimeout),
	), nil
}

// Enqueuer hands events on to delivery.
type Enqueuer struct {
	client    *asynq.Client
	store     *store.Store
	retention time.Duration // of delivery records
	eventTTL  time.Duration // of events stored by EnqueueEvent
	metrics   *metrics.Delivery
	digests   *Digests
	tracer    *tracing.Tracer // nil: tracing off
}

// Collect adds a SCAN to the digest a manager's notice asks for (see
// Digests): it is sent with the period's other matches when the period
// ends.
func (e *Enqueuer) Collect(ctx context.Context, managerName string, n models.Notice, scanName string) error {
	if e.digests == nil {
		return errors.New("notify: digests need a store")
	}
	return e.digests.Collect(ctx, managerName, n, scanName)
}

// Enqueue creates the delivery of an event to a connection and its task.
// It is idempotent: a delivery that exists is left alone, and the task's
// deterministic TaskID makes a second enqueue a no-op, so a poll that is
// retried after a crash never delivers an event twice.
//
// A SCAN's body is read from its stored Scan; any other event type's body
// must have been stored first with store.PutEvent under eventName (or use
// EnqueueEvent, which does both).
func (e *Enqueuer) Enqueue(ctx context.Context, eventType, eventName, connectionName string) error {
	return e.enqueue(ctx, eventType, eventName, connectionName, true)
}

// EnqueueNew is Enqueue for an event its caller has just created (a
// CreateScan that reported true): its deliveries cannot exist yet, so the
// check is skipped. A caller that crashed after creating the event calls
// Enqueue for it on its next attempt, which checks.
func (e *Enqueuer) EnqueueNew(ctx context.Context, eventType, eventName, connectionName string) error {
	return e.enqueue(ctx, eventType, eventName, connectionName, false)
}

func (e *Enqueuer) enqueue(ctx context.Context, eventType, eventName, connectionName string, check bool) error {
	ns, connID, err := models.ParseConnectionName(connectionName)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	id := WebhookID(eventName, connectionName)
	ref := store.DeliveryRef{Namespace: ns, Connection: connID, ID: id}
	if check {
		exists, err := e.store.DeliveryExists(ctx, ref)
		if err != nil {
			return err
		}
		if exists {
			return nil
		}
	}
	p := DeliverPayload{Namespace: ns, Connection: connID, Delivery: id, EventType: eventType, Event: eventName}
	if e.tracer.On() {
		p.Traceparent, p.Tracestate = e.tracer.Inject(ctx)
	}
	task, err := NewDeliverTask(p, TaskID(id))
	if err != nil {
		return err
	}
	// The task first, then the record: a crash in between leaves a task
	// whose record its attempt (or the next poll) writes, never a record
	// with no task.
	if _, err := e.client.EnqueueContext(ctx, task); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("notify: enqueue delivery: %w", err)
	}
	if err := e.store.CreateDelivery(ctx, ref, newRecord(p, time.Now()), e.retention); err != nil {
		return err
	}
	return nil
}

// EnqueueEvent stores an event that is not a Scan (a SPIKE, a TEST) and
// enqueues its delivery to each connection.
func (e *Enqueuer) EnqueueEvent(ctx context.Context, ev models.Event, connectionNames ...string) error {
	if ev.Type == models.EventScan {
		return errors.New("notify: a SCAN is delivered from its stored Scan: use Enqueue")
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("notify: encode event: %w", err)
	}
	if err := e.store.PutEvent(ctx, ev.Name, body, e.eventTTL); err != nil {
		return err
	}
	for _, c := range connectionNames {
		if err := e.Enqueue(ctx, ev.Type, ev.Name, c); err != nil {
			return err
		}
	}
	return nil
}

// newRecord returns the record of a new delivery.
func newRecord(p DeliverPayload, now time.Time) *models.Delivery {
	return &models.Delivery{
		Name:       models.DeliveryName(p.Namespace, p.Connection, p.Delivery),
		Event:      p.Event,
		EventType:  p.EventType,
		Connection: models.ConnectionName(p.Namespace, p.Connection),
		WebhookID:  p.Delivery,
		State:      models.DeliveryPending,
		Attempts:   []models.Attempt{},
		CreateTime: now.UTC(),
		UpdateTime: now.UTC(),
	}
}
