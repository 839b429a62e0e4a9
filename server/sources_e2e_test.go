package server_test

import (
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
)

const (
	xToken  = "x-e2e-bearer-token-7f3a"
	fbToken = "EAAG-e2e-facebook-token-91bc"
)

// sourceConfig is a configuration with one manager, "monitor", of the
// given source, looking for mentions of "earshot", delivering to rcv.
func sourceConfig(t *testing.T, redisURL, sourcesYAML, sourceYAML, receiverURL string) *config.Config {
	t.Helper()
	yaml := fmt.Sprintf(`
listen: "127.0.0.1:0"
redis:
  url: %q
delivery:
  timeout: 2s
  retry_schedule: [1s, 1s]
  allow_private_targets: true
sources:
%s
namespaces:
  - id: acme
    api_keys: ["acme-test-key-0123456789"]
    connections:
      - id: crm
        type: HTTP_CONNECTION
        url: %s/webhooks/earshot
        secret: %q
    managers:
      - id: monitor
        schedule: "@every 1s"
        source: %s
        input:
          keywords: ["earshot"]
          focus: {type: MENTIONS}
        notices:
          - {connection: namespaces/acme/connections/crm}
`, redisURL, sourcesYAML, receiverURL, testSecret, sourceYAML)
	cfg, err := config.Parse("test.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// platform is a fake API with posts to publish.
type platform struct {
	name    string
	sources func(url string) string // the sources: section
	source  string                  // the manager's source
	start   func() (url string, stop func(), publish func(id int, text string, at time.Time) string)
	postTyp string
}

var platforms = []platform{
	{
		name:    "twitter",
		sources: func(u string) string { return fmt.Sprintf("  twitter: {base_url: %q, bearer_token: %q}", u, xToken) },
		source:  "{type: TWITTER, backfill: 24h}",
		postTyp: "TWITTER_TWEET",
		start: func() (string, func(), func(int, string, time.Time) string) {
			x := fakes.NewTwitter(xToken)
			return x.URL, x.Close, func(id int, text string, at time.Time) string {
				tw := fakes.Tweet{ID: fakes.SnowflakeID(at, id), Text: text, AuthorID: "42", Username: "dana", Name: "Dana", Created: at, Lang: "en"}
				x.Add(tw)
				return tw.ID
			}
		},
	},
	{
		name: "facebook",
		sources: func(u string) string {
			return fmt.Sprintf("  facebook: {base_url: %q, access_token: %q}", u+"/v21.0", fbToken)
		},
		source:  "{type: FACEBOOK, pages: [acmeinc], backfill: 24h}",
		postTyp: "FACEBOOK_POST",
		start: func() (string, func(), func(int, string, time.Time) string) {
			fb := fakes.NewFacebook(fbToken)
			return fb.URL, fb.Close, func(id int, text string, at time.Time) string {
				p := fakes.FacebookPost{ID: fmt.Sprintf("104958162837_%d", 5000+id), Page: "acmeinc", Message: text,
					FromID: "104958162837", FromName: "Acme", Created: at}
				fb.Add(p)
				return p.ID
			}
		},
	},
	{
		name:    "hackernews",
		sources: func(u string) string { return fmt.Sprintf("  hackernews: {base_url: %q}", u+"/api/v1") },
		source:  "{type: HACKERNEWS, backfill: 24h}",
		postTyp: "HACKERNEWS_COMMENT",
		start: func() (string, func(), func(int, string, time.Time) string) {
			hn := fakes.NewHackerNews()
			return hn.URL, hn.Close, func(id int, text string, at time.Time) string {
				it := fakes.HNItem{ID: int64(40000000 + id), Comment: true, Author: "pg_fan", Text: text, StoryID: 39999999, Created: at}
				hn.Add(it)
				return fmt.Sprint(it.ID)
			}
		},
	},
}

func TestServeDeliversMatchingPostsOfEverySourceOnce(t *testing.T) {
	for _, p := range platforms {
		for _, b := range testredis.Backends() {
			t.Run(p.name+"/"+b.Name, func(t *testing.T) {
				redisURL := b.URL(t)
				apiURL, stopAPI, publish := p.start()
				defer stopAPI()
				rcv := fakes.NewReceiver()
				defer rcv.Close()

				now := time.Now().UTC().Truncate(time.Second)
				want := map[string]bool{
					publish(1, "Has anyone tried Earshot for social listening?", now.Add(-10*time.Minute)): true,
					publish(2, "Earshot's webhooks are signed, nice", now.Add(-5*time.Minute)):             true,
				}
				publish(3, "Nothing to see here", now.Add(-4*time.Minute))
				publish(4, "earshot, but two days ago", now.Add(-48*time.Hour))

				start(t, sourceConfig(t, redisURL, p.sources(apiURL), p.source, rcv.URL))
				rcv.WaitFor(2, 20*time.Second)
				// Later polls find nothing new…
				time.Sleep(2500 * time.Millisecond)
				// …until a new matching post.
				want[publish(5, "Switched our brand monitoring to earshot", time.Now().UTC())] = true
				rcv.WaitFor(3, 20*time.Second)
				time.Sleep(2500 * time.Millisecond)
				got := rcv.Requests()

				seen := map[string]int{}
				for _, req := range got {
					var ev struct {
						Type string `json:"type"`
						Name string `json:"name"`
						Post struct {
							Type string `json:"type"`
							ID   string `json:"id"`
							Time string `json:"time"`
							URL  string `json:"url"`
							Text string `json:"text"`
							User struct{ ID, Name, URL *string }
						} `json:"post"`
					}
					if err := json.Unmarshal(req.Body, &ev); err != nil {
						t.Fatalf("payload: %v\n%s", err, req.Body)
					}
					seen[ev.Post.ID]++
					if ev.Type != "SCAN" || ev.Post.Type != p.postTyp || !strings.HasPrefix(ev.Name, "namespaces/acme/managers/monitor/scans/") {
						t.Errorf("delivery type %s, post.type %s, name %s", ev.Type, ev.Post.Type, ev.Name)
					}
					if ev.Post.Time == "" || ev.Post.URL == "" || ev.Post.User.ID == nil || ev.Post.User.Name == nil || ev.Post.User.URL == nil {
						t.Errorf("contract fields missing: %s", req.Body)
					}
					verify(t, req)
				}
				for id, n := range seen {
					if !want[id] {
						t.Errorf("post %s delivered but does not match", id)
					}
					if n != 1 {
						t.Errorf("post %s delivered %d times", id, n)
					}
				}
				if len(seen) != len(want) {
					t.Errorf("delivered %v, want each of %v once", seen, want)
				}
			})
		}
	}
}

func TestIngestedPostsAreDeliveredOnce(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			rcv := fakes.NewReceiver()
			defer rcv.Close()
			base := testserver.Start(t, sourceConfig(t, b.URL(t), "  {}", "{type: INGEST}", rcv.URL)).URL
			push := func(body string) (int, string) {
				t.Helper()
				req, _ := http.NewRequest("POST", base+"/v1/namespaces/acme/posts:ingest", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer acme-test-key-0123456789")
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			now := time.Now().UTC().Format(time.RFC3339)
			post := func(id, typ, text string) string {
				return fmt.Sprintf(`{"type":%q,"time":%q,"id":%q,"text":%q,"url":"https://example.com/%s","user":{"id":"u1","name":"dana","url":"https://example.com/u/dana"}}`,
					typ, now, id, text, id)
			}
			// A bad batch is refused whole: its good posts are not delivered.
			code, body := push("[" + post("p0", "RSS_ITEM", "earshot mention in a refused batch") + `,{"type":"RSS_ITEM","id":"p9","text":"x"}]`)
			if code != 400 || !strings.Contains(body, `"[1].time"`) {
				t.Fatalf("bad batch: %d %s", code, body)
			}
			batch := "[" + post("p1", "TWITTER_TWEET", "Earshot looks great") + "," +
				post("p2", "RSS_ITEM", "nothing relevant") + "," +
				post("p3", "FACEBOOK_POST", "we moved to earshot") + "]"
			code, body = push(batch)
			if code != 200 || body != `{"acceptedCount":3,"managerCount":1,"matchCount":2,"scanCount":2}`+"\n" {
				t.Fatalf("good batch: %d %s", code, body)
			}
			// The same batch again creates nothing new.
			if code, body = push(batch); code != 200 || !strings.Contains(body, `"scanCount":0`) {
				t.Fatalf("batch again: %d %s", code, body)
			}
			rcv.WaitFor(2, 20*time.Second)
			time.Sleep(2 * time.Second)
			got := map[string]string{}
			for _, req := range rcv.Requests() {
				var ev struct {
					Post struct{ ID, Type string } `json:"post"`
				}
				_ = json.Unmarshal(req.Body, &ev)
				if _, dup := got[ev.Post.ID]; dup {
					t.Errorf("post %s delivered twice", ev.Post.ID)
				}
				got[ev.Post.ID] = ev.Post.Type
				verify(t, req)
			}
			if want := map[string]string{"p1": "TWITTER_TWEET", "p3": "FACEBOOK_POST"}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("delivered %v, want %v", got, want)
			}
		})
	}
}
