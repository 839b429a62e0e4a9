package pipeline_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/matcher/lang"
	"github.com/earshothq/earshot/metrics"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/pipeline"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/store"
)

func TestCanonicalURL(t *testing.T) {
	same := [][]string{
		{"https://www.example.com/a/b/", "http://example.com/a/b", "https://example.com:443/a/b?utm_source=reddit&utm_medium=social#top", "https://EXAMPLE.com/a/b?fbclid=x"},
		{"https://example.com/p?id=2&x=1", "https://example.com/p?x=1&id=2&gclid=zz"},
		{"https://example.com/", "https://www.example.com"},
	}
	for _, group := range same {
		for _, u := range group[1:] {
			if a, b := pipeline.CanonicalURL(group[0]), pipeline.CanonicalURL(u); a != b || a == "" {
				t.Errorf("%s → %q, %s → %q: want the same page", group[0], a, u, b)
			}
		}
	}
	differ := [][2]string{
		{"https://example.com/a", "https://example.com/b"},
		{"https://example.com/p?id=1", "https://example.com/p?id=2"},
		{"https://example.com/A", "https://example.com/a"},
		{"https://blog.example.com/a", "https://example.com/a"},
		{"https://example.com:8080/a", "https://example.com/a"},
	}
	for _, d := range differ {
		if pipeline.CanonicalURL(d[0]) == pipeline.CanonicalURL(d[1]) {
			t.Errorf("%s and %s are different pages", d[0], d[1])
		}
	}
	for _, bad := range []string{"", "/relative", "mailto:x@example.com", "ftp://example.com/a"} {
		if c := pipeline.CanonicalURL(bad); c != "" {
			t.Errorf("%q → %q, want \"\"", bad, c)
		}
	}
}

func link(id, subreddit, target string, story ...string) models.Post {
	p := post(id, "Looking for a social listening tool")
	p.URL = "https://www.reddit.com/r/" + subreddit + "/comments/" + id
	p.Story = append([]string{target}, story...)
	return p
}

