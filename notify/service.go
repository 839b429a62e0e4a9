package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshothq/earshot/metrics"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
	"github.com/earshothq/earshot/tracing"
)

// Options are a Service's dependencies.
type Options struct {
	Config Config
	Store  *store.Store
	Client *asynq.Client
	// Inspector lets a manual retry run a waiting task at once, and wakes
	// deliveries waiting for their connection's limits when their turn
	// comes; without it they wait for asynq's next whole-second check.
	Inspector *asynq.Inspector
	// Metrics records deliveries (nil: not measured).
	Metrics *metrics.Delivery
	Logger  *slog.Logger
	// WatchInterval is how often Run looks for connections enabled again
	// (default 2 s).
	WatchInterval time.Duration
	// RecoverInterval is how often Run looks for the delivery tasks of
	// processes that died (default 5 s).
	RecoverInterval time.Duration
	// Channels are the channel kinds connections may be of (nil: the
	// webhook only; the server passes catalog.Channels).
	Channels *Channels
	// DigestInterval is how often Run sends the digests whose period has
	// ended (default 30 s).
	DigestInterval time.Duration
	// DigestClock stands in for the Redis server's clock in digests
	// (tests; nil: Redis TIME).
	DigestClock func() time.Time
	// Tracer traces each delivery attempt, as a child of the span that
	// enqueued it, and sends its traceparent with the request (nil:
	// tracing off).
	Tracer *tracing.Tracer
}

// Service is webhook delivery: the asynq handler of delivery tasks, the
// enqueuer the pipeline hands events to, and the operations the API
// offers on delivery records and connections.
type Service struct {
	cfg       Config
	store     *store.Store
	client    *asynq.Client
	inspector *asynq.Inspector
	metrics   *metrics.Delivery
	log       *slog.Logger
	watch     time.Duration
	// recoverEvery is how often Run sweeps for lapsed leases.
	recoverEvery time.Duration

	sender      *Sender
	channels    built
	digests     *Digests
	digestEvery time.Duration
	handler     *Handler
	enqueuer    *Enqueuer
}

// New returns a Service. It fails on an invalid delivery policy.
func New(opts Options) (*Service, error) {
	cfg, err := opts.Config.withDefaults()
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.NewDelivery(prometheus.NewRegistry())
	}
	if opts.WatchInterval <= 0 {
		opts.WatchInterval = 2 * time.Second
	}
	if opts.RecoverInterval <= 0 {
		opts.RecoverInterval = recoverEvery
	}
	log := opts.Logger.With("component", "notify")
	s := &Service{
		cfg: cfg, store: opts.Store, client: opts.Client, inspector: opts.Inspector,
		metrics: opts.Metrics, log: log, watch: opts.WatchInterval, recoverEvery: opts.RecoverInterval,
	}
	s.sender = NewSender(SenderOptions{
		Timeout:             cfg.Timeout,
		AllowPrivateTargets: cfg.AllowPrivateTargets,
		RequireHTTPS:        cfg.RequireHTTPS,
		UserAgent:           cfg.UserAgent,
		Tracer:              opts.Tracer,
	})
	if opts.Channels == nil {
		opts.Channels = NewChannels(Webhook)
	}
	s.channels = opts.Channels.build(ChannelEnv{Options: s.sender.opts, HTTP: s.sender})
	s.handler = &Handler{
		cfg: cfg, store: opts.Store, channels: s.channels, conns: newConnCache(opts.Store, cfg, opts.Channels),
		metrics: opts.Metrics, log: log, warn: newWarnOnce(),
		wake:   newWaker(opts.Inspector, opts.Store, log),
		tracer: opts.Tracer,
	}
	s.enqueuer = &Enqueuer{client: opts.Client, store: opts.Store, retention: cfg.Retention, eventTTL: cfg.Retention, metrics: opts.Metrics, tracer: opts.Tracer}
	if opts.Store != nil {
		s.digests = &Digests{rdb: opts.Store.Redis(), store: opts.Store, enq: s.enqueuer, log: log, clock: opts.DigestClock}
		s.enqueuer.digests = s.digests
	}
	s.digestEvery = opts.DigestInterval
	if s.digestEvery <= 0 {
		s.digestEvery = 30 * time.Second
	}
	return s, nil
}

