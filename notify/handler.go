package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/trace"

	"github.com/earshothq/earshot/metrics"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
	"github.com/earshothq/earshot/tracing"
)

// RetryError asks for another attempt after After (the handler has
// computed it from the connection's schedule and the receiver's
// Retry-After).
type RetryError struct {
	Err   error
	After time.Duration
	// NotEarly says After is the receiver's Retry-After. (Every delay is
	// now rounded up for asynq, see RetryDelay.)
	NotEarly bool
}

func (e *RetryError) Error() string { return e.Err.Error() }
func (e *RetryError) Unwrap() error { return e.Err }

// PostponeError puts a delivery off without using up an attempt: the
// connection is over its rate or concurrency limit, the receiver asked us
// to wait (429/503 with Retry-After), or Redis could not be reached.
type PostponeError struct {
	Reason string
	After  time.Duration
	Err    error // the cause, when there is one
	// NotEarly says After is the receiver's Retry-After (see RetryError).
	NotEarly bool
}

// wakeWithin bounds the delays the handler wakes a task after itself:
// longer ones are left to asynq, whose second more or less does not
// matter then.
const wakeWithin = 5 * time.Minute

func (e *PostponeError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("notify: postponed %s: %s: %v", e.After.Round(time.Millisecond), e.Reason, e.Err)
	}
	return fmt.Sprintf("notify: postponed %s: %s", e.After.Round(time.Millisecond), e.Reason)
}

func (e *PostponeError) Unwrap() error { return e.Err }

// IsFailure tells asynq which errors use up an attempt: not a
// postponement, and not a task whose process stopped mid-attempt (asynq's
// ErrLeaseExpired): a crash must not use up a retry. The handler counts
// the attempts a crash cut off itself, and gives up on a delivery that
// keeps being cut off (see maxInterrupted).
func IsFailure(err error) bool {
	var p *PostponeError
	return !errors.As(err, &p) && !errors.Is(err, asynq.ErrLeaseExpired)
}

// maxInterrupted is how many attempts in a row a crash may cut off before
// the delivery is kept as a dead letter: one that brings its process down
// each time must not do so forever.
const maxInterrupted = 3

// minDelay keeps a postponed or retried task from spinning.
const minDelay = 100 * time.Millisecond

// RetryDelay is asynq's RetryDelayFunc: a delivery's handler has computed
// its delay already (RetryError, PostponeError); a task whose process died
// (its lease expired) is run again at once; anything else (a task of
// another type) is retried soon with a short exponential backoff.
//
// asynq stores a retry time truncated to the whole second, which would run
// a task up to a second early (a 1 s delay after 0.3 s): every delay is
// rounded up to the next whole second instead, so none fires early, and
// the handler wakes the task itself at the exact time (see waker).
func RetryDelay(n int, err error, _ *asynq.Task) time.Duration {
	var p *PostponeError
	if errors.As(err, &p) {
		return delayOf(p.After)
	}
	var r *RetryError
	if errors.As(err, &r) {
		return delayOf(r.After)
	}
	if errors.Is(err, asynq.ErrLeaseExpired) {
		return delayOf(0)
	}
	return delayOf(jitter(min(time.Second<<min(n, 9), 5*time.Minute), 0.1))
}

func delayOf(d time.Duration) time.Duration {
	d = max(d, minDelay)
	now := time.Now()
	at := now.Add(d)
	if t := at.Truncate(time.Second); t.Before(at) {
		at = t.Add(time.Second)
	}
	return at.Sub(now)
}

// Handler makes one attempt of a delivery task, records it, and steers
// asynq with the error it returns. It is the one place of the retry loop:
// the Sender only sends.
type Handler struct {
	cfg      Config
	store    *store.Store
	channels built
	conns    *connCache
	metrics  *metrics.Delivery
	log      *slog.Logger
	warn     *warnOnce
	wake     *waker
	tracer   *tracing.Tracer // nil: tracing off
}

