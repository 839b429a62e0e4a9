package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/api"
	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/matcher/lang"
	"github.com/earshothq/earshot/metrics"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/pipeline"
	"github.com/earshothq/earshot/scheduler"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/store"
)

// Options tune a Server beyond the configuration file (tests lower the
// intervals).
type Options struct {
	Logger *slog.Logger
	// Listener, when set, serves the API instead of listening on cfg.Listen.
	Listener net.Listener
	// DelayedTaskCheckInterval is how often asynq moves due retries to the
	// queue (default 1 s).
	DelayedTaskCheckInterval time.Duration
	// SchedulerReload is how often managers are re-read (default 2 s).
	SchedulerReload time.Duration
	// Sources, when set, replaces the sources built from the configuration
	// (tests use it to count polls).
	Sources sources.Registry
	// ShutdownTimeout bounds how long in-flight tasks may finish at stop
	// (default: the delivery timeout plus 5 s).
	ShutdownTimeout time.Duration
}

// Server is a running Earshot.
type Server struct {
	cfg  *config.Config
	opts Options
	log  *slog.Logger

	embedded *store.Embedded
	rdb      redis.UniversalClient
	queueRDB redis.UniversalClient // asynq's, with store.PipelineHook
	store    *store.Store
	client   *asynq.Client
	workers  *asynq.Server
	sched    *scheduler.Scheduler
	poller   *pipeline.Poller
	notify   *notify.Service
	metrics  *metrics.Metrics
	api      *api.API
	httpSrv  *http.Server
	ln       net.Listener
}

// New connects to Redis (or starts the embedded one), applies the
// configuration's resources and prepares every part; Run starts them.
func New(ctx context.Context, cfg *config.Config, opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.DelayedTaskCheckInterval <= 0 {
		opts.DelayedTaskCheckInterval = time.Second
	}
	s := &Server{cfg: cfg, opts: opts, log: opts.Logger}
	ok := false
	defer func() {
		if !ok {
			s.close()
		}
	}()

	url := cfg.Redis.URL
	if url == "" {
		emb, err := store.StartEmbedded(ctx)
		if err != nil {
			return nil, err
		}
		s.embedded = emb
		url = emb.URL()
		s.log.Warn("no Redis configured: running on an embedded in-memory Redis; state is NOT durable and is lost at exit (set REDIS_URL or redis.url for production)")
	}
	ropts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("server: redis url: %w", err)
	}
	s.rdb = redis.NewClient(ropts)
	s.store = store.New(s.rdb)
	if err := s.store.Ping(ctx); err != nil {
		return nil, err
	}
	if err := ApplyConfig(ctx, s.store, cfg, s.log); err != nil {
		return nil, fmt.Errorf("server: apply config: %w", err)
	}

	// asynq gets a client of its own whose scripts share round trips with
	// the delivery path's commands (see store.PipelineHook): at a few
	// thousand deliveries a second, round trips are most of the CPU.
	s.queueRDB = redis.NewClient(ropts)
	s.queueRDB.AddHook(s.store.PipelineHook())
	s.client = asynq.NewClientFromRedisClient(s.queueRDB)
	s.metrics = metrics.New()
	inspector := asynq.NewInspectorFromRedisClient(s.rdb)
	s.notify, err = notify.New(notify.Options{
		Config:    deliveryConfig(cfg.Delivery),
		Store:     s.store,
		Client:    s.client,
		Inspector: inspector,
		Metrics:   s.metrics.Delivery,
		Logger:    s.log,
		Channels:  catalog.Channels,
	})
	if err != nil {
		return nil, err
	}
	s.metrics.Registry.MustRegister(s.notify.Collector(),
		metrics.NewQueueCollector(inspector, notify.QueueDeliveries, pipeline.QueuePolls))
	timeout := s.notify.Config().Timeout
	shutdown := opts.ShutdownTimeout
	if shutdown <= 0 {
		shutdown = timeout + 5*time.Second
	}
	s.workers = asynq.NewServerFromRedisClient(s.queueRDB, asynq.Config{
		Concurrency: cfg.Delivery.Concurrency + 4,
		Queues: map[string]int{
			notify.QueueDeliveries: 3,
			pipeline.QueuePolls:    1,
		},
		RetryDelayFunc:           notify.RetryDelay,
		IsFailure:                notify.IsFailure,
		ShutdownTimeout:          shutdown,
		DelayedTaskCheckInterval: opts.DelayedTaskCheckInterval,
		// asynq polls an empty queue every TaskCheckInterval (default 1 s,
		// which adds up to 1.5 s to a delivery arriving in a quiet queue);
		// a dequeue is one cheap script.
		TaskCheckInterval: 10 * time.Millisecond,
		Logger:            asynqLogger{s.log.With("component", "asynq")},
		LogLevel:          asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			// Handlers log their own failures; this catches panics.
			if asynq.IsPanicError(err) {
				s.log.Error("task panicked", "type", t.Type(), "error", err)
			}
		}),
	})

	registry := NewSources(cfg.Sources, s.store, s.log, metrics.NewSources(s.metrics.Registry))
	if opts.Sources != nil {
		registry = opts.Sources
	}
	enq := s.notify.Enqueuer()
	s.poller = &pipeline.Poller{
		Store:   s.store,
		Sources: registry,
		Matcher: matcher.New(matcher.Options{
			Redis:      s.rdb,
			LLM:        cfg.Matcher.LLM,
			SiteClient: notify.GuardedClient(cfg.Delivery.AllowPrivateTargets, 10*time.Second),
			Logger:     s.log.With("component", "matcher"),
			Lang:       lang.New(),
		}),
		Enqueuer:  enq,
		Logger:    s.log,
		Retention: cfg.Scans.Retention.D(),
	}
	mux := asynq.NewServeMux()
	mux.Handle(pipeline.TypePoll, s.poller)
	mux.Handle(notify.TypeDeliver, s.notify.Handler())
	if err := s.workers.Start(mux); err != nil {
		return nil, fmt.Errorf("server: start workers: %w", err)
	}
	s.sched = scheduler.New(s.store, s.client, s.log, opts.SchedulerReload)
	s.sched.OnChange(func(ms []*models.Manager) {
		if err := s.poller.Matcher.SetManagers(ms); err != nil {
			s.log.Warn("some managers cannot be matched", "error", err)
		}
	})
	s.api = api.New(api.Options{
		Store:            s.store,
		Logger:           s.log.With("component", "api"),
		ValidateSchedule: scheduler.ValidateSchedule,
		Deliveries:       s.notify,
		Ingest: func(ctx context.Context, ns string, posts []models.Post) (api.IngestResult, error) {
			st, err := s.poller.Ingest(ctx, ns, posts)
			return api.IngestResult{Managers: st.Managers, Matched: st.Matched, New: st.New}, err
		},
	})

	s.ln = opts.Listener
	if s.ln == nil {
		ln, err := net.Listen("tcp", cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("server: listen on %s: %w", cfg.Listen, err)
		}
		s.ln = ln
	}
	s.httpSrv = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ok = true
	return s, nil
}

