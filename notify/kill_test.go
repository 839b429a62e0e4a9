package notify_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/redisconn"
)

// TestKilledMidDeliveryLosesNothing runs `earshot serve` on a real Redis,
// kills it with SIGKILL while deliveries are in flight, starts it again,
// and checks that every Scan reaches the receiver at least once, though
// no delivery may be retried: the attempts the kill cut off must not use
// up a retry. The tasks the dead process held come back when their asynq
// lease lapses (30 s), so this test takes a while.
func TestKilledMidDeliveryLosesNothing(t *testing.T) {
	redisURL := testredis.Real(t)
	if testing.Short() {
		t.Skip("slow: waits for asynq to recover a dead process's tasks")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "earshot")
	build := exec.Command("go", "build", "-o", bin, "github.com/earshothq/earshot/cmd/earshot")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build earshot: %v\n%s", err, out)
	}

	const posts = 30
	reddit := fakes.NewReddit()
	defer reddit.Close()
	now := time.Now().UTC()
	for i := range posts {
		reddit.Add(fakes.RedditPost{ID: fmt.Sprintf("k%04d", i), Subreddit: "marketing",
			Title:    fmt.Sprintf("Recs needed: social listening tool? (%d)", i),
			Selftext: "We're looking for a social listening tool under $100/mo. Any recommendations?",
			Author:   "marketing_pro", Created: now.Add(-time.Duration(posts-i) * time.Minute)})
	}

	// A slow receiver, so the kill lands while deliveries are in flight.
	var mu sync.Mutex
	delivered := map[string]int{}
	requests, inflight := 0, 0
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets net/http notice a client that goes away
		// (it cancels the request's context then).
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		inflight++
		mu.Unlock()
		select {
		case <-time.After(300 * time.Millisecond):
		case <-r.Context().Done():
		}
		mu.Lock()
		inflight--
		// Only an answer the sender can have read counts as delivered.
		if r.Context().Err() == nil {
			delivered[r.Header.Get("webhook-id")]++
		}
		requests++
		mu.Unlock()
	}))
	defer rcv.Close()

	cfgPath := filepath.Join(dir, "earshot.yaml")
	cfg := fmt.Sprintf(`
listen: "127.0.0.1:0"
metrics: {listen: "127.0.0.1:0"}
delivery:
  timeout: 5s
  retry_schedule: []
  allow_private_targets: true
sources:
  reddit:
    base_url: %s
    user_agent: "earshot-test/1.0"
namespaces:
  - id: acme
    api_keys: ["acme-test-key-0123456789"]
    connections:
      - id: crm
        type: HTTP_CONNECTION
        url: %s/hook
        secret: %q
        concurrency: 2
    managers:
      - id: leads
        type: FEED_MANAGER
        schedule: "@every 1s"
        source: {type: REDDIT, subreddits: [marketing], backfill: 24h}
        input:
          type: STRUCTURED
          keywords: ["social listening"]
          focus: {type: SALES}
        notices:
          - {type: HTTP_REQUEST, connection: namespaces/acme/connections/crm}
`, reddit.URL, rcv.URL, testSecret)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	var logMu sync.Mutex
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--config", cfgPath)
		cmd.Env = append(os.Environ(), "REDIS_URL="+redisURL)
		w := lockedWriter{&logMu, &logs}
		cmd.Stdout, cmd.Stderr = w, w
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	dump := func() {
		logMu.Lock()
		defer logMu.Unlock()
		t.Logf("earshot output:\n%s", logs.String())
	}

	first := start()
	deadline := time.Now().Add(fakes.MinWait)
	for {
		mu.Lock()
		n, in := requests, inflight
		mu.Unlock()
		if n >= 4 && in > 0 {
			break
		}
		if time.Now().After(deadline) {
			dump()
			t.Fatalf("only %d deliveries in a minute before the kill", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	_ = first.Wait()
	mu.Lock()
	before := requests
	mu.Unlock()
	t.Logf("killed after %d deliveries, with deliveries in flight", before)
	if before >= posts {
		t.Fatalf("everything was delivered before the kill; the test proves nothing")
	}

	start()
	rdb, err := redisconn.NewClient(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	deadline = time.Now().Add(4 * time.Minute)
	for {
		mu.Lock()
		got := len(delivered)
		mu.Unlock()
		// On a Cluster each primary holds some of the scans.
		var scans []string
		err := redisconn.ForEachPrimary(context.Background(), rdb, func(ctx context.Context, node *redis.Client) error {
			keys, err := node.Keys(ctx, "earshot:scan:acme:leads:*").Result()
			mu.Lock()
			scans = append(scans, keys...)
			mu.Unlock()
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(scans) == posts && got == posts {
			break
		}
		if time.Now().After(deadline) {
			dump()
			t.Fatalf("after the restart: %d scans stored, %d of %d posts delivered", len(scans), got, posts)
		}
		time.Sleep(200 * time.Millisecond)
	}
	mu.Lock()
	t.Logf("all %d delivered %s after the kill, in %d requests (the ones cut off by the kill were sent again, same webhook-id)",
		posts, time.Since(killed).Round(100*time.Millisecond), requests)
	mu.Unlock()
	logMu.Lock()
	out := logs.String()
	logMu.Unlock()
	if !strings.Contains(out, "deliveries of a stopped process recovered") || !strings.Contains(out, "delivery recovered") {
		t.Errorf("the recovery is not logged:\n%s", out)
	}
	if strings.Contains(out, "retries exhausted") || strings.Contains(out, "kept as a dead letter") {
		t.Errorf("a delivery cut off by the kill failed:\n%s", out)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