// storeRetry is how long a delivery waits when Redis failed it.
const storeRetry = 5 * time.Second

// ProcessTask makes one attempt of a delivery and records it.
func (h *Handler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p DeliverPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("notify: bad task payload: %v: %w", err, asynq.SkipRetry)
	}
	a := &attempt{h: h, p: p, ref: p.ref(), name: models.ConnectionName(p.Namespace, p.Connection)}
	a.retried, _ = asynq.GetRetryCount(ctx)
	a.taskID, _ = asynq.GetTaskID(ctx)
	ctx, span := a.startSpan(ctx)
	err := a.run(ctx)
	a.endSpan(span, err)
	if d := delayFor(err); d > 0 && d <= wakeWithin {
		// asynq would run it on a whole second: wake it on time.
		h.wake.after(a.taskID, d)
	}
	return err
}

// delayFor is the delay a handler's error asks for (0: none).
func delayFor(err error) time.Duration {
	var p *PostponeError
	if errors.As(err, &p) {
		if p.Reason == store.ReasonConcurrency {
			return 0 // woken when a slot frees
		}
		return max(p.After, minDelay)
	}
	var r *RetryError
	if errors.As(err, &r) {
		return max(r.After, minDelay)
	}
	return 0
}

// attempt is one processing of a delivery task.
type attempt struct {
	h       *Handler
	p       DeliverPayload
	ref     store.DeliveryRef
	name    string // the connection's
	retried int    // failed attempts so far
	taskID  string // asynq's
	ce      *connEntry
	lease   string
	// interrupted are the attempts before this one that a stopped process
	// cut off, recorded with this one's outcome.
	interrupted []models.Attempt
	postponed   int // AttemptGrant.Postponed
	// prevState and prevAttempts are the record as the attempt found it
	// (prevState "": no record, its Enqueue was cut short: the attempt
	// writes it).
	prevState    string
	prevAttempts int
	span         trace.Span // the attempt's (see startSpan)
}

func (a *attempt) log() *slog.Logger {
	return a.h.log.With("connection", a.name, "delivery", a.p.Delivery, "event", a.p.Event)
}

func (a *attempt) run(ctx context.Context) error {
	h := a.h
	ce, err := h.conns.get(ctx, a.p.Namespace, a.p.Connection, 0)
	if errors.Is(err, store.ErrNotFound) {
		return a.discard("connection deleted")
	}
	if err != nil {
		return &PostponeError{Reason: "store unavailable", After: storeRetry, Err: err}
	}
	a.ce = ce
	grant, err := a.start(ctx)
	if err != nil {
		return &PostponeError{Reason: "store unavailable", After: storeRetry, Err: err}
	}
	if grant.Version > a.ce.version {
		// The connection may have changed: read it again and start over.
		if grant.Wait == 0 {
			a.release(ctx, grant)
		}
		ce, err := h.conns.get(ctx, a.p.Namespace, a.p.Connection, grant.Version)
		if errors.Is(err, store.ErrNotFound) {
			return a.discard("connection deleted")
		}
		if err != nil {
			return &PostponeError{Reason: "store unavailable", After: storeRetry, Err: err}
		}
		a.ce = ce
		if grant, err = a.start(ctx); err != nil {
			return &PostponeError{Reason: "store unavailable", After: storeRetry, Err: err}
		}
	}
	a.prevState, a.prevAttempts, a.postponed = grant.State, grant.Attempts, grant.Postponed
	if grant.State == "" && a.p.Enqueued > 0 && a.ce.conn.CreateTime.UnixMilli() > a.p.Enqueued {
		// No record, and a connection newer than the task: the task's
		// connection was deleted (with its records) and this is a new one
		// of the same id. (A record missing because the Enqueue was cut
		// short belongs to a connection older than its task.)
		if grant.Wait == 0 {
			a.release(ctx, grant)
		}
		return a.discard("the connection was deleted and created again since the event was queued")
	}
	if a.ce.conn.Disabled {
		if grant.Wait == 0 {
			a.release(ctx, grant)
		}
		return a.park(ctx)
	}
	if grant.Wait > 0 {
		return a.postpone(ctx, grant)
	}
	if grant.Spare {
		// A slot is free while deliveries wait: a wake-up went astray.
		if h.wake.enabled() {
			go func(ctx context.Context) {
				if next, err := h.store.NextWaiter(ctx, a.p.Namespace, a.p.Connection); err == nil {
					h.wake.waiter(ctx, a.p.Namespace, a.p.Connection, next)
				}
			}(context.WithoutCancel(ctx))
		}
	}
	if grant.Interrupted > 0 {
		if err := a.recovered(ctx, grant.Interrupted); err != nil {
			return err
		}
	}
	if grant.Event == nil {
		return a.drop(ctx, "event expired before it was delivered")
	}
	body, err := renderEvent(a.p.EventType, grant.Event)
	if err != nil {
		return a.drop(ctx, err.Error())
	}

	now := time.Now()
	out := h.channels.send(ctx, a.ce.conn, Message{
		WebhookID: a.p.Delivery,
		Body:      body,
		Secrets:   a.ce.secrets(now),
		Timeout:   a.ce.policy.Timeout,
	})
	a.sent(out)
	return a.conclude(ctx, out, now)
}