func TestOneStoryOnce(t *testing.T) {
	ctx := context.Background()
	scanOf := func(t *testing.T, e env, postID string) *models.Scan {
		t.Helper()
		s, err := e.st.GetScan(ctx, "acme", "leads", store.ScanID(postID))
		if err != nil {
			t.Fatalf("scan of %s: %v", postID, err)
		}
		return s
	}
	pendingTasks := func(t *testing.T, e env) int {
		t.Helper()
		tasks, err := e.insp.ListPendingTasks(notify.QueueDeliveries)
		if err != nil {
			t.Fatal(err)
		}
		return len(tasks)
	}
	tests := []struct {
		name  string
		polls [][]models.Post
		// delivered marks the first Scan's delivery attempted after the
		// first poll.
		delivered  bool
		wantNew    int
		wantListed []models.Sighting
		wantDups   int
	}{
		{
			name: "the same link in two subreddits, tracking parameters aside",
			polls: [][]models.Post{
				{link("t3_a", "marketing", "https://www.example.com/launch/?utm_source=reddit")},
				{link("t3_b", "smallbusiness", "http://example.com/launch")},
			},
			wantNew: 1, wantDups: 1,
			wantListed: []models.Sighting{{Type: models.PostRedditLink, ID: "t3_b", URL: "https://www.reddit.com/r/smallbusiness/comments/t3_b"}},
		},
		{
			name: "a crosspost of a self post",
			polls: [][]models.Post{
				{post("t3_p", "Looking for a social listening tool")},
				{func() models.Post {
					p := post("t3_x", "Looking for a social listening tool")
					p.Story = []string{models.StoryPost("REDDIT", "t3_p")}
					return p
				}()},
			},
			wantNew: 1, wantDups: 1,
			wantListed: []models.Sighting{{Type: models.PostRedditLink, ID: "t3_x", URL: "https://www.reddit.com/r/x/comments/t3_x"}},
		},
		{
			name: "both in one read, and read again",
			polls: [][]models.Post{
				{link("t3_a", "marketing", "https://example.com/launch"), link("t3_b", "smallbusiness", "https://example.com/launch")},
				{link("t3_a", "marketing", "https://example.com/launch"), link("t3_b", "smallbusiness", "https://example.com/launch")},
			},
			wantNew: 1, wantDups: 2,
			wantListed: []models.Sighting{{Type: models.PostRedditLink, ID: "t3_b", URL: "https://www.reddit.com/r/smallbusiness/comments/t3_b"}},
		},
		{
			name: "a later sighting, once the story was delivered, is dropped",
			polls: [][]models.Post{
				{link("t3_a", "marketing", "https://example.com/launch")},
				{link("t3_b", "smallbusiness", "https://example.com/launch")},
			},
			delivered: true,
			wantNew:   1, wantDups: 1,
		},
		{
			name: "different pages are different stories",
			polls: [][]models.Post{
				{link("t3_a", "marketing", "https://example.com/launch")},
				{link("t3_b", "marketing", "https://example.com/pricing")},
			},
			wantNew: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			src := sources.Func(func(ctx context.Context, m *models.Manager, cur json.RawMessage) (sources.Result, error) {
				posts := tt.polls[min(n, len(tt.polls)-1)]
				n++
				return sources.Result{Posts: posts}, nil
			})
			e := setup(t, src)
			reg := prometheus.NewRegistry()
			e.poller.Metrics = metrics.NewPipeline(reg, metrics.NewSources(reg))
			var total pipeline.Stats
			for i := range tt.polls {
				st, err := e.poller.Poll(ctx, "acme", "leads")
				if err != nil {
					t.Fatal(err)
				}
				total.New += st.New
				total.Duplicates += st.Duplicates
				if i == 0 && tt.delivered {
					first := tt.polls[0][0]
					name := models.ScanName("acme", "leads", store.ScanID(first.ID))
					ref := store.DeliveryRef{Namespace: "acme", Connection: "crm", ID: notify.WebhookID(name, "namespaces/acme/connections/crm")}
					if _, err := e.st.FinishAttempt(ctx, store.AttemptFinish{Ref: ref, State: models.DeliveryDelivered,
						Attempt: &models.Attempt{Time: time.Now(), StatusCode: 200}, Retention: time.Hour, PrevState: models.DeliveryPending}); err != nil {
						t.Fatal(err)
					}
				}
			}
			if total.New != tt.wantNew || total.Duplicates != tt.wantDups {
				t.Errorf("new %d, duplicates %d; want %d, %d", total.New, total.Duplicates, tt.wantNew, tt.wantDups)
			}
			listed := testutil.ToFloat64(e.poller.Metrics.Duplicates.WithLabelValues("reddit", "listed"))
			dropped := testutil.ToFloat64(e.poller.Metrics.Duplicates.WithLabelValues("reddit", "dropped"))
			if int(listed+dropped) != tt.wantDups || tt.delivered && dropped != 1 {
				t.Errorf("earshot_duplicates_total listed %v dropped %v", listed, dropped)
			}
			if got := pendingTasks(t, e); got != tt.wantNew {
				t.Errorf("%d deliveries, want one per story (%d)", got, tt.wantNew)
			}
			first := scanOf(t, e, tt.polls[0][0].ID)
			got, _ := json.Marshal(first.Post.Duplicates)
			want, _ := json.Marshal(tt.wantListed)
			if string(got) != string(want) {
				t.Errorf("post.duplicates = %s, want %s", got, want)
			}
			body, err := models.ScanEventBody(must(json.Marshal(first)))
			if err != nil {
				t.Fatal(err)
			}
			var ev struct {
				Post struct {
					Duplicates []models.Sighting `json:"duplicates"`
				} `json:"post"`
			}
			_ = json.Unmarshal(body, &ev)
			if len(ev.Post.Duplicates) != len(tt.wantListed) {
				t.Errorf("the webhook body lists %d duplicates, want %d", len(ev.Post.Duplicates), len(tt.wantListed))
			}
		})
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestMatchedPostsCarryALanguage: a Reddit post names no language; its
// Scan (and so the payload) carries the detected one.
func TestMatchedPostsCarryALanguage(t *testing.T) {
	p := post("t3_l", "Looking for a social listening tool for our small team")
	src := sources.Func(func(ctx context.Context, m *models.Manager, cur json.RawMessage) (sources.Result, error) {
		return sources.Result{Posts: []models.Post{p}}, nil
	})
	e := setup(t, src)
	e.poller.Matcher = matcher.New(matcher.Options{Lang: lang.New()})
	if _, err := e.poller.Poll(context.Background(), "acme", "leads"); err != nil {
		t.Fatal(err)
	}
	s, err := e.st.GetScan(context.Background(), "acme", "leads", store.ScanID("t3_l"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Post.Lang != "en" {
		t.Errorf("post.lang = %q, want en", s.Post.Lang)
	}
}