// Config returns the delivery policy in force, defaults filled.
func (s *Service) Config() Config { return s.cfg }

// Handler returns the asynq handler of TypeDeliver tasks.
func (s *Service) Handler() *Handler { return s.handler }

// Enqueuer returns the enqueuer the pipeline hands events to.
func (s *Service) Enqueuer() *Enqueuer { return s.enqueuer }

// Sender returns the HTTP sender (for connection tests).
func (s *Service) Sender() *Sender { return s.sender }

// GetDelivery returns one delivery record.
func (s *Service) GetDelivery(ctx context.Context, ns, conn, id string) (*models.Delivery, error) {
	return s.store.GetDelivery(ctx, store.DeliveryRef{Namespace: ns, Connection: conn, ID: id})
}

// ListDeliveries returns a page of a connection's delivery records.
func (s *Service) ListDeliveries(ctx context.Context, ns, conn string, q store.DeliveryQuery) ([]*models.Delivery, string, error) {
	return s.store.ListDeliveries(ctx, ns, conn, q)
}

// Retry attempts one delivery again now, whatever its state: a dead letter
// or a delivered one is sent again under a fresh task (same webhook-id); a
// delivery waiting for its next retry has it brought forward.
func (s *Service) Retry(ctx context.Context, ns, conn, id string) (*models.Delivery, error) {
	ref := store.DeliveryRef{Namespace: ns, Connection: conn, ID: id}
	d, err := s.store.GetDelivery(ctx, ref)
	if err != nil {
		return nil, err
	}
	taskID, redrives, err := s.store.DeliveryTask(ctx, ref)
	if err != nil {
		return nil, err
	}
	if taskID == "" {
		taskID = TaskID(id) // never redriven: its first task
	}
	if (d.State == models.DeliveryPending || d.State == models.DeliveryRetrying) && s.inspector != nil && taskID != "" {
		info, err := s.inspector.GetTaskInfo(QueueDeliveries, taskID)
		switch {
		case err == nil && (info.State == asynq.TaskStatePending || info.State == asynq.TaskStateActive):
			return d, nil // about to be attempted, or being attempted
		case err == nil && (info.State == asynq.TaskStateRetry || info.State == asynq.TaskStateScheduled):
			if err := s.inspector.RunTask(QueueDeliveries, taskID); err == nil {
				return s.store.GetDelivery(ctx, ref)
			}
		}
		// No task left to bring forward: send it afresh.
	}
	if err := s.requeue(ctx, ref, d.EventType, d.Event, redrives+1); err != nil {
		return nil, err
	}
	return s.store.GetDelivery(ctx, ref)
}

// Redrive sends every dead letter of a connection that failed at or after
// since (zero: all of them) again, each under a fresh task with its
// webhook-id unchanged. It returns how many it redrove.
func (s *Service) Redrive(ctx context.Context, ns, conn string, since time.Time) (int, error) {
	// Only what had failed when the redrive began: a redriven delivery that
	// fails again at once must not be picked up twice.
	until := time.Now()
	n, skip := 0, 0
	for {
		batch, err := s.store.FailedDeliveries(ctx, ns, conn, since, until, skip, 500)
		if err != nil {
			return n, err
		}
		if len(batch) == 0 {
			break
		}
		for _, f := range batch {
			ref := store.DeliveryRef{Namespace: ns, Connection: conn, ID: f.ID}
			if err := s.requeue(ctx, ref, f.EventType, f.Event, f.Redrives+1); err != nil {
				if ctx.Err() != nil {
					return n, err
				}
				s.log.Warn("redrive delivery", "delivery", ref.Name(), "error", err)
				skip++ // it stays a dead letter
				continue
			}
			n++
		}
	}
	if n > 0 {
		s.log.Info("dead letters redriven", "connection", models.ConnectionName(ns, conn), "count", n)
	}
	return n, nil
}