// start asks the store for the event and a place within the limits.
func (a *attempt) start(ctx context.Context) (store.AttemptGrant, error) {
	a.lease = newLease()
	pol := a.ce.policy
	taskID := ""
	if a.h.wake.enabled() {
		taskID = a.taskID
	}
	return a.h.store.StartAttempt(ctx, store.AttemptStart{
		Ref:           a.ref,
		EventType:     a.p.EventType,
		Event:         a.p.Event,
		TaskID:        taskID,
		Lease:         a.lease,
		LeaseTTL:      pol.Timeout + 10*time.Second,
		RatePerMinute: pol.RateLimit,
		Concurrency:   pol.Concurrency,
	})
}

// release gives back what a grant holds, and wakes a delivery waiting for
// the slot.
func (a *attempt) release(ctx context.Context, g store.AttemptGrant) {
	if next, err := a.h.store.ReleaseAttempt(ctx, a.ref, g, a.lease); err == nil {
		a.h.wake.waiter(ctx, a.p.Namespace, a.p.Connection, next)
	}
}

// postponeWarnAfter is how many postponements in a row of one delivery
// make a warning: a connection whose limits keep a delivery waiting that
// long has a backlog its limits cannot drain soon.
const postponeWarnAfter = 20

// postpone puts a delivery off until its connection's limits have room.
func (a *attempt) postpone(ctx context.Context, g store.AttemptGrant) error {
	h := a.h
	reason := "rate_limit"
	if g.Reason == store.ReasonConcurrency {
		reason = "concurrency"
	}
	h.metrics.Postponed.WithLabelValues(a.name, reason).Inc()
	if g.Postponed > 1 {
		h.metrics.PostponedAgain.WithLabelValues(a.name, reason).Inc()
	}
	if h.log.Enabled(ctx, slog.LevelDebug) {
		a.log().Debug("delivery postponed", "reason", g.Reason, "after", g.Wait.String(), "postponed", g.Postponed, "waiting", g.Waiting)
	}
	if g.Postponed >= postponeWarnAfter {
		h.warn.log(a.log(), a.name, "postponed:"+reason, "deliveries postponed repeatedly by the connection's limits",
			"reason", g.Reason, "postponed", g.Postponed, "waiting", g.Waiting)
	}
	return &PostponeError{Reason: g.Reason, After: g.Wait}
}

