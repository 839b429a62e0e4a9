package notify

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// TypeDeliver is the asynq task type of one event's delivery to one connection.
const TypeDeliver = "earshot:deliver"

// QueueDeliveries is the asynq queue of delivery tasks.
const QueueDeliveries = "deliveries"

// DeliverPayload is a delivery task's payload.
type DeliverPayload struct {
	Namespace  string `json:"ns"`
	Connection string `json:"connection"` // connection id
	Delivery   string `json:"delivery"`   // delivery id (= webhook-id)
	EventType  string `json:"eventType"`  // SCAN, SPIKE
	Event      string `json:"event"`      // the event's resource name
}

// WebhookID is the stable id of one event's delivery to one connection:
// the same on every attempt, retry and redrive, so receivers can
// deduplicate.
func WebhookID(eventName, connectionName string) string {
	sum := sha256.Sum256([]byte(eventName + "\x00" + connectionName))
	return "msg_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}

// TaskID is the asynq TaskID of a delivery, so enqueueing it twice is a no-op.
func TaskID(deliveryID string) string { return "deliver:" + deliveryID }

// NewDeliverTask returns the task of one delivery.
func NewDeliverTask(p DeliverPayload, maxRetry int, timeout time.Duration) (*asynq.Task, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("notify: encode task: %w", err)
	}
	// asynq keeps timeouts in whole seconds; round up and leave room for the
	// HTTP timeout to fire first, so the attempt is recorded.
	secs := int(timeout/time.Second) + 5
	return asynq.NewTask(TypeDeliver, b,
		asynq.TaskID(TaskID(p.Delivery)),
		asynq.Queue(QueueDeliveries),
		asynq.MaxRetry(maxRetry),
		asynq.Timeout(time.Duration(secs)*time.Second),
	), nil
}

// Enqueuer hands events on to delivery.
type Enqueuer struct {
	Client    *asynq.Client
	Store     *store.Store
	MaxRetry  int
	Timeout   time.Duration
	Retention time.Duration // of delivery records
}

// Enqueue creates the delivery of an event to a connection and its task.
// It is idempotent: the record is created once, and the task's
// deterministic TaskID makes a second enqueue a no-op, so a poll that is
// retried after a crash never delivers an event twice.
func (e *Enqueuer) Enqueue(ctx context.Context, eventType, eventName, connectionName string) error {
	ns, connID, err := models.ParseConnectionName(connectionName)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	id := WebhookID(eventName, connectionName)
	exists, err := e.Store.DeliveryExists(ctx, ns, connID, id)
	if err != nil {
		return err
	}
	if exists {
		return nil
	}
	task, err := NewDeliverTask(DeliverPayload{Namespace: ns, Connection: connID, Delivery: id, EventType: eventType, Event: eventName}, e.MaxRetry, e.Timeout)
	if err != nil {
		return err
	}
	// The task first, then the record: a crash in between leaves a task
	// whose record the next poll writes, never a record with no task.
	if _, err := e.Client.EnqueueContext(ctx, task); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("notify: enqueue delivery: %w", err)
	}
	now := time.Now().UTC()
	d := &models.Delivery{
		Name:       models.DeliveryName(ns, connID, id),
		Event:      eventName,
		EventType:  eventType,
		Connection: connectionName,
		WebhookID:  id,
		State:      models.DeliveryPending,
		Attempts:   []models.Attempt{},
		CreateTime: now,
		UpdateTime: now,
	}
	if _, err := e.Store.CreateDelivery(ctx, ns, connID, id, d, e.Retention); err != nil {
		return err
	}
	return nil
}
