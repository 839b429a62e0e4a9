package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/internal/testserver"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func testConfig(t *testing.T, redisURL, redditURL, receiverURL string) *config.Config {
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
namespaces:
  - id: acme
    api_keys: ["acme-test-key-0123456789"]
    connections:
      - id: crm
        nickname: CRM receiver
        type: HTTP_CONNECTION
        url: %s/webhooks/earshot
        method: POST
        headers: {X-Advite-Webhook-Secret: "${CRM_TOKEN}"}
        secret: %q
    managers:
      - id: reddit-leads
        nickname: My Reddit Monitor
        type: FEED_MANAGER
        enable: true
        schedule: "@every 1s"
        source: {type: REDDIT, subreddits: [marketing, smallbusiness], backfill: 24h}
        input:
          type: STRUCTURED
          urls: [https://mycompany.com]
          keywords: ["social listening", "brand monitoring"]
          focus: {type: SALES}
        notices:
          - {type: HTTP_REQUEST, connection: namespaces/acme/connections/crm}
`, redisURL, redditURL, receiverURL, testSecret)
	env := map[string]string{"CRM_TOKEN": "crm-token-value"}
	cfg, err := config.Parse("test.yaml", []byte(yaml), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// start runs a server until the test ends (or stop is called).
func start(t *testing.T, cfg *config.Config) (stop func()) {
	t.Helper()
	return testserver.Start(t, cfg).Stop
}

func TestServeDeliversMatchingRedditPostsOnce(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			redisURL := b.URL(t)
			reddit := fakes.NewReddit()
			defer reddit.Close()
			rcv := fakes.NewReceiver()
			defer rcv.Close()

			now := time.Now().UTC().Truncate(time.Second)
			reddit.Add(
				fakes.RedditPost{ID: "1abc01", Subreddit: "marketing", Title: "Recs needed: social listening tool?",
					Selftext: "We're looking for a social listening tool under $100/mo. Any recommendations?",
					Author:   "marketing_pro", Created: now.Add(-10 * time.Minute)},
				fakes.RedditPost{ID: "1abc02", Subreddit: "marketing", Title: "Weekly thread",
					Selftext: "Share your wins this week.", Author: "automod", Created: now.Add(-9 * time.Minute)},
				fakes.RedditPost{ID: "1abc00", Subreddit: "smallbusiness", Title: "Looking for social listening",
					Selftext: "old post: any recommendations?", Author: "old", Created: now.Add(-48 * time.Hour)},
			)
			start(t, testConfig(t, redisURL, reddit.URL, rcv.URL))

			got := rcv.WaitFor(1, 20*time.Second)
			if len(got) != 1 {
				t.Fatalf("got %d deliveries, want 1", len(got))
			}
			req := got[0]
			checkPayload(t, req.Body, map[string]any{
				"type": "SCAN",
				"post": map[string]any{
					"type": "REDDIT_LINK", "time": now.Add(-10 * time.Minute).Format(time.RFC3339), "id": "t3_1abc01",
					"title":     "Recs needed: social listening tool?",
					"text":      "We're looking for a social listening tool under $100/mo. Any recommendations?",
					"url":       "https://www.reddit.com/r/marketing/comments/1abc01/post/",
					"subreddit": map[string]any{"id": "t5_marketing", "name": "marketing", "url": "https://www.reddit.com/r/marketing"},
					"user":      map[string]any{"id": "t2_marketing_pro", "name": "marketing_pro", "url": "https://www.reddit.com/user/marketing_pro"},
				},
			})
			if h := req.Header.Get("X-Advite-Webhook-Secret"); h != "crm-token-value" {
				t.Errorf("custom header = %q", h)
			}
			if ct := req.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if ua := req.Header.Get("User-Agent"); !strings.HasPrefix(ua, "Earshot") {
				t.Errorf("User-Agent = %q", ua)
			}
			verify(t, req)

			// Later polls find nothing new.
			polls := reddit.Requests()
			deadline := time.Now().Add(fakes.MinWait)
			for reddit.Requests() < polls+2 && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			if reddit.Requests() < polls+2 {
				t.Fatalf("no further polls")
			}
			time.Sleep(500 * time.Millisecond)
			if n := len(rcv.Requests()); n != 1 {
				t.Fatalf("after more polls: %d deliveries, want still 1", n)
			}

			// A new matching post, and a receiver that fails once.
			rcv.Script(500)
			reddit.Add(fakes.RedditPost{ID: "1abc03", Subreddit: "smallbusiness", Title: "Alternative to Brandwatch?",
				Selftext: "Need brand monitoring that's affordable, any recommendations", Author: "shopowner", Created: time.Now().UTC()})
			got = rcv.WaitFor(3, 20*time.Second)
			if len(got) != 3 {
				t.Fatalf("got %d requests, want 3 (1 + a 500 and its retry)", len(got))
			}
			if got[1].Status != 500 || got[2].Status != 200 {
				t.Errorf("statuses = %d, %d; want 500, 200", got[1].Status, got[2].Status)
			}
			if a, b := got[1].Header.Get("webhook-id"), got[2].Header.Get("webhook-id"); a == "" || a != b {
				t.Errorf("webhook-id changed across retry: %q vs %q", a, b)
			}
			if a, b := got[0].Header.Get("webhook-id"), got[2].Header.Get("webhook-id"); a == b {
				t.Errorf("two scans share webhook-id %q", a)
			}
			var ev struct{ Post struct{ ID string } }
			_ = json.Unmarshal(got[2].Body, &ev)
			if ev.Post.ID != "t3_1abc03" {
				t.Errorf("retried delivery is of %q", ev.Post.ID)
			}
			time.Sleep(1500 * time.Millisecond)
			if n := len(rcv.Requests()); n != 3 {
				t.Errorf("%d requests in the end, want 3", n)
			}
		})
	}
}

// checkPayload compares the SCAN payload with want: every field of want
// must be equal, the scan name must be well formed, and no string field of
// the consumer contract may be missing or null.
func checkPayload(t *testing.T, body []byte, want map[string]any) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("payload is not JSON: %v\n%s", err, body)
	}
	name, _ := got["name"].(string)
	if !strings.HasPrefix(name, "namespaces/acme/managers/reddit-leads/scans/") || len(name) <= len("namespaces/acme/managers/reddit-leads/scans/") {
		t.Errorf("name = %q", name)
	}
	var walk func(path string, want, got any)
	walk = func(path string, want, got any) {
		switch w := want.(type) {
		case map[string]any:
			g, ok := got.(map[string]any)
			if !ok {
				t.Errorf("%s = %v, want an object", path, got)
				return
			}
			for k, v := range w {
				walk(path+"."+k, v, g[k])
			}
		default:
			if fmt.Sprint(want) != fmt.Sprint(got) {
				t.Errorf("%s = %v, want %v", path, got, want)
			}
		}
	}
	walk("$", want, got)
	post, _ := got["post"].(map[string]any)
	user, _ := post["user"].(map[string]any)
	for _, f := range []struct {
		m   map[string]any
		key string
	}{{got, "type"}, {got, "name"}, {post, "type"}, {post, "time"}, {post, "id"}, {post, "url"}, {post, "text"}, {user, "id"}, {user, "name"}, {user, "url"}} {
		if _, ok := f.m[f.key].(string); !ok {
			t.Errorf("required field %q missing or not a string", f.key)
		}
	}
}

// verify checks the Standard Webhooks signature with the reference library.
func verify(t *testing.T, req fakes.Request) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(req.Body, req.Header); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
}