// recovered notes the attempts before this one that a stopped process cut
// off: they are logged and recorded with this attempt, without using up a
// retry; a delivery cut off maxInterrupted times is kept as a dead letter.
func (a *attempt) recovered(ctx context.Context, n int) error {
	now := time.Now().UTC()
	for range n {
		a.interrupted = append(a.interrupted, models.Attempt{Time: now,
			Error: "interrupted: the process making this attempt stopped before its outcome was known (the receiver may have got it)"})
	}
	if n >= maxInterrupted {
		reason := fmt.Sprintf("%d attempts in a row were interrupted by their process stopping; kept as a dead letter", n)
		a.fail(ctx, nil, reason, 0)
		return fmt.Errorf("notify: %s: %w", reason, asynq.SkipRetry)
	}
	a.log().Info("delivery recovered: an attempt cut off by a stopped process is made again, without using up a retry", "interrupted", n, "attempt", a.retried+1)
	return nil
}

// conclude classifies an attempt's outcome once, records it, and tells
// asynq what comes next.
func (a *attempt) conclude(ctx context.Context, out Outcome, started time.Time) error {
	h, pol := a.h, a.ce.policy
	att := &models.Attempt{Time: started.UTC(), StatusCode: out.StatusCode, LatencyMS: out.Latency.Milliseconds(), ResponseBody: out.Body}
	h.metrics.Attempts.WithLabelValues(a.name, resultLabel(out)).Inc()
	if out.StatusCode > 0 {
		h.metrics.AttemptDuration.WithLabelValues(a.name).Observe(out.Latency.Seconds())
	}
	if out.OK() {
		a.finish(ctx, models.DeliveryDelivered, att, "", time.Time{}, -1)
		h.metrics.Deliveries.WithLabelValues(a.name, "delivered").Inc()
		if h.log.Enabled(ctx, slog.LevelDebug) {
			a.log().Debug("delivered", "status", out.StatusCode, "latency_ms", att.LatencyMS, "attempt", a.retried+1)
		}
		return nil
	}
	att.Error = out.Err.Error()
	now := time.Now()

	switch {
	case out.Disable != "":
		// The channel says the target is gone for good (its platform's
		// own answer for it): as a 410.
		a.fail(ctx, att, att.Error+"; connection disabled", 0)
		a.h.disable(ctx, a.p.Namespace, a.p.Connection, out.Disable, "gone", started)
		return fmt.Errorf("%w: %w", out.Err, asynq.SkipRetry)

	case out.StatusCode == http.StatusGone:
		// The receiver says the endpoint is gone for good: stop sending
		// anything to it until someone enables it again.
		a.fail(ctx, att, "receiver answered 410 Gone; connection disabled", 0)
		a.h.disable(ctx, a.p.Namespace, a.p.Connection, "the receiver answered 410 Gone", "gone", started)
		return fmt.Errorf("%w: %w", out.Err, asynq.SkipRetry)

	case out.RetryAfter > 0 && (out.StatusCode == http.StatusTooManyRequests || out.StatusCode == http.StatusServiceUnavailable):
		// The receiver asked for a pause: honour it without using up an
		// attempt (still a failure for the connection's health).
		after := min(out.RetryAfter, h.cfg.MaxRetryAfter)
		since := a.finish(ctx, models.DeliveryRetrying, att, att.Error, now.Add(after), +1)
		h.metrics.Postponed.WithLabelValues(a.name, "retry_after").Inc()
		h.warn.log(a.log(), a.name, fmt.Sprintf("receiver answered %d with Retry-After", out.StatusCode), "delivery postponed as the receiver asked", "after", after.String())
		a.checkFailing(ctx, since)
		return &PostponeError{Reason: fmt.Sprintf("receiver answered %d with Retry-After", out.StatusCode), After: after, NotEarly: true}

	case !out.Retry:
		// A final answer (other 4xx, a redirect) or a target that stays
		// refused. The receiver is up: its health is not touched.
		a.fail(ctx, att, att.Error, 0)
		return fmt.Errorf("%w: %w", out.Err, asynq.SkipRetry)

	case a.retried >= pol.Retries():
		a.fail(ctx, att, fmt.Sprintf("%s (retries exhausted after %d attempts)", att.Error, a.retried+1), +1)
		return fmt.Errorf("%w: %w", out.Err, asynq.SkipRetry)
	}

	delay := pol.RetryDelay(a.retried)
	notEarly := false
	if out.RetryAfter > delay {
		delay, notEarly = min(out.RetryAfter, h.cfg.MaxRetryAfter), true
	}
	since := a.finish(ctx, models.DeliveryRetrying, att, att.Error, now.Add(delay), +1)
	h.metrics.Retries.WithLabelValues(a.name).Inc()
	h.warn.log(a.log(), a.name, errorKey(out), "delivery attempt failed; will retry",
		"status", out.StatusCode, "error", out.Err, "attempt", a.retried+1, "next_attempt", now.Add(delay).UTC().Format(time.RFC3339))
	a.checkFailing(ctx, since)
	return &RetryError{Err: out.Err, After: delay, NotEarly: notEarly}
}

