package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/server"
)

// A limits scenario: a backlog handed on at once to one connection whose
// rate or concurrency limit binds, drained by one or two Earshot
// processes. It measures how fast the backlog drains beside what the limit
// allows.
type limitScenario struct {
	name        string
	n           int           // scans in the backlog
	rate        int           // the connection's rateLimit (per minute)
	concurrency int           // the connection's concurrency
	latency     time.Duration // of the receiver
	processes   int
}

// expected is the rate the limit allows, per second.
func (s limitScenario) expected() float64 {
	if s.latency > 0 {
		return float64(s.concurrency) / s.latency.Seconds()
	}
	return float64(s.rate) / 60
}

func limitScenarios(o options) []limitScenario {
	var out []limitScenario
	for _, p := range []int{1, 2} {
		out = append(out,
			limitScenario{name: "rate limit 600/min, receiver at once", n: o.limitsRateN, rate: 600, concurrency: 1000, processes: p},
			limitScenario{name: "concurrency 10, receiver 100 ms", n: o.limitsConcN, rate: 1000000, concurrency: 10, latency: 100 * time.Millisecond, processes: p})
	}
	return out
}

// benchLimits runs every limits scenario on a real Redis.
func benchLimits(ctx context.Context, out io.Writer, url string, o options) error {
	fmt.Fprintf(out, "== delivery limits, redis-server\n")
	for _, sc := range limitScenarios(o) {
		if err := flush(ctx, url); err != nil {
			return err
		}
		r, err := drain(ctx, url, sc, o.limitsTimeout)
		if err != nil {
			return fmt.Errorf("%s, %d process(es): %w", sc.name, sc.processes, err)
		}
		if r.got < sc.n {
			fmt.Fprintf(out, "%-40s %d process(es): only %d of %d scans in %s; drained at %6.1f/s, limit allows %6.1f/s (%.0f %%); max in flight %d\n",
				sc.name, sc.processes, r.got, sc.n, o.limitsTimeout, r.rate, sc.expected(), 100*r.rate/sc.expected(), r.maxInflight)
			continue
		}
		fmt.Fprintf(out, "%-40s %d process(es): %4d scans in %6.1f s; drained at %6.1f/s, limit allows %6.1f/s (%.0f %%); max in flight %d; longest pause %s\n",
			sc.name, sc.processes, sc.n, r.total.Seconds(), r.rate, sc.expected(), 100*r.rate/sc.expected(), r.maxInflight, r.maxGap.Round(time.Millisecond))
	}
	fmt.Fprintln(out)
	return nil
}

type drainResult struct {
	got         int           // scans received (all of them unless the run timed out)
	total       time.Duration // from hand-on to the last receipt
	rate        float64       // deliveries/s once the limit binds
	maxInflight int64
	maxGap      time.Duration // the longest pause between two receipts
}

func limitsYAML(url, rcvURL string, sc limitScenario) string {
	return fmt.Sprintf(`
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
        rateLimit: %d
        concurrency: %d
`, url, rcvURL, sc.rate, sc.concurrency)
}

// drain hands a backlog on at once and waits for the receiver to get it.
func drain(ctx context.Context, url string, sc limitScenario, timeout time.Duration) (drainResult, error) {
	rcv, err := newReceiver()
	if err != nil {
		return drainResult{}, err
	}
	rcv.delay = sc.latency
	defer rcv.close()
	yaml := limitsYAML(url, rcv.url, sc)
	cfg, err := config.Parse("bench.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		return drainResult{}, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("BENCH_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv, err := server.New(sctx, cfg, server.Options{Logger: log})
	if err != nil {
		return drainResult{}, err
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(sctx) }()
	defer func() { cancel(); <-done }()
	for range sc.processes - 1 {
		stop, err := startWorker(ctx, yaml)
		if err != nil {
			return drainResult{}, err
		}
		defer stop()
	}

	st := srv.Store()
	enq := srv.Notify().Enqueuer()
	conn := models.ConnectionName("bench", "local")
	start := time.Now()
	for i := range sc.n {
		id := "l" + strconv.Itoa(i)
		scan := &models.Scan{Name: models.ScanName("bench", "m", id), CreateTime: time.Now().UTC(),
			Post: models.Post{Type: models.PostRedditLink, ID: "t3_" + id, Time: models.NewTimestamp(time.Now()), Title: "Recs needed?",
				URL: "https://www.reddit.com/r/marketing/comments/" + id, User: models.User{ID: "t2_u", Name: "u", URL: "https://www.reddit.com/user/u"}}}
		rcv.expect(notify.WebhookID(scan.Name, conn), time.Now())
		if _, err := st.CreateScan(ctx, "bench", "m", id, scan, time.Hour); err != nil {
			return drainResult{}, err
		}
		if err := enq.EnqueueNew(ctx, models.EventScan, scan.Name, conn); err != nil {
			return drainResult{}, err
		}
	}
	if err := rcv.wait(ctx, sc.n, timeout); err != nil && ctx.Err() != nil {
		return drainResult{}, err
	}
	times := rcv.receipts()
	if len(times) < 12 {
		return drainResult{got: len(times)}, nil
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	r := drainResult{got: len(times), total: times[len(times)-1].Sub(start), maxInflight: rcv.maxIn.Load()}
	for i := 1; i < len(times); i++ {
		r.maxGap = max(r.maxGap, times[i].Sub(times[i-1]))
	}
	// Once the limit binds: after the burst a rate limit lets through at
	// once (about ten), or from the first receipt for concurrency.
	skip := 0
	if sc.latency == 0 {
		skip = 10
	}
	span := times[len(times)-1].Sub(times[skip])
	r.rate = float64(len(times)-1-skip) / span.Seconds()
	if r.got < sc.n {
		// Timed out: the rate over the whole run.
		r.rate = float64(r.got) / timeout.Seconds()
	} else if sc.latency > 0 {
		// Each receipt is noted when a request arrives; the last one still
		// takes its latency to answer.
		r.rate = float64(len(times)) / (span + sc.latency).Seconds()
	}
	return r, nil
}

// startWorker runs a second Earshot process (this binary with --serve)
// on the same configuration, and returns how to stop it.
func startWorker(ctx context.Context, yaml string) (func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "earshot-bench")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "earshot.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "--serve", path)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		_ = cmd.Wait()
		_ = os.RemoveAll(dir)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready") {
		stop()
		return nil, fmt.Errorf("second process did not start: %q %v", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return stop, nil
}

// serveOnly is the second process of a limits scenario: an Earshot on a
// configuration file until interrupted.
func serveOnly(ctx context.Context, path string, out io.Writer) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	cfg, err := config.Parse(path, b, func(string) (string, bool) { return "", false })
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("BENCH_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	srv, err := server.New(ctx, cfg, server.Options{Logger: log})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "ready")
	return srv.Run(ctx)
}
