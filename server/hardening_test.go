package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/internal/testserver"
	"github.com/earshothq/earshot/redisconn"
	"github.com/earshothq/earshot/server"
)

func httpDo(t *testing.T, method, url, key string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// /metrics is served on its own listener, not on the API's, where anyone
// who reaches the API could read every namespace's connection names.
// Known connections' counters are there at zero from the start, with the
// build's info.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	reddit := fakes.NewReddit()
	defer reddit.Close()
	rcv := fakes.NewReceiver()
	defer rcv.Close()
	p := testserver.Start(t, testConfig(t, testredis.Embedded(t), reddit.URL, rcv.URL))

	if code, _, body := httpDo(t, "GET", p.URL+"/metrics", ""); code != http.StatusNotFound {
		t.Errorf("GET /metrics on the API listener: %d %s, want 404", code, body)
	}
	deadline := time.Now().Add(20 * time.Second)
	var body []byte
	for {
		var code int
		code, _, body = httpDo(t, "GET", p.MetricsURL+"/metrics", "")
		if code != http.StatusOK {
			t.Fatalf("GET /metrics on the metrics listener: %d", code)
		}
		if strings.Contains(string(body), `earshot_deliveries_total{connection="namespaces/acme/connections/crm",outcome="delivered"}`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the known connection has no zero series after 20 s:\n%s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{
		`earshot_build_info{goversion="go`,
		`earshot_matches_total{source="reddit"}`,
		`earshot_scans_created_total{source="reddit"}`,
		`earshot_source_posts_fetched_total{source="ingest"} 0`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// Paths outside /v1 answer errors in the API's JSON shape too.
func TestErrorsOutsideV1AreJSON(t *testing.T) {
	reddit := fakes.NewReddit()
	defer reddit.Close()
	rcv := fakes.NewReceiver()
	defer rcv.Close()
	p := testserver.Start(t, testConfig(t, testredis.Embedded(t), reddit.URL, rcv.URL))
	for _, tc := range []struct {
		method, path string
		code         int
		status       string
	}{
		{"GET", "/nothing-here", 404, "NOT_FOUND"},
		// Not a browser: / is the console's only for those who accept HTML.
		{"GET", "/", 404, "NOT_FOUND"},
		{"POST", "/healthz", 405, "UNIMPLEMENTED"},
		{"DELETE", "/readyz", 405, "UNIMPLEMENTED"},
		{"POST", "/openapi.json", 405, "UNIMPLEMENTED"},
	} {
		code, h, body := httpDo(t, tc.method, p.URL+tc.path, "")
		var e struct {
			Error struct {
				Code   int
				Status string
			}
		}
		if code != tc.code || h.Get("Content-Type") != "application/json" || json.Unmarshal(body, &e) != nil || e.Error.Status != tc.status {
			t.Errorf("%s %s: %d %s %s, want %d JSON %s", tc.method, tc.path, code, h.Get("Content-Type"), body, tc.code, tc.status)
		}
		if tc.code == 405 && h.Get("Allow") != "GET" {
			t.Errorf("%s %s: Allow %q", tc.method, tc.path, h.Get("Allow"))
		}
	}
}

// A Redis that comes back empty (no persistence, or flushed) gets the
// configuration file's resources again without a restart: the file's API
// key works again.
func TestConfigAppliedAgainWhenRedisIsEmpty(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			url := b.URL(t)
			reddit := fakes.NewReddit()
			defer reddit.Close()
			rcv := fakes.NewReceiver()
			defer rcv.Close()
			p := testserver.Start(t, testConfig(t, url, reddit.URL, rcv.URL), func(o *server.Options) {
				o.ConfigCheck = 100 * time.Millisecond
			})
			const key = "acme-test-key-0123456789"
			path := p.URL + "/v1/namespaces/acme/connections/crm"
			if code, _, body := httpDo(t, "GET", path, key); code != 200 {
				t.Fatalf("before: %d %s", code, body)
			}
			rdb, err := redisconn.NewClient(url)
			if err != nil {
				t.Fatal(err)
			}
			defer rdb.Close()
			// Every primary, on a Cluster.
			if err := redisconn.ForEachPrimary(context.Background(), rdb, func(ctx context.Context, node *redis.Client) error {
				return node.FlushDB(ctx).Err()
			}); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				code, _, body := httpDo(t, "GET", path, key)
				if code == 200 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("30 s after Redis was emptied the file's key still gets %d %s", code, body)
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// On the embedded Redis, stopping says what is lost with it: the queued
// deliveries and the stored Scans.
func TestEmbeddedShutdownSaysWhatIsDiscarded(t *testing.T) {
	reddit := fakes.NewReddit()
	defer reddit.Close()
	// The receiver fails, so the delivery stays queued for its retry.
	rcv := fakes.NewReceiver(500, 500, 500, 500, 500, 500, 500, 500)
	defer rcv.Close()
	reddit.Add(fakes.RedditPost{ID: "1abc01", Subreddit: "marketing", Title: "Recs needed: social listening tool?",
		Selftext: "We're looking for a social listening tool. Any recommendations?", Author: "a", Created: time.Now().Add(-10 * time.Minute)})
	cfg := testConfig(t, "", reddit.URL, rcv.URL) // no Redis: the embedded one
	var logs syncBuffer
	p := testserver.Start(t, cfg, func(o *server.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	if got := rcv.WaitFor(1, 20*time.Second); len(got) == 0 {
		t.Fatal("no delivery attempt in 20 s")
	}
	p.Stop()
	out := logs.String()
	if !strings.Contains(out, "embedded Redis: discarding its state at exit") || !strings.Contains(out, "queued_deliveries=1") || !strings.Contains(out, "scans=1") {
		t.Errorf("the exit does not say what is discarded:\n%s", out)
	}
}