// fail records a dead letter.
func (a *attempt) fail(ctx context.Context, att *models.Attempt, reason string, health int) {
	since := a.finish(ctx, models.DeliveryFailed, att, reason, time.Time{}, health)
	a.h.metrics.Deliveries.WithLabelValues(a.name, "failed").Inc()
	a.h.metrics.DeadLetters.WithLabelValues(a.name).Inc()
	a.h.warn.log(a.log(), a.name, "failed:"+reason, "delivery failed; kept as a dead letter", "reason", reason)
	if health > 0 {
		a.checkFailing(ctx, since)
	}
}

// finish records the attempt. A record that cannot be written is logged,
// not retried: the delivery itself happened. It returns when the
// connection's failure streak began.
func (a *attempt) finish(ctx context.Context, state string, att *models.Attempt, lastError string, next time.Time, health int) time.Time {
	var meta *models.Delivery
	if a.prevState == "" {
		meta = newRecord(a.p, time.Now())
	}
	f, err := a.h.store.FinishAttempt(ctx, store.AttemptFinish{
		Ref:          a.ref,
		Meta:         meta,
		State:        state,
		Attempt:      att,
		LastError:    lastError,
		Next:         next,
		Lease:        a.lease,
		Health:       health,
		Retention:    a.h.cfg.Retention,
		PrevState:    a.prevState,
		PrevAttempts: a.prevAttempts,
		Interrupted:  a.interrupted,
		Postponed:    a.postponed,
		TaskID:       a.taskID,
	})
	if err != nil {
		a.log().Error("record delivery attempt", "error", err)
	}
	a.h.wake.waiter(ctx, a.p.Namespace, a.p.Connection, f.Waiter)
	return f.FailingSince
}

// checkFailing disables the connection once it has failed without a
// success for DisableAfter.
func (a *attempt) checkFailing(ctx context.Context, since time.Time) {
	if since.IsZero() || time.Since(since) < a.h.cfg.DisableAfter {
		return
	}
	reason := fmt.Sprintf("every delivery failed since %s (delivery.disable_after is %s)", since.UTC().Format(time.RFC3339), a.h.cfg.DisableAfter)
	a.h.disable(ctx, a.p.Namespace, a.p.Connection, reason, "failing", since)
}

// drop ends a delivery that can never be made (its connection or event is
// gone).
func (a *attempt) drop(ctx context.Context, reason string) error {
	a.finish(ctx, models.DeliveryFailed, nil, reason, time.Time{}, 0)
	a.h.metrics.Deliveries.WithLabelValues(a.name, "failed").Inc()
	a.h.metrics.DeadLetters.WithLabelValues(a.name).Inc()
	a.log().Warn("delivery dropped", "reason", reason)
	return fmt.Errorf("notify: %s: %w", reason, asynq.SkipRetry)
}

