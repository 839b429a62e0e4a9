package notify_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
)

// TestKilledMidDeliveryLosesNothing runs `earshot serve` on a real Redis,
// kills it with SIGKILL while deliveries are in flight, starts it again,
// and checks that every Scan reaches the receiver at least once. The
// tasks the dead process held come back when their asynq lease lapses
// (about a minute), so this test takes a while.
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
		mu.Lock()
		inflight++
		mu.Unlock()
		time.Sleep(300 * time.Millisecond)
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
  retry_schedule: [1s, 1s, 1s, 1s, 1s]
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
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n, in := requests, inflight
		mu.Unlock()
		if n >= 4 && in > 0 {
			break
		}
		if time.Now().After(deadline) {
			dump()
			t.Fatalf("only %d deliveries in 30 s before the kill", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	mu.Lock()
	before := requests
	mu.Unlock()
	t.Logf("killed after %d deliveries, with deliveries in flight", before)
	if before >= posts {
		t.Fatalf("everything was delivered before the kill; the test proves nothing")
	}

	start()
	opts, _ := redis.ParseURL(redisURL)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	deadline = time.Now().Add(4 * time.Minute)
	for {
		mu.Lock()
		got := len(delivered)
		mu.Unlock()
		scans, err := rdb.Keys(context.Background(), "earshot:scan:acme:leads:*").Result()
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
	t.Logf("all %d delivered, in %d requests (the ones cut off by the kill were sent again, same webhook-id)", posts, requests)
	mu.Unlock()
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
