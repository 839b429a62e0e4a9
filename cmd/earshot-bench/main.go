// Command earshot-bench measures webhook delivery end to end: scans handed
// on to a running Earshot (server.New, the same wiring as `earshot serve`)
// until a local receiver gets them, on a real Redis and on the embedded
// one, beside the raw throughput of asynq no-op tasks on the same Redis.
//
//	go run ./cmd/earshot-bench --redis redis://127.0.0.1:6379/9
//	go run ./cmd/earshot-bench --backends redis,cluster --redis … --cluster redis-cluster://127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003
//
// It flushes the Redis database it is given: use a throwaway one.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/pipeline"
	"github.com/earshothq/earshot/redisconn"
	"github.com/earshothq/earshot/server"
	"github.com/earshothq/earshot/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "earshot-bench:", err)
		os.Exit(1)
	}
}

type options struct {
	redisURL      string
	n             int           // deliveries of the throughput run (real Redis)
	nEmbedded     int           // deliveries of the throughput run (embedded)
	rate          int           // offered deliveries per second of the latency run
	duration      time.Duration // of the latency run
	producers     int
	concurrency   int  // delivery.concurrency (0: the default)
	tracing       bool // traces on, every one sampled, to a local collector
	backends      string
	clusterURL    string
	limitsRateN   int // backlog of the rate-limit scenarios
	limitsConcN   int // backlog of the concurrency scenarios
	limitsTimeout time.Duration
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("earshot-bench", flag.ContinueOnError)
	fs.StringVar(&o.redisURL, "redis", os.Getenv("REDIS_URL"), "real Redis to measure on (its database is flushed); default $REDIS_URL")
	fs.IntVar(&o.n, "n", 30000, "deliveries of the throughput run on the real Redis")
	fs.IntVar(&o.nEmbedded, "n-embedded", 10000, "deliveries of the throughput run on the embedded Redis")
	fs.IntVar(&o.rate, "rate", 1000, "offered deliveries per second of the latency run")
	fs.DurationVar(&o.duration, "duration", 15*time.Second, "length of the latency run")
	fs.IntVar(&o.producers, "producers", 8, "goroutines handing scans on in the throughput run")
	fs.IntVar(&o.concurrency, "concurrency", 0, "delivery.concurrency (0: the configuration's default)")
	fs.BoolVar(&o.tracing, "tracing", false, "turn traces on (sample_ratio 1), exported to a local OTLP/HTTP collector that reads and drops them")
	fs.StringVar(&o.clusterURL, "cluster", os.Getenv("REDIS_CLUSTER_URL"), "Redis Cluster to measure on, redis-cluster://host:port,… (it is flushed); default $REDIS_CLUSTER_URL")
	fs.StringVar(&o.backends, "backends", "redis,embedded", "which Redis to measure, in this order: redis, cluster, embedded, limits (backlogs under a connection's limits, one and two processes, real Redis)")
	fs.IntVar(&o.limitsRateN, "limits-rate-n", 300, "backlog of the rate-limit scenarios")
	fs.IntVar(&o.limitsConcN, "limits-concurrency-n", 1000, "backlog of the concurrency scenarios")
	fs.DurationVar(&o.limitsTimeout, "limits-timeout", 10*time.Minute, "how long a limits scenario may take (what arrived by then is reported)")
	serve := fs.String("serve", "", "run only an Earshot on this configuration file (the second process of the limits scenarios)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *serve != "" {
		return serveOnly(ctx, *serve, out)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintf(out, "earshot-bench: %s, GOMAXPROCS %d, %s/%s, tracing %v\n\n", runtime.Version(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, o.tracing)
	for _, b := range strings.Split(o.backends, ",") {
		switch strings.TrimSpace(b) {
		case "redis":
			if o.redisURL == "" {
				fmt.Fprintln(out, "redis: skipped (no --redis and no REDIS_URL)")
				continue
			}
			if err := bench(ctx, out, "redis-server", o.redisURL, o.n, o); err != nil {
				return err
			}
		case "cluster":
			if o.clusterURL == "" {
				fmt.Fprintln(out, "cluster: skipped (no --cluster and no REDIS_CLUSTER_URL)")
				continue
			}
			if err := bench(ctx, out, "redis cluster", o.clusterURL, o.n, o); err != nil {
				return err
			}
		case "limits":
			if o.redisURL == "" {
				fmt.Fprintln(out, "limits: skipped (no --redis and no REDIS_URL)")
				continue
			}
			if err := benchLimits(ctx, out, o.redisURL, o); err != nil {
				return err
			}
		case "embedded":
			if err := bench(ctx, out, "embedded (miniredis)", "", o.nEmbedded, o); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown backend %q", b)
		}
	}
	return nil
}

// bench measures one backend: raw asynq, delivery throughput, and latency
// at the offered rate.
func bench(ctx context.Context, out io.Writer, label, redisURL string, n int, o options) error {
	fmt.Fprintf(out, "== %s\n", label)
	url := redisURL
	var emb *store.Embedded
	if url == "" {
		var err error
		if emb, err = store.StartEmbedded(ctx); err != nil {
			return err
		}
		defer emb.Close()
		url = emb.URL()
	}
	if err := flush(ctx, url); err != nil {
		return err
	}
	cpu := startCPU(ctx, url)
	raw, err := rawAsynq(ctx, url, n, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "asynq no-op tasks:     %7.0f tasks/s      (%d tasks, same asynq settings; %s)\n", raw, n, cpu.per(n))

	if err := flush(ctx, url); err != nil {
		return err
	}
	cpu = startCPU(ctx, url)
	r, err := deliveries(ctx, url, o, func(ctx context.Context, hand func(int) error) error {
		return burst(ctx, n, o.producers, hand)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "deliveries, flat out:  %7.0f deliveries/s (%d scans; latency p50 %s, p99 %s, max %s; %s)\n",
		r.rate, r.count, ms(r.p50), ms(r.p99), ms(r.max), cpu.per(r.count))

	if err := flush(ctx, url); err != nil {
		return err
	}
	total := int(float64(o.rate) * o.duration.Seconds())
	r, err = deliveries(ctx, url, o, func(ctx context.Context, hand func(int) error) error {
		return paced(ctx, total, o.rate, hand)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "deliveries at %d/s:  %7.0f deliveries/s (%d scans over %s; latency p50 %s, p99 %s, max %s)\n\n",
		o.rate, r.rate, r.count, o.duration, ms(r.p50), ms(r.p99), ms(r.max))
	return nil
}

// cpuMark notes the CPU time used so far by this process and by the Redis
// server (when it is a real one), to report the CPU cost of each task:
// unlike throughput, it hardly depends on what else the machine runs.
type cpuMark struct {
	ctx   context.Context
	url   string
	self  time.Duration
	redis time.Duration
}

func startCPU(ctx context.Context, url string) cpuMark {
	return cpuMark{ctx: ctx, url: url, self: selfCPU(), redis: redisCPU(ctx, url)}
}

func (m cpuMark) per(n int) string {
	self := (selfCPU() - m.self) / time.Duration(n)
	s := fmt.Sprintf("CPU per task: %d µs here", self.Microseconds())
	if r := redisCPU(m.ctx, m.url); r > 0 {
		s += fmt.Sprintf(" + %d µs redis-server", ((r - m.redis) / time.Duration(n)).Microseconds())
	}
	return s
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// redisCPU reads used_cpu_sys + used_cpu_user from INFO cpu (0 for the
// embedded Redis, whose CPU is this process's).
// On a Cluster it is the sum over its primaries.
func redisCPU(ctx context.Context, url string) time.Duration {
	rdb, err := redisconn.NewClient(url)
	if err != nil {
		return 0
	}
	defer rdb.Close()
	var mu sync.Mutex
	var total float64
	_ = redisconn.ForEachPrimary(ctx, rdb, func(ctx context.Context, node *redis.Client) error {
		info, err := node.Info(ctx, "cpu").Result()
		if err != nil || !strings.Contains(info, "used_cpu_user:") {
			return nil
		}
		for _, line := range strings.Split(info, "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
			if ok && (k == "used_cpu_sys" || k == "used_cpu_user") {
				f, _ := strconv.ParseFloat(v, 64)
				mu.Lock()
				total += f
				mu.Unlock()
			}
		}
		return nil
	})
	return time.Duration(total * float64(time.Second))
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}

func flush(ctx context.Context, url string) error {
	rdb, err := redisconn.NewClient(url)
	if err != nil {
		return err
	}
	defer rdb.Close()
	return redisconn.ForEachPrimary(ctx, rdb, func(ctx context.Context, node *redis.Client) error {
		return node.FlushDB(ctx).Err()
	})
}

// serverConcurrency is the asynq concurrency server.New gives a process.
func serverConcurrency(o options) int {
	c := o.concurrency
	if c == 0 {
		c = config.DefaultConcurrency
	}
	return c + 4
}

// rawAsynq enqueues n no-op tasks from producers while one asynq server
// with the server's settings processes them.
func rawAsynq(ctx context.Context, url string, n int, o options) (float64, error) {
	rdb, err := redisconn.NewClient(url)
	if err != nil {
		return 0, err
	}
	defer rdb.Close()
	client := asynq.NewClientFromRedisClient(rdb)
	var done atomic.Int64
	finished := make(chan struct{})
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:       serverConcurrency(o),
		Queues:            map[string]int{"bench": 1},
		TaskCheckInterval: 10 * time.Millisecond,
		LogLevel:          asynq.FatalLevel,
	})
	if err := srv.Start(asynq.HandlerFunc(func(context.Context, *asynq.Task) error {
		if done.Add(1) == int64(n) {
			close(finished)
		}
		return nil
	})); err != nil {
		return 0, err
	}
	defer srv.Shutdown()
	start := time.Now()
	if err := burst(ctx, n, o.producers, func(i int) error {
		_, err := client.EnqueueContext(ctx, asynq.NewTask("noop", nil, asynq.TaskID("noop:"+strconv.Itoa(i)), asynq.Queue("bench")))
		return err
	}); err != nil {
		return 0, err
	}
	select {
	case <-finished:
	case <-time.After(5 * time.Minute):
		return 0, fmt.Errorf("asynq processed %d of %d tasks in 5 minutes", done.Load(), n)
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// burst calls hand(0..n-1) from producers goroutines, as fast as they go.
func burst(ctx context.Context, n, producers int, hand func(int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, producers)
	for range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := hand(i); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// paced hands n scans on at rate per second, each at its own time, so
// the offered load does not depend on how fast Earshot takes them.
func paced(ctx context.Context, n, rate int, hand func(int) error) error {
	start := time.Now()
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	sem := make(chan struct{}, 256)
	for i := range n {
		at := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := hand(i); err != nil {
				select {
				case errc <- err:
				default:
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

type result struct {
	count         int
	rate          float64
	p50, p99, max time.Duration
}

// deliveries runs an Earshot on url delivering to a local receiver, and
// measures the deliveries of the scans produce hands on.
func deliveries(ctx context.Context, url string, o options, produce func(context.Context, func(int) error) error) (result, error) {
	rcv, err := newReceiver()
	if err != nil {
		return result{}, err
	}
	defer rcv.close()
	yaml := fmt.Sprintf(`
listen: "127.0.0.1:0"
metrics: {listen: "off"}
redis: {url: %q}
delivery:
  allow_private_targets: true
namespaces:
  - id: bench
    api_keys: ["bench-key-0123456789abcdef"]
    connections:
      - id: local
        type: HTTP_CONNECTION
        url: %s/hook
        rateLimit: 100000000
        concurrency: 1000
`, url, rcv.url)
	if o.tracing {
		col, err := newCollector()
		if err != nil {
			return result{}, err
		}
		defer col.close()
		yaml += fmt.Sprintf("tracing: {otlp_endpoint: %q, sample_ratio: 1}\n", col.url)
	}
	cfg, err := config.Parse("bench.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		return result{}, err
	}
	if o.concurrency > 0 {
		cfg.Delivery.Concurrency = o.concurrency
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("BENCH_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv, err := server.New(sctx, cfg, server.Options{Logger: log})
	if err != nil {
		return result{}, err
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(sctx) }()
	defer func() { cancel(); <-done }()

	st := srv.Store()
	enq := srv.Notify().Enqueuer()
	conn := models.ConnectionName("bench", "local")
	post := models.Post{Type: models.PostRedditLink, Title: "Recs needed: social listening tool?",
		Text: "We're looking for a social listening tool under $100/mo. Any recommendations?",
		URL:  "https://www.reddit.com/r/marketing/comments/1abc01/post/",
		User: models.User{ID: "t2_marketing_pro", Name: "marketing_pro", URL: "https://www.reddit.com/user/marketing_pro"}}
	var handed atomic.Int64
	tracer := srv.Tracing().Tracer() // nil: tracing off
	hand := func(i int) error {
		ctx := ctx
		if tracer.On() {
			// As the pipeline does: the Scan's span is the deliveries' parent.
			var span trace.Span
			ctx, span = tracer.Start(ctx, pipeline.SpanScan)
			defer span.End()
		}
		id := "b" + strconv.Itoa(i)
		p := post
		p.ID = "t3_" + id
		p.Time = models.NewTimestamp(time.Now())
		scan := &models.Scan{Name: models.ScanName("bench", "m", id), CreateTime: time.Now().UTC(), Post: p,
			Match: &models.Match{Focus: matcher.FocusSales, Score: 0.9, Terms: []string{"social listening"}}}
		rcv.expect(notify.WebhookID(scan.Name, conn), time.Now())
		// As pipeline.Poller hands a matched post on.
		created, err := st.CreateScan(ctx, "bench", "m", id, scan, time.Hour)
		if err != nil {
			return err
		}
		handed.Add(1)
		if created {
			return enq.EnqueueNew(ctx, models.EventScan, scan.Name, conn)
		}
		return enq.Enqueue(ctx, models.EventScan, scan.Name, conn)
	}
	start := time.Now()
	if err := produce(ctx, hand); err != nil {
		return result{}, err
	}
	n := int(handed.Load())
	if err := rcv.wait(ctx, n, 5*time.Minute); err != nil {
		return result{}, err
	}
	lat, last := rcv.latencies()
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	return result{count: n, rate: float64(n) / last.Sub(start).Seconds(), p50: q(0.50), p99: q(0.99), max: lat[len(lat)-1]}, nil
}

// receiver is a local webhook receiver that notes when each webhook-id
// first arrived.
type receiver struct {
	delay time.Duration // before answering
	maxIn atomic.Int64  // requests in flight at once, at most
	in    atomic.Int64
	times []time.Time // first receipt of each webhook-id
	url   string
	srv   *http.Server
	mu    sync.Mutex
	sent  map[string]time.Time
	lat   []time.Duration
	seen  map[string]bool
	last  time.Time
	got   chan struct{}
}

func newReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{url: "http://" + ln.Addr().String(), sent: map[string]time.Time{}, seen: map[string]bool{}, got: make(chan struct{}, 1)}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve)}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *receiver) expect(id string, at time.Time) {
	r.mu.Lock()
	r.sent[id] = at
	r.mu.Unlock()
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	n := r.in.Add(1)
	defer r.in.Add(-1)
	for m := r.maxIn.Load(); n > m && !r.maxIn.CompareAndSwap(m, n); m = r.maxIn.Load() {
	}
	_, _ = io.Copy(io.Discard, req.Body)
	now := time.Now()
	id := req.Header.Get("webhook-id")
	r.mu.Lock()
	if t, ok := r.sent[id]; ok && !r.seen[id] {
		r.seen[id] = true
		r.lat = append(r.lat, now.Sub(t))
		r.times = append(r.times, now)
		r.last = now
	}
	r.mu.Unlock()
	if r.delay > 0 {
		time.Sleep(r.delay)
	}
	select {
	case r.got <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) wait(ctx context.Context, n int, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		got := len(r.lat)
		r.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-r.got:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			return fmt.Errorf("receiver got %d of %d deliveries in %s", got, n, timeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (r *receiver) latencies() ([]time.Duration, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.lat), r.last
}

func (r *receiver) receipts() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.times)
}

func (r *receiver) close() { _ = r.srv.Close() }

// collector is a local OTLP/HTTP endpoint that reads every export and
// drops it: what tracing costs Earshot, not what a collector costs.
type collector struct {
	url string
	srv *http.Server
}

func newCollector() (*collector, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &collector{url: "http://" + ln.Addr().String()}
	c.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	})}
	go func() { _ = c.srv.Serve(ln) }()
	return c, nil
}

func (c *collector) close() { _ = c.srv.Close() }