// discard ends the task of a delivery whose connection is gone, writing
// nothing: the connection's deliveries were deleted with it, and a record
// written now would outlive it and show to the next connection of that id.
func (a *attempt) discard(reason string) error {
	a.log().Info("delivery discarded", "reason", reason)
	return fmt.Errorf("notify: %s: %w", reason, asynq.RevokeTask)
}

// park sets a delivery to a disabled connection aside as a dead letter,
// and marks the connection so that enabling it again redrives it.
func (a *attempt) park(ctx context.Context) error {
	if err := a.h.store.MarkConnectionDisabled(ctx, a.name, time.Now(), false); err != nil {
		return &PostponeError{Reason: "store unavailable", After: storeRetry, Err: err}
	}
	a.lease = ""
	a.finish(ctx, models.DeliveryFailed, nil, "connection disabled; redriven when it is enabled again", time.Time{}, 0)
	a.h.warn.log(a.log(), a.name, "parked", "connection disabled; deliveries kept until it is enabled again")
	// Not an asynq failure and nothing to archive: the record keeps it.
	return fmt.Errorf("notify: connection %s disabled: %w", a.name, asynq.RevokeTask)
}

// errAlreadyDisabled aborts disabling a connection someone disabled first.
var errAlreadyDisabled = errors.New("notify: connection already disabled")

// disable disables a connection for reason, marking its deliveries since
// then for a redrive when it is enabled again.
func (h *Handler) disable(ctx context.Context, ns, id, reason, label string, since time.Time) {
	name := models.ConnectionName(ns, id)
	log := h.log.With("connection", name)
	// The store's conditional update, not the cached connection: only the
	// Disabled fields change, a concurrent edit is kept, and a connection
	// deleted meanwhile stays deleted.
	_, err := h.store.UpdateConnection(ctx, ns, id, "", func(c *models.Connection) error {
		if c.Disabled {
			return errAlreadyDisabled
		}
		c.Disabled, c.DisabledReason = true, reason
		return nil
	})
	switch {
	case errors.Is(err, errAlreadyDisabled), errors.Is(err, store.ErrNotFound):
		return
	case err != nil:
		log.Error("disable connection", "error", err)
		return
	}
	if err := h.store.MarkConnectionDisabled(ctx, name, since, true); err != nil {
		log.Error("mark connection disabled", "error", err)
	}
	h.conns.forget(ns, id)
	h.metrics.Disabled.WithLabelValues(name, label).Inc()
	log.Warn("connection disabled; its deliveries are kept and redriven when it is enabled again", "reason", reason)
}

// renderEvent returns the webhook body of a stored event: a SCAN's is
// built from the stored Scan by models.ScanEventBody, any other event is
// sent as stored.
func renderEvent(eventType string, stored []byte) ([]byte, error) {
	if eventType != models.EventScan {
		return stored, nil
	}
	body, err := models.ScanEventBody(stored)
	if err != nil {
		return nil, fmt.Errorf("stored %w", err)
	}
	return body, nil
}

func newLease() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// resultLabel classifies an attempt for the attempts metric.
func resultLabel(out Outcome) string {
	switch {
	case out.StatusCode >= 200 && out.StatusCode < 600:
		return fmt.Sprintf("%dxx", out.StatusCode/100)
	case errors.Is(out.Err, ErrTimeout):
		return "timeout"
	case errors.Is(out.Err, ErrPrivateTarget), errors.Is(out.Err, ErrInsecureTarget):
		return "refused"
	default:
		return "error"
	}
}

// errorKey is what makes two failures "the same" for logging.
func errorKey(out Outcome) string {
	if out.StatusCode > 0 {
		return fmt.Sprintf("status %d", out.StatusCode)
	}
	return resultLabel(out)
}
