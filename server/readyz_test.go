package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/internal/testserver"
)

// A source that stays down: its manager says FAILING with the error, it is
// polled no more until its backoff is over (not at every 1 s tick), and
// /readyz says the process is degraded, naming no namespace.
func TestFailingSourceIsReportedAndBacksOff(t *testing.T) {
	var hits atomic.Int32
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "upstream down", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	yaml := fmt.Sprintf(`
redis: {url: %q}
sources:
  reddit: {base_url: %s, user_agent: "earshot-test/1.0"}
namespaces:
  - id: acme
    api_keys: ["acme-test-key-0123456789"]
    managers:
      - id: leads
        schedule: "@every 1s"
        source: {type: REDDIT, subreddits: [marketing]}
        input: {keywords: ["social listening"], focus: {type: SALES}}
`, testredis.Embedded(t), down.URL)
	cfg, err := config.Parse("test.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	p := testserver.Start(t, cfg)

	get := func(path string, key string) map[string]any {
		req, _ := http.NewRequest("GET", p.URL+path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s", path, resp.Status)
		}
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	var status map[string]any
	deadline := time.Now().Add(45 * time.Second)
	for {
		m := get("/v1/namespaces/acme/managers/leads", "acme-test-key-0123456789")
		status, _ = m["status"].(map[string]any)
		if status["state"] == "FAILING" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("manager never FAILING: %v", m["status"])
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status["lastError"] == "" || status["nextPollTime"] == nil || status["lastSuccessTime"] != nil {
		t.Errorf("status %v", status)
	}
	ready := get("/readyz", "")
	if ready["status"] != "degraded" || ready["failingManagers"] != 1.0 || ready["failingSince"] == nil {
		t.Errorf("readyz %v", ready)
	}
	// Three more ticks go by without a poll: the next is a minute away.
	before := hits.Load()
	time.Sleep(3500 * time.Millisecond)
	if after := hits.Load(); after != before {
		t.Errorf("the failing source was read %d more times within 3.5 s of 1 s ticks", after-before)
	}
}
