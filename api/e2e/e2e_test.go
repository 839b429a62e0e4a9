// Package e2e tests the REST API end to end: real servers (server.New) on
// one Redis, a fake Reddit and a fake webhook receiver. It is a package of
// its own so that the api package's unit tests do not depend on the whole
// server building.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/internal/testserver"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/server"
)

const acmeKey = "acme-e2e-key-0123456789"

func testConfig(t *testing.T, redisURL, redditURL string) *config.Config {
	t.Helper()
	yaml := fmt.Sprintf(`
listen: "127.0.0.1:0"
redis:
  url: %q
delivery:
  timeout: 2s
  retry_schedule: [1s, 1s, 1s]
  allow_private_targets: true
sources:
  reddit:
    base_url: %s
    user_agent: "earshot-test/1.0"
admin_api_keys: ["admin-e2e-key-0123456789"]
namespaces:
  - id: acme
    api_keys: [%q]
`, redisURL, redditURL, acmeKey)
	cfg, err := config.Parse("test.yaml", []byte(yaml), nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// process is one running earshot.
type process struct {
	srv  *server.Server
	url  string
	stop func()
}

func start(t *testing.T, cfg *config.Config) *process {
	t.Helper()
	p := testserver.Start(t, cfg)
	return &process{srv: p.Server, url: p.URL, stop: p.Stop}
}

// call makes an API request with acme's key and decodes the answer.
func (p *process) call(t *testing.T, method, path, body string, want int) map[string]any {
	t.Helper()
	raw := p.send(t, method, path, body, want)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return out
}

// send makes an API request with acme's key and returns the answer's body
// as it came.
func (p *process) send(t *testing.T, method, path, body string, want int) []byte {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req, _ := http.NewRequest(method, p.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+acmeKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
	}
	return raw
}

// The Advite guide's two calls, verbatim but for the host, and then the
// SCAN of a matching Reddit post delivered to that connection.
func TestAdviteGuideEndToEnd(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			reddit := fakes.NewReddit()
			defer reddit.Close()
			rcv := fakes.NewReceiver()
			defer rcv.Close()
			p := start(t, testConfig(t, b.URL(t), reddit.URL))

			// https://your-server.com is the receiver's host here.
			conn := p.call(t, "POST", "/v1/namespaces/acme/connections", strings.Replace(
				`{"nickname":"My Webhook Receiver","type":"HTTP_CONNECTION","url":"https://your-server.com/webhooks/advite","method":"POST",
 "headers":{"X-Advite-Webhook-Secret":"..."}}`, "https://your-server.com", rcv.URL, 1), 200)
			connName, _ := conn["name"].(string)
			if !strings.HasPrefix(connName, "namespaces/acme/connections/") {
				t.Fatalf("connection name %q", connName)
			}
			mgr := p.call(t, "POST", "/v1/namespaces/acme/managers", `{"nickname":"My Reddit Monitor","type":"FEED_MANAGER","enable":true,"source":{"type":"REDDIT"},
 "input":{"type":"STRUCTURED","urls":["https://mycompany.com"],"focus":{"type":"SALES"}},
 "notices":[{"type":"HTTP_REQUEST","connection":"`+connName+`"}]}`, 200)
			ns, mid, err := models.ParseManagerName(mgr["name"].(string))
			if err != nil || ns != "acme" {
				t.Fatalf("manager name %v", mgr["name"])
			}

			reddit.Add(fakes.RedditPost{ID: "1adv01", Subreddit: "SaaS", Title: "Is MyCompany worth it?",
				Selftext: "Thinking about switching from Hootsuite, any recommendations?", Author: "founder_fran",
				Created: time.Now().UTC().Add(-5 * time.Minute)})
			// The manager polls every minute by default; poll it now rather
			// than wait for the tick (the scheduler's part is the next test's).
			if _, err := p.srv.Poller().Poll(context.Background(), ns, mid); err != nil {
				t.Fatalf("poll: %v", err)
			}
			got := rcv.WaitFor(1, 20*time.Second)
			if len(got) == 0 {
				t.Fatal("no SCAN delivered")
			}
			var ev struct {
				Type string
				Name string
				Post struct{ Type, ID, Title string }
			}
			if err := json.Unmarshal(got[0].Body, &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Type != "SCAN" || !strings.HasPrefix(ev.Name, mgr["name"].(string)+"/scans/") || ev.Post.Type != "REDDIT_LINK" || ev.Post.ID != "t3_1adv01" {
				t.Errorf("delivered %s", got[0].Body)
			}
			if h := got[0].Header.Get("X-Advite-Webhook-Secret"); h != "..." {
				t.Errorf("X-Advite-Webhook-Secret = %q", h)
			}
			if got[0].Header.Get("webhook-signature") == "" {
				t.Error("delivery is not signed")
			}
			// And the scan is listed through the API.
			scans := p.call(t, "GET", "/v1/namespaces/acme/managers/-/scans", "", 200)
			if list, _ := scans["scans"].([]any); len(list) != 1 || list[0].(map[string]any)["name"] != ev.Name {
				t.Errorf("scans = %v", scans)
			}
		})
	}
}

// A manager created and then disabled through one process's API takes
// effect in another process on the same Redis, without a restart.
func TestAPIChangesReachAnotherProcess(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			redisURL := b.URL(t)
			reddit := fakes.NewReddit()
			defer reddit.Close()
			rcv := fakes.NewReceiver()
			defer rcv.Close()
			cfg := testConfig(t, redisURL, reddit.URL)

			worker := start(t, cfg) // the process that must pick the change up
			front := start(t, cfg)  // the process whose API is called
			front.call(t, "POST", "/v1/namespaces/acme/connections?connectionId=crm",
				`{"url":"`+rcv.URL+`/hook"}`, 200)
			front.call(t, "POST", "/v1/namespaces/acme/managers?managerId=leads", `{"schedule":"@every 1s",
 "source":{"type":"REDDIT","subreddits":["marketing"]},
 "input":{"keywords":["social listening"],"focus":{"type":"SALES"}},
 "notices":[{"connection":"namespaces/acme/connections/crm"}]}`, 200)
			// From now on only the worker runs: whatever is polled and
			// delivered, it did.
			front.stop()

			reddit.Add(fakes.RedditPost{ID: "1liv01", Subreddit: "marketing", Title: "Recs needed: social listening tool?",
				Selftext: "Looking for a social listening tool, any recommendations?", Author: "marketing_pro",
				Created: time.Now().UTC().Add(-time.Minute)})
			if got := rcv.WaitFor(1, 20*time.Second); len(got) != 1 {
				t.Fatalf("the other process delivered %d scans, want 1", len(got))
			}

			// Disabling through a new process's API stops the worker's polls.
			front2 := start(t, cfg)
			front2.call(t, "PATCH", "/v1/namespaces/acme/managers/leads", `{"enable":false}`, 200)
			front2.stop()
			// The worker stops polling at its next reload (a poll in flight
			// may still end): within a minute, three seconds pass without a
			// poll. On a busy machine the reload may come late, not never.
			deadline := time.Now().Add(fakes.MinWait)
			for {
				before := reddit.Requests()
				time.Sleep(3 * time.Second)
				after := reddit.Requests()
				if after == before {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the disabled manager was still polled a minute later (%d times in 3 s)", after-before)
				}
			}
			_ = worker
		})
	}
}
