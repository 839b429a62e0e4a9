package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/pipeline"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/hackernews"
	"github.com/earshothq/earshot/sources/reddit"
	"github.com/earshothq/earshot/store"
)

type streamEnv struct {
	st     *store.Store
	poller *pipeline.Poller
}

func newStreamEnv(t *testing.T, reg sources.Registry) streamEnv {
	t.Helper()
	opts, _ := redis.ParseURL(testredis.Embedded(t))
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	st := store.New(rdb)
	ctx := context.Background()
	if err := st.PutNamespace(ctx, &models.Namespace{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutConnection(ctx, "acme", &models.Connection{ID: "crm", Type: models.ConnectionTypeHTTP, URL: "https://crm.example.com/h"}); err != nil {
		t.Fatal(err)
	}
	client := asynq.NewClientFromRedisClient(rdb)
	t.Cleanup(func() { client.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := notify.New(notify.Options{Store: st, Client: client, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return streamEnv{st: st, poller: &pipeline.Poller{
		Store: st, Sources: reg, Matcher: matcher.New(matcher.Options{Redis: rdb, Logger: log}),
		Enqueuer: svc.Enqueuer(), Logger: log, Retention: time.Hour,
	}}
}

// put stores a MENTIONS manager of the given source watching for keyword.
func (e streamEnv) put(t *testing.T, id string, src models.Source, keyword string) {
	t.Helper()
	m := models.DefaultManager()
	m.ID = id
	m.Source = src
	m.Input.Keywords = []string{keyword}
	m.Input.Focus.Type = "MENTIONS"
	m.Notices = []models.Notice{{Type: models.NoticeTypeHTTP, Connection: "namespaces/acme/connections/crm"}}
	if err := e.st.PutManager(context.Background(), "acme", &m); err != nil {
		t.Fatal(err)
	}
}

// round polls every read once, as the scheduler's ticks would.
func (e streamEnv) round(t *testing.T) ([]pipeline.Read, pipeline.Stats) {
	t.Helper()
	ctx := context.Background()
	all, err := e.st.AllManagers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reads := pipeline.Reads(e.poller.Sources, all)
	var total pipeline.Stats
	for _, r := range reads {
		st, err := e.poller.PollRead(ctx, r.ID)
		if err != nil {
			t.Fatalf("read %s: %v", r.ID, err)
		}
		total.Fetched += st.Fetched
		total.Matched += st.Matched
		total.New += st.New
	}
	return reads, total
}

// hasScan reports whether manager id has a Scan of the post.
func (e streamEnv) hasScan(t *testing.T, id, postID string) bool {
	t.Helper()
	_, err := e.st.GetScan(context.Background(), "acme", id, store.ScanID(postID))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// Managers that watch all of Reddit are served by one reader of /r/all:
// the requests to Reddit are the same for one such manager as for a
// thousand, and each manager gets the posts its own terms match.
func TestAllOfRedditIsReadOnceForEveryManager(t *testing.T) {
	requests := map[int]int{}
	defer func() {
		if requests[1] != requests[1000] {
			t.Errorf("requests to Reddit over two rounds: %d for one manager, %d for 1000", requests[1], requests[1000])
		}
	}()
	for _, n := range []int{1, 1000} {
		t.Run(fmt.Sprint(n, " managers"), func(t *testing.T) {
			fake := fakes.NewReddit()
			defer fake.Close()
			e := newStreamEnv(t, sources.Registry{reddit.Type: reddit.New(reddit.Config{BaseURL: fake.URL})})
			for i := range n {
				src := models.Source{Type: reddit.Type}
				if i == 0 {
					src.Include = []string{"posts", "comments"}
				}
				e.put(t, fmt.Sprintf("m%04d", i), src, fmt.Sprintf("widget%04d", i))
			}
			now := time.Now().UTC()
			fake.Add(
				fakes.RedditPost{ID: "1aa", Subreddit: "SaaS", Title: "Anyone tried widget0000?", Author: "a", Created: now.Add(-3 * time.Minute)},
				fakes.RedditPost{ID: "1ab", Subreddit: "marketing", Title: "widget0003 or widget0999 for a small team", Author: "b", Created: now.Add(-2 * time.Minute)},
				fakes.RedditPost{ID: "1ac", Subreddit: "cats", Title: "my cat", Author: "c", Created: now.Add(-time.Minute)},
			)
			fake.AddComments(fakes.RedditComment{ID: "c1", LinkID: "1ac", Subreddit: "cats", Body: "widget0000 and widget0003 are both fine", Author: "d", Created: now.Add(-time.Minute)})

			reads, st := e.round(t)
			if len(reads) != 1 {
				t.Fatalf("%d reads, want one for every all-of-Reddit manager", len(reads))
			}
			if got, want := fake.Paths(), []string{"/r/all/new.json", "/r/all/comments.json"}; !slices.Equal(got, want) {
				t.Errorf("requests %v, want %v", got, want)
			}
			if st.Fetched != 4 {
				t.Errorf("fetched %d, want 4", st.Fetched)
			}
			want := map[string][]string{
				"m0000": {"t3_1aa", "t1_c1"},
				"m0003": {"t3_1ab"}, // the comment is not for a manager that reads posts only
				"m0999": {"t3_1ab"},
			}
			for id, posts := range want {
				if id >= fmt.Sprintf("m%04d", n) {
					continue
				}
				for _, p := range posts {
					if !e.hasScan(t, id, p) {
						t.Errorf("%s has no Scan of %s", id, p)
					}
				}
			}
			if e.hasScan(t, "m0000", "t3_1ab") || e.hasScan(t, "m0003", "t1_c1") || e.hasScan(t, "m0001", "t3_1aa") {
				t.Error("a manager got a post its terms do not match, or an item it does not read")
			}
			// The next round reads on from the stream's cursor.
			if _, st := e.round(t); st.Fetched != 0 || st.New != 0 {
				t.Errorf("second round: %+v, want nothing new", st)
			}
			requests[n] = len(fake.Paths())
		})
	}
}

// Managers with subreddits share multireddit reads whose number follows
// the distinct subreddits, not the managers; each manager gets only the
// posts of its own subreddits.
func TestSubredditManagersShareMultiredditReads(t *testing.T) {
	fake := fakes.NewReddit()
	defer fake.Close()
	e := newStreamEnv(t, sources.Registry{reddit.Type: reddit.New(reddit.Config{BaseURL: fake.URL})})
	subs := []string{"marketing", "saas", "startups", "smallbusiness", "sales", "crm", "seo", "ppc", "ecommerce", "entrepreneur"}
	watch := map[string][]string{}
	for i := range 200 {
		mine := []string{subs[i%len(subs)], subs[(i*3+1)%len(subs)]}
		id := fmt.Sprintf("m%03d", i)
		watch[id] = mine
		e.put(t, id, models.Source{Type: reddit.Type, Settings: models.SettingsOf(map[string]any{"subreddits": mine})}, "widget")
	}
	now := time.Now().UTC()
	for i, s := range subs {
		fake.Add(fakes.RedditPost{ID: fmt.Sprintf("2a%d", i), Subreddit: s, Title: "widget talk in " + s, Author: "a", Created: now.Add(-time.Minute)})
	}
	fake.Add(fakes.RedditPost{ID: "2zz", Subreddit: "unwatched", Title: "widget talk elsewhere", Author: "a", Created: now.Add(-time.Minute)})

	reads, _ := e.round(t)
	if len(reads) != 1 || len(fake.Paths()) != 1 {
		t.Fatalf("%d reads, %d requests (%v), want one multireddit read", len(reads), len(fake.Paths()), fake.Paths())
	}
	for id, mine := range watch {
		for i, s := range subs {
			if got, want := e.hasScan(t, id, fmt.Sprintf("t3_2a%d", i)), slices.Contains(mine, s); got != want {
				t.Errorf("%s (watching %v): Scan of r/%s = %v, want %v", id, mine, s, got, want)
			}
		}
	}
}

// Hacker News managers without a query of their own share one reader of
// every new story and comment.
func TestHackerNewsManagersShareOneRead(t *testing.T) {
	fake := fakes.NewHackerNews()
	defer fake.Close()
	e := newStreamEnv(t, sources.Registry{hackernews.Type: hackernews.New(hackernews.Config{BaseURL: fake.URL + "/api/v1"})})
	for i := range 100 {
		e.put(t, fmt.Sprintf("m%03d", i), models.Source{Type: hackernews.Type}, fmt.Sprintf("gadget%03d", i))
	}
	e.put(t, "own", models.Source{Type: hackernews.Type, Settings: models.SettingsOf(map[string]any{"query": "gadget042"})}, "gadget042")
	now := time.Now().UTC()
	fake.Add(
		fakes.HNItem{ID: 11, Title: "Show HN: gadget042", Author: "a", Created: now.Add(-2 * time.Minute)},
		fakes.HNItem{ID: 12, Comment: true, StoryID: 11, Text: "gadget007 does the same", Author: "b", Created: now.Add(-time.Minute)},
	)
	reads, _ := e.round(t)
	if len(reads) != 2 || len(fake.Requests()) != 2 {
		t.Fatalf("%d reads, %d requests, want two (every new item, and the one query)", len(reads), len(fake.Requests()))
	}
	for _, q := range fake.Requests() {
		if q.Get("query") != "" && q.Get("query") != "gadget042" {
			t.Errorf("search %q", q.Get("query"))
		}
	}
	for _, c := range []struct {
		manager, post string
		want          bool
	}{
		{"m042", "11", true}, {"m007", "12", true}, {"own", "11", true}, {"m007", "11", false}, {"own", "12", false},
	} {
		if got := e.hasScan(t, c.manager, c.post); got != c.want {
			t.Errorf("%s: Scan of %s = %v, want %v", c.manager, c.post, got, c.want)
		}
	}
}

// shared is a source whose managers with the same feed share a read.
type shared struct {
	polls atomic.Int32
	poll  func(m *models.Manager, cur json.RawMessage) (sources.Result, error)
}

func (s *shared) Poll(_ context.Context, m *models.Manager, cur json.RawMessage) (sources.Result, error) {
	s.polls.Add(1)
	return s.poll(m, cur)
}

func (s *shared) StreamKey(m *models.Manager) string {
	st, _ := sources.Settings[struct {
		Feed string `json:"feed"`
	}](m)
	return st.Feed
}

// A shared read's cursor moves only after every manager's Scans are
// stored and enqueued; a failed read moves nothing, and the next one reads
// the same posts again for every manager.
func TestSharedReadCursor(t *testing.T) {
	fail := false
	src := &shared{poll: func(m *models.Manager, cur json.RawMessage) (sources.Result, error) {
		if fail {
			return sources.Result{}, errors.New("feed: 503")
		}
		n := 0
		if cur != nil {
			_ = json.Unmarshal(cur, &n)
		}
		p := post(fmt.Sprintf("x%d", n), "social listening and brand monitoring")
		return sources.Result{Posts: []models.Post{p}, Cursor: json.RawMessage(fmt.Sprint(n + 1))}, nil
	}}
	e := newStreamEnv(t, sources.Registry{"FEED": src})
	feed := models.Source{Type: "FEED", Settings: models.SettingsOf(map[string]any{"feed": "one"})}
	e.put(t, "a", feed, "social listening")
	e.put(t, "b", feed, "brand monitoring")
	e.put(t, "c", models.Source{Type: "FEED", Settings: models.SettingsOf(map[string]any{"feed": "two"})}, "social listening")
	ctx := context.Background()
	id := "FEED/one"
	// Each read an hour after the last, past any backoff of a failure.
	now := time.Now()
	e.poller.Now = func() time.Time { now = now.Add(time.Hour); return now }

	if reads, _ := e.round(t); len(reads) != 2 || src.polls.Load() != 2 {
		t.Fatalf("%d reads, %d polls, want 2 (one per feed)", len(reads), src.polls.Load())
	}
	if !e.hasScan(t, "a", "x0") || !e.hasScan(t, "b", "x0") {
		t.Fatal("both managers of the feed must have the post")
	}
	if cur, _ := e.st.StreamCursor(ctx, id); string(cur) != "1" {
		t.Fatalf("stream cursor %s, want 1", cur)
	}
	fail = true
	if _, err := e.poller.PollRead(ctx, id); !errors.Is(err, pipeline.ErrSourceFailed) {
		t.Fatalf("err = %v", err)
	}
	if cur, _ := e.st.StreamCursor(ctx, id); string(cur) != "1" {
		t.Errorf("a failed read moved the cursor to %s", cur)
	}
	// Every manager of the read says it is failing; the other feed's not.
	for _, c := range []struct {
		id      string
		failing bool
	}{{"a", true}, {"b", true}, {"c", false}} {
		m, _ := e.st.GetManager(ctx, "acme", c.id)
		s, err := e.st.ManagerStatus(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.State == models.ManagerFailing; got != c.failing {
			t.Errorf("%s: state %s, failing want %v", c.id, s.State, c.failing)
		}
	}
	// Polling one manager of a stream polls the stream, for all of them.
	fail = false
	if _, err := e.poller.Poll(ctx, "acme", "b"); err != nil {
		t.Fatal(err)
	}
	if !e.hasScan(t, "a", "x1") || !e.hasScan(t, "b", "x1") {
		t.Error("the stream's next post must reach both managers")
	}
	// A manager removed from the stream takes effect at the next read.
	if err := e.st.DeleteManager(ctx, "acme", "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.poller.PollRead(ctx, id); err != nil {
		t.Fatal(err)
	}
	if e.hasScan(t, "a", "x2") || !e.hasScan(t, "b", "x2") {
		t.Error("a deleted manager still matched, or the other did not")
	}
}
