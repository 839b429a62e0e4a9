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
	"github.com/earshothq/earshot/console"
	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/matcher/lang"
	"github.com/earshothq/earshot/metrics"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/pipeline"
	"github.com/earshothq/earshot/redisconn"
	"github.com/earshothq/earshot/scheduler"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/store"
	"github.com/earshothq/earshot/tracing"
)

// Options tune a Server beyond the configuration file (tests lower the
// intervals).
type Options struct {
	Logger *slog.Logger
	// Listener, when set, serves the API instead of listening on cfg.Listen.
	Listener net.Listener
	// MetricsListener, when set, serves /metrics instead of listening on
	// cfg.Metrics.Listen.
	MetricsListener net.Listener
	// ConfigCheck is how often the server checks that Redis still holds
	// the configuration file's resources, and applies the file again when
	// it does not (default 5 s).
	ConfigCheck time.Duration
	// Version is the build's version, for earshot_build_info.
	Version string
	// DelayedTaskCheckInterval is how often asynq moves due retries to the
	// queue (default 1 s).
	DelayedTaskCheckInterval time.Duration
	// SchedulerReload is how often managers are re-read (default 2 s).
	SchedulerReload time.Duration
	// Sources, when set, replaces the sources built from the configuration
	// (tests use it to count polls).
	Sources sources.Registry
	// ConsolePoll is how often the console's live inbox looks for new
	// Scans (default 1 s).
	ConsolePoll time.Duration
	// ShutdownTimeout bounds how long in-flight tasks may finish at stop
	// (default: the delivery timeout plus 5 s).
	ShutdownTimeout time.Duration
	// TraceBatchTimeout is how long ended spans wait to be exported
	// together (default 5 s).
	TraceBatchTimeout time.Duration
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
	console  *console.Console
	httpSrv  *http.Server
	ln       net.Listener
	inspect  *asynq.Inspector
	// metricsSrv serves /metrics on metricsLn (nil: metrics off).
	metricsSrv *http.Server
	metricsLn  net.Listener
	// tracing exports the spans (nil: tracing off).
	tracing *tracing.Provider
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
	if opts.ConfigCheck <= 0 {
		opts.ConfigCheck = 5 * time.Second
	}
	// go-redis logs its pool's failures (Redis down) on its own; have
	// them go through our logger, structured, like everything else.
	redis.SetLogger(store.RedisLogger{Log: opts.Logger.With("component", "redis")})
	s := &Server{cfg: cfg, opts: opts, log: opts.Logger}
	ok := false
	defer func() {
		if !ok {
			s.stopTracing(ctx)
			s.close()
		}
	}()
	tp, err := tracing.New(ctx, cfg.Tracing, tracing.Options{Logger: s.log, Version: opts.Version, BatchTimeout: opts.TraceBatchTimeout})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.tracing = tp

	rcfg := cfg.Redis
	if rcfg.Empty() {
		emb, err := store.StartEmbedded(ctx)
		if err != nil {
			return nil, err
		}
		s.embedded = emb
		rcfg = config.RedisConfig{URL: emb.URL()}
		s.log.Warn("no Redis configured: running on an embedded in-memory Redis; state is NOT durable and is lost at exit (set REDIS_URL or redis.url for production)")
	}
	target, err := redisconn.New(rcfg)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.rdb = target.NewClient()
	s.store = store.New(s.rdb)
	if n := target.WaitReplicas(); n > 0 {
		s.store.WaitForReplicas(n, time.Second)
	}
	if err := s.store.Ping(ctx); err != nil {
		return nil, fmt.Errorf("server: %s: %w", target, err)
	}
	if n, err := s.store.MigrateKeys(ctx); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	} else if n > 0 {
		s.log.Info("moved resource keys to the hash-tagged layout", "keys", n)
	}
	if err := ApplyConfig(ctx, s.store, cfg, s.log); err != nil {
		return nil, fmt.Errorf("server: apply config: %w", err)
	}
	if err := s.store.MarkConfigApplied(ctx); err != nil {
		return nil, err
	}

	// asynq gets a client of its own whose scripts share round trips with
	// the delivery path's commands (see store.PipelineHook): at a few
	// thousand deliveries a second, round trips are most of the CPU.
	s.queueRDB = target.NewClient()
	s.queueRDB.AddHook(s.store.PipelineHook())
	s.client = asynq.NewClientFromRedisClient(s.queueRDB)
	s.metrics = metrics.New()
	metrics.RegisterBuildInfo(s.metrics.Registry, opts.Version)
	inspector := asynq.NewInspectorFromRedisClient(s.rdb)
	s.inspect = inspector
	s.notify, err = notify.New(notify.Options{
		Config:    deliveryConfig(cfg.Delivery),
		Store:     s.store,
		Client:    s.client,
		Inspector: inspector,
		Metrics:   s.metrics.Delivery,
		Logger:    s.log,
		Channels:  catalog.Channels,
		Tracer:    tp.Tracer(),
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

	srcMetrics := metrics.NewSources(s.metrics.Registry)
	pipeMetrics := metrics.NewPipeline(s.metrics.Registry, srcMetrics)
	registry := NewSources(cfg.Sources, s.store, s.log, srcMetrics)
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
		Metrics:   pipeMetrics,
		Streams:   pipeline.NewStreamMetrics(metrics.NewStreams(s.metrics.Registry)),
		Tracer:    tp.Tracer(),
	}
	mux := asynq.NewServeMux()
	mux.Handle(pipeline.TypePoll, s.poller)
	mux.Handle(notify.TypeDeliver, s.notify.Handler())
	if err := s.workers.Start(mux); err != nil {
		return nil, fmt.Errorf("server: start workers: %w", err)
	}
	s.sched = scheduler.New(s.store, s.client, s.log, opts.SchedulerReload)
	s.sched.UseSources(registry)
	s.sched.OnChange(func(ms []*models.Manager) {
		s.poller.Matcher.Retain(ms)
		for _, m := range ms {
			pipeMetrics.Known(m.Source.Type)
			for _, n := range m.Notices {
				s.metrics.Delivery.Known(n.Connection)
			}
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

	s.console = console.New(console.Options{
		Store:         s.store,
		API:           s.api,
		Logger:        s.log.With("component", "console"),
		SecureCookies: cfg.Console.SecureCookies,
		SessionTTL:    cfg.Console.SessionTTL.D(),
		Try:           console.NewTry(notify.GuardedClient(cfg.Delivery.AllowPrivateTargets, 10*time.Second), s.log.With("component", "console")),
		PollInterval:  opts.ConsolePoll,
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
	s.metricsLn = opts.MetricsListener
	if s.metricsLn == nil && cfg.Metrics.Listen != config.MetricsOff && cfg.Metrics.Listen != "" {
		ln, err := net.Listen("tcp", cfg.Metrics.Listen)
		if err != nil {
			return nil, fmt.Errorf("server: listen for metrics on %s (metrics.listen): %w", cfg.Metrics.Listen, err)
		}
		s.metricsLn = ln
	}
	if s.metricsLn != nil {
		s.metricsSrv = &http.Server{
			Handler:           s.metricsRoutes(),
			ReadHeaderTimeout: 10 * time.Second,
			WriteTimeout:      60 * time.Second,
		}
	}
	// The console's live streams end at shutdown instead of holding it up.
	s.httpSrv.RegisterOnShutdown(s.console.Close)
	ok = true
	return s, nil
}

// Addr is the address the API listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// MetricsAddr is the address /metrics is served on ("" when off).
func (s *Server) MetricsAddr() string {
	if s.metricsLn == nil {
		return ""
	}
	return s.metricsLn.Addr().String()
}

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
	// The console answers browsers at / and its own paths; anything else
	// nothing serves gets the API's JSON 404.
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if console.Wants(r) {
			s.console.ServeHTTP(w, r)
			return
		}
		notFoundJSON(w, r)
	}))
	for _, p := range []string{"/openapi.json", "/healthz", "/readyz"} {
		mux.HandleFunc(p, methodNotAllowedJSON("GET"))
	}
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
		writeJSON(w, http.StatusOK, s.readiness(ctx))
	})
	return mux
}