// requeue makes a delivery PENDING under the task of its n-th redrive.
// The record first: an attempt of the new task may finish before this
// returns, and must not be overwritten by PENDING.
func (s *Service) requeue(ctx context.Context, ref store.DeliveryRef, eventType, event string, n int) error {
	taskID := redriveTaskID(ref.ID, n)
	task, err := NewDeliverTask(DeliverPayload{Namespace: ref.Namespace, Connection: ref.Connection, Delivery: ref.ID, EventType: eventType, Event: event}, taskID)
	if err != nil {
		return err
	}
	if err := s.store.RequeueDelivery(ctx, ref, taskID, n, s.cfg.Retention); err != nil {
		return err
	}
	// Two redrives racing for the same delivery compute the same TaskID:
	// one of them enqueues it, the other gets a conflict.
	if _, err := s.client.EnqueueContext(ctx, task); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		_, _ = s.store.FinishAttempt(context.WithoutCancel(ctx), store.AttemptFinish{
			Ref: ref, State: models.DeliveryFailed, LastError: "redrive could not be enqueued: " + err.Error(), Retention: s.cfg.Retention,
		})
		return fmt.Errorf("notify: enqueue redrive: %w", err)
	}
	s.metrics.Redriven.WithLabelValues(models.ConnectionName(ref.Namespace, ref.Connection)).Inc()
	return nil
}

// RotateSecret gives a connection a new signing secret. The old one keeps
// signing beside it for store.SecretOverlap (24 h): every delivery carries
// both signatures, so the receiver can switch at its own pace.
// It is the store's conditional update, as the API's PATCH is: it cannot
// lose a concurrent edit, and a connection deleted meanwhile stays deleted
// (store.ErrNotFound).
func (s *Service) RotateSecret(ctx context.Context, ns, conn string) (*models.Connection, error) {
	return s.store.UpdateConnection(ctx, ns, conn, "", func(c *models.Connection) error {
		c.Secret = models.NewSecret()
		return nil
	})
}

// Run watches for connections that were disabled and are enabled again,
// and redrives the deliveries held back meanwhile, and puts the delivery
// tasks of processes that died back in the queue (see RecoverLapsed). Any
// number of processes may run it: one of them redrives each connection,
// and one recovers each task.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.watch)
	defer t.Stop()
	dt := time.NewTicker(s.digestEvery)
	defer dt.Stop()
	sweep := time.NewTicker(s.recoverEvery)
	defer sweep.Stop()
	s.recoverLapsed(ctx)
	last := int64(-1)
	ticks := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-dt.C:
			if err := s.SweepDigests(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("send digests", "error", err)
			}
			continue
		case <-sweep.C:
			s.recoverLapsed(ctx)
			continue
		case <-t.C:
		}
		ticks++
		v, err := s.store.Version(ctx)
		if err != nil {
			continue
		}
		// A change of any resource, or every half minute anyway: a delivery
		// parked by a process that had not yet seen the connection enabled
		// marks it again without changing the version.
		if v == last && ticks%15 != 0 {
			continue
		}
		last = v
		if err := s.reviveEnabled(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("look for connections enabled again", "error", err)
		}
	}
}

// SweepDigests sends the digests whose period has ended (Run does, every
// DigestInterval).
func (s *Service) SweepDigests(ctx context.Context) error {
	if s.digests == nil {
		return nil
	}
	return s.digests.Sweep(ctx)
}

// reviveEnabled redrives the held-back deliveries of every marked
// connection that is enabled now.
func (s *Service) reviveEnabled(ctx context.Context) error {
	marked, err := s.store.DisabledConnections(ctx)
	if err != nil {
		return err
	}
	for name, since := range marked {
		c, err := s.store.GetConnectionByName(ctx, name)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if c != nil && c.Disabled {
			continue
		}
		mine, err := s.store.ClearConnectionDisabled(ctx, name)
		if err != nil || !mine || c == nil {
			continue
		}
		ns, id, _ := models.ParseConnectionName(name)
		// A connection enabled again starts with a clean record.
		_ = s.store.ResetConnectionFailing(ctx, ns, id)
		n, err := s.Redrive(ctx, ns, id, since)
		if err != nil {
			return fmt.Errorf("notify: redrive %s: %w", name, err)
		}
		s.log.Info("connection enabled again; held-back deliveries redriven", "connection", name, "count", n, "since", since.UTC().Format(time.RFC3339))
	}
	return nil
}