// Addr is the address the API listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Store returns the server's store.
func (s *Server) Store() *store.Store { return s.store }

// Poller returns the server's poller (for `earshot poll` and tests).
func (s *Server) Poller() *pipeline.Poller { return s.poller }

// Notify returns the server's delivery service.
func (s *Server) Notify() *notify.Service { return s.notify }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/v1/", s.api)
	mux.Handle("GET /openapi.json", s.api)
	mux.Handle("GET /metrics", s.metrics.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.store.Ping(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": "redis does not answer"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Run serves until ctx is done, then shuts down gracefully: the API stops
// taking requests, the scheduler stops ticking, and in-flight tasks get
// ShutdownTimeout to finish before asynq puts them back on the queue.
func (s *Server) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	schedCtx, stopSched := context.WithCancel(ctx)
	wg.Add(3)
	go func() {
		defer wg.Done()
		_ = s.sched.Run(schedCtx)
	}()
	go func() {
		defer wg.Done()
		_ = s.notify.Run(schedCtx) // redrives connections enabled again
	}()
	go func() {
		defer wg.Done()
		if err := s.httpSrv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("server: http: %w", err)
		}
	}()
	s.log.Info("earshot serving", "addr", s.Addr())
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.log.Info("shutting down")
	stopSched()
	shCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	_ = s.httpSrv.Shutdown(shCtx)
	cancel()
	wg.Wait()
	s.close()
	return err
}

func (s *Server) close() {
	if s.workers != nil {
		s.workers.Shutdown()
	}
	if s.client != nil {
		_ = s.client.Close()
	}
	if s.queueRDB != nil {
		_ = s.queueRDB.Close()
	}
	if s.rdb != nil {
		_ = s.rdb.Close()
	}
	if s.embedded != nil {
		s.embedded.Close()
	}
}

// asynqLogger adapts slog to asynq's logger.
type asynqLogger struct{ l *slog.Logger }

func msg(args []any) string { return strings.TrimSpace(fmt.Sprintln(args...)) }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(msg(args)) }
func (a asynqLogger) Info(args ...any)  { a.l.Info(msg(args)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(msg(args)) }
func (a asynqLogger) Error(args ...any) { a.l.Error(msg(args)) }
func (a asynqLogger) Fatal(args ...any) { a.l.Error(msg(args)) }