// readiness is /readyz's answer once Redis answers. Managers whose source
// keeps failing do not make the process unready (restarting it would not
// help), but they make it "degraded", with how many there are and since
// when the oldest fails; their names and errors are for keys of their
// namespace (the manager's status, the console), not for this
// unauthenticated endpoint.
type readiness struct {
	Status          string     `json:"status"`
	FailingManagers int        `json:"failingManagers"`
	FailingSince    *time.Time `json:"failingSince,omitempty"`
}

func (s *Server) readiness(ctx context.Context) readiness {
	out := readiness{Status: "ok"}
	failing, err := s.store.FailingManagers(ctx, 1000)
	if err != nil {
		s.log.Warn("readyz: reading failing managers failed", "error", err)
		return out
	}
	if len(failing) > 0 {
		out.Status = "degraded"
		out.FailingManagers = len(failing)
		out.FailingSince = &failing[0].Since
	}
	return out
}

// metricsRoutes serves /metrics, on the metrics listener only.
func (s *Server) metricsRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	mux.HandleFunc("/metrics", methodNotAllowedJSON("GET"))
	mux.HandleFunc("/", notFoundJSON)
	return mux
}

// notFoundJSON answers a path nothing serves in the API's error shape
// (ServeMux's own answer is plain text).
func notFoundJSON(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, errorBody(http.StatusNotFound, "NOT_FOUND",
		fmt.Sprintf("no such resource or method: %s %s", r.Method, r.URL.Path)))
}

