package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/hibiken/asynq"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// RetryError asks for another attempt, after at least After when set.
type RetryError struct {
	Err   error
	After time.Duration
}

func (e *RetryError) Error() string { return e.Err.Error() }
func (e *RetryError) Unwrap() error { return e.Err }

// PostponeError puts a delivery off without using up an attempt: the
// connection is disabled, over its rate limit, or the receiver asked us to
// wait (429/503 with Retry-After).
type PostponeError struct {
	Reason string
	After  time.Duration
}

func (e *PostponeError) Error() string {
	return fmt.Sprintf("notify: postponed %s: %s", e.After, e.Reason)
}

// IsFailure tells asynq which errors use up an attempt.
func IsFailure(err error) bool {
	var p *PostponeError
	return !errors.As(err, &p)
}

// RetryDelay returns asynq's RetryDelayFunc for a schedule: the n-th retry
// waits schedule[n] (the last entry repeats), ±10 % jitter so a receiver
// that comes back is not hit by every retry at once; a receiver's
// Retry-After is honoured up to maxRetryAfter.
func RetryDelay(schedule []time.Duration) asynq.RetryDelayFunc {
	const maxRetryAfter = 6 * time.Hour
	return func(n int, err error, _ *asynq.Task) time.Duration {
		var p *PostponeError
		if errors.As(err, &p) {
			return max(p.After, 100*time.Millisecond)
		}
		if len(schedule) == 0 {
			return time.Minute
		}
		d := schedule[min(max(n, 0), len(schedule)-1)]
		d = time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
		var r *RetryError
		if errors.As(err, &r) && r.After > d {
			d = min(r.After, maxRetryAfter)
		}
		return d
	}
}

// Handler processes delivery tasks.
type Handler struct {
	Store     *store.Store
	Sender    *Sender
	Logger    *slog.Logger
	Retention time.Duration // of delivery records
	// Schedule is used to tell a delivery's next attempt time.
	Schedule []time.Duration
}

// ProcessTask makes one attempt of a delivery and records it.
func (h *Handler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p DeliverPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("notify: bad task payload: %v: %w", err, asynq.SkipRetry)
	}
	log := h.Logger.With("delivery", p.Delivery, "connection", models.ConnectionName(p.Namespace, p.Connection), "event", p.Event)

	conn, err := h.Store.GetConnection(ctx, p.Namespace, p.Connection)
	if errors.Is(err, store.ErrNotFound) {
		log.Warn("connection deleted; delivery dropped")
		h.finish(ctx, p, models.DeliveryFailed, nil, models.Attempt{Time: time.Now().UTC(), Error: "connection deleted"})
		return fmt.Errorf("notify: connection deleted: %w", asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	if conn.Disabled {
		return &PostponeError{Reason: "connection disabled", After: time.Minute}
	}
	body, err := h.eventBody(ctx, p)
	if errors.Is(err, store.ErrNotFound) {
		log.Warn("event expired before delivery; dropped")
		h.finish(ctx, p, models.DeliveryFailed, nil, models.Attempt{Time: time.Now().UTC(), Error: "event expired"})
		return fmt.Errorf("notify: event expired: %w", asynq.SkipRetry)
	}
	if err != nil {
		return err
	}

	secrets := []string{conn.Secret}
	out := h.Sender.Send(ctx, conn, Message{WebhookID: p.Delivery, Body: body, Secrets: secrets})
	att := models.Attempt{Time: time.Now().UTC(), StatusCode: out.StatusCode, LatencyMS: out.Latency.Milliseconds(), ResponseBody: out.Body}
	if out.OK() {
		log.Debug("delivered", "status", out.StatusCode, "latency_ms", att.LatencyMS)
		h.finish(ctx, p, models.DeliveryDelivered, nil, att)
		return nil
	}
	att.Error = out.Err.Error()
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	if !out.Retry || retried >= maxRetry {
		log.Warn("delivery failed", "status", out.StatusCode, "error", out.Err, "attempts", retried+1)
		h.finish(ctx, p, models.DeliveryFailed, nil, att)
		return fmt.Errorf("%w: %w", out.Err, asynq.SkipRetry)
	}
	next := time.Now().Add(h.nextDelay(retried, out.RetryAfter))
	log.Warn("delivery attempt failed; will retry", "status", out.StatusCode, "error", out.Err, "next_attempt", next.UTC().Format(time.RFC3339))
	h.finish(ctx, p, models.DeliveryRetrying, &next, att)
	return &RetryError{Err: out.Err, After: out.RetryAfter}
}

func (h *Handler) nextDelay(n int, retryAfter time.Duration) time.Duration {
	if len(h.Schedule) == 0 {
		return max(time.Minute, retryAfter)
	}
	return max(h.Schedule[min(n, len(h.Schedule)-1)], retryAfter)
}

func (h *Handler) eventBody(ctx context.Context, p DeliverPayload) ([]byte, error) {
	switch p.EventType {
	case models.EventScan:
		ns, m, id, err := models.ParseScanName(p.Event)
		if err != nil {
			return nil, store.ErrNotFound
		}
		scan, err := h.Store.GetScan(ctx, ns, m, id)
		if err != nil {
			return nil, err
		}
		return json.Marshal(models.ScanEvent(scan))
	default:
		return nil, fmt.Errorf("notify: unknown event type %q: %w", p.EventType, asynq.SkipRetry)
	}
}

// finish records an attempt and the delivery's new state. A record that
// cannot be written is logged, not retried: the delivery itself happened.
func (h *Handler) finish(ctx context.Context, p DeliverPayload, state string, next *time.Time, att models.Attempt) {
	d, err := h.Store.GetDelivery(ctx, p.Namespace, p.Connection, p.Delivery)
	if err != nil {
		now := time.Now().UTC()
		d = &models.Delivery{
			Name:       models.DeliveryName(p.Namespace, p.Connection, p.Delivery),
			Event:      p.Event,
			EventType:  p.EventType,
			Connection: models.ConnectionName(p.Namespace, p.Connection),
			WebhookID:  p.Delivery,
			CreateTime: now,
		}
	}
	d.State = state
	d.Attempts = append(d.Attempts, att)
	d.NextAttemptTime = next
	d.UpdateTime = time.Now().UTC()
	if err := h.Store.SaveDelivery(ctx, p.Namespace, p.Connection, p.Delivery, d, h.Retention); err != nil {
		h.Logger.Error("record delivery attempt", "delivery", p.Delivery, "error", err)
	}
}