// methodNotAllowedJSON answers a method the path does not serve.
func methodNotAllowedJSON(allowed string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allowed)
		writeJSON(w, http.StatusMethodNotAllowed, errorBody(http.StatusMethodNotAllowed, "UNIMPLEMENTED",
			"method not allowed here; allowed: "+allowed))
	}
}

func errorBody(code int, status, msg string) any {
	type body struct {
		Code    int    `json:"code"`
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	return map[string]body{"error": {code, status, msg}}
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
	errc := make(chan error, 3)
	schedCtx, stopSched := context.WithCancel(ctx)
	wg.Add(5)
	go func() {
		defer wg.Done()
		_ = s.sched.Run(schedCtx)
	}()
	go func() {
		defer wg.Done()
		s.watchConfig(schedCtx)
	}()
	go func() {
		defer wg.Done()
		s.poller.RunStreams(schedCtx, s.opts.SchedulerReload) // firehoses
	}()
	if s.metricsSrv != nil {
		go func() {
			if err := s.metricsSrv.Serve(s.metricsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("server: metrics http: %w", err)
			}
		}()
	}
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
	s.log.Info("earshot serving", "addr", s.Addr(), "metrics_addr", s.MetricsAddr())
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.log.Info("shutting down")
	stopSched()
	shCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	_ = s.httpSrv.Shutdown(shCtx)
	if s.metricsSrv != nil {
		_ = s.metricsSrv.Shutdown(shCtx)
	}
	cancel()
	wg.Wait()
	if s.embedded != nil {
		// Stop the workers first, so that what they held is counted.
		s.workers.Shutdown()
		s.workers = nil
		s.reportDiscarded(context.WithoutCancel(ctx))
	}
	s.stopTracing(ctx)
	s.close()
	return err
}

// reportDiscarded says, at the exit of an embedded-Redis process, what is
// lost with it: queued deliveries (pending, scheduled and retrying) and
// stored Scans.
func (s *Server) reportDiscarded(ctx context.Context) {
	var queued int
	for _, q := range []string{notify.QueueDeliveries} {
		info, err := s.inspect.GetQueueInfo(q)
		if err != nil {
			continue // an empty queue has no info yet
		}
		queued += info.Pending + info.Scheduled + info.Retry + info.Active + info.Aggregating
	}
	scans, err := s.store.CountScans(ctx)
	if err != nil {
		s.log.Warn("embedded Redis: cannot count the Scans being discarded", "error", err)
	}
	s.log.Warn("embedded Redis: discarding its state at exit (set REDIS_URL or redis.url to keep it)",
		"queued_deliveries", queued, "scans", scans)
}

// watchConfig applies the configuration file again whenever Redis is
// found without it: a Redis that restarted without persistence (or was
// flushed) has lost the file's namespaces, connections, managers and API
// keys, which would otherwise answer 404 and 401 until a restart.
func (s *Server) watchConfig(ctx context.Context) {
	t := time.NewTicker(s.opts.ConfigCheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ok, err := s.store.ConfigApplied(ctx)
		if err != nil || ok {
			continue // Redis down: check again once it answers
		}
		s.log.Warn("Redis has lost the configuration file's resources (restarted without persistence, or flushed?): applying the file again")
		if err := ApplyConfig(ctx, s.store, s.cfg, s.log); err != nil {
			s.log.Error("apply the configuration file again", "error", err)
			continue
		}
		if err := s.store.MarkConfigApplied(ctx); err != nil {
			s.log.Error("apply the configuration file again", "error", err)
		}
	}
}

// Tracing returns the span exporter (nil: tracing off).
func (s *Server) Tracing() *tracing.Provider { return s.tracing }

// stopTracing exports the spans still buffered, for a few seconds at most.
func (s *Server) stopTracing(ctx context.Context) {
	if s.tracing == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.tracing.Shutdown(ctx); err != nil {
		s.log.Warn("traces: the last spans were not exported", "error", models.RedactURLs(err.Error()))
	}
}

func (s *Server) close() {
	if s.workers != nil {
		s.workers.Shutdown()
	}
	if s.client != nil {
		_ = s.client.Close()
	}
	if s.metricsLn != nil && s.metricsSrv == nil {
		_ = s.metricsLn.Close()
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
