package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/pipeline"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/store"
)

func post(id, title string) models.Post {
	return models.Post{Type: models.PostRedditLink, ID: id, Title: title, Text: "any recommendations?",
		Time: models.NewTimestamp(time.Now()), URL: "https://www.reddit.com/r/x/comments/" + id,
		User: models.User{Name: "u"}}
}

type env struct {
	st     *store.Store
	poller *pipeline.Poller
	insp   *asynq.Inspector
}

func setup(t *testing.T, src sources.Source) env {
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
	m := models.DefaultManager()
	m.ID = "leads"
	m.Source = models.Source{Type: "REDDIT", Settings: models.SettingsOf(map[string]any{"subreddits": []string{"x"}})}
	m.Input.Keywords = []string{"social listening"}
	m.Input.Focus.Type = "SALES"
	m.Notices = []models.Notice{{Type: models.NoticeTypeHTTP, Connection: "namespaces/acme/connections/crm"}}
	if err := st.PutManager(ctx, "acme", &m); err != nil {
		t.Fatal(err)
	}
	client := asynq.NewClientFromRedisClient(rdb)
	t.Cleanup(func() { client.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := notify.New(notify.Options{Store: st, Client: client, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return env{
		st: st,
		poller: &pipeline.Poller{
			Store:     st,
			Sources:   sources.Registry{"REDDIT": src},
			Matcher:   matcher.New(matcher.Options{Redis: rdb, Logger: log}),
			Enqueuer:  svc.Enqueuer(),
			Logger:    log,
			Retention: time.Hour,
		},
		insp: asynq.NewInspectorFromRedisClient(rdb),
	}
}

func TestPollIsIdempotentAcrossCrashes(t *testing.T) {
	// The source returns the same posts every time and its cursor is never
	// stored (as after a crash between hand-on and cursor write).
	posts := []models.Post{post("t3_a", "Looking for a social listening tool"), post("t3_b", "Unrelated")}
	src := sources.Func(func(ctx context.Context, m *models.Manager, cur json.RawMessage) (sources.Result, error) {
		return sources.Result{Posts: posts}, nil
	})
	e := setup(t, src)
	ctx := context.Background()
	for i := range 3 {
		st, err := e.poller.Poll(ctx, "acme", "leads")
		if err != nil {
			t.Fatal(err)
		}
		if st.Fetched != 2 || st.Matched != 1 {
			t.Fatalf("poll %d: %+v", i, st)
		}
		if want := map[bool]int{true: 1, false: 0}[i == 0]; st.New != want {
			t.Errorf("poll %d: %d new scans, want %d", i, st.New, want)
		}
	}
	tasks, err := e.insp.ListPendingTasks(notify.QueueDeliveries)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 1 {
		t.Errorf("%d delivery tasks, want 1", len(tasks))
	}
}

func TestFailedPollKeepsCursor(t *testing.T) {
	calls := 0
	src := sources.Func(func(ctx context.Context, m *models.Manager, cur json.RawMessage) (sources.Result, error) {
		calls++
		switch calls {
		case 1:
			return sources.Result{Posts: []models.Post{post("t3_a", "social listening?")}, Cursor: json.RawMessage(`{"n":1}`)}, nil
		case 2:
			return sources.Result{}, errors.New("reddit: GET /r/x/new: server error 503")
		default:
			return sources.Result{}, &sources.RateLimitError{Source: "reddit", Until: time.Now().Add(time.Minute)}
		}
	})
	e := setup(t, src)
	// Each poll an hour after the last, past any backoff of the failure.
	now := time.Now()
	e.poller.Now = func() time.Time { now = now.Add(time.Hour); return now }
	ctx := context.Background()
	if _, err := e.poller.Poll(ctx, "acme", "leads"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"server error", "rate limited"} {
		if _, err := e.poller.Poll(ctx, "acme", "leads"); err == nil {
			t.Fatalf("%s: poll succeeded", name)
		}
		cur, err := e.st.Cursor(ctx, "acme", "leads")
		if err != nil {
			t.Fatal(err)
		}
		if string(cur) != `{"n":1}` {
			t.Errorf("%s: cursor = %s, want the last good one", name, cur)
		}
	}
}

func TestDisabledOrDeletedManagerIsNotPolled(t *testing.T) {
	src := sources.Func(func(ctx context.Context, m *models.Manager, cur json.RawMessage) (sources.Result, error) {
		t.Error("source called")
		return sources.Result{}, nil
	})
	e := setup(t, src)
	ctx := context.Background()
	m, _ := e.st.GetManager(ctx, "acme", "leads")
	m.Enable = false
	if err := e.st.PutManager(ctx, "acme", m); err != nil {
		t.Fatal(err)
	}
	if st, err := e.poller.Poll(ctx, "acme", "leads"); err != nil || !st.Skipped {
		t.Errorf("disabled: %+v %v", st, err)
	}
	if err := e.st.DeleteManager(ctx, "acme", "leads"); err != nil {
		t.Fatal(err)
	}
	if st, err := e.poller.Poll(ctx, "acme", "leads"); err != nil || !st.Skipped {
		t.Errorf("deleted: %+v %v", st, err)
	}
}

func TestCrisisSpikeIsHandedOnOnce(t *testing.T) {
	n := 0
	src := sources.Func(func(ctx context.Context, m *models.Manager, cur json.RawMessage) (sources.Result, error) {
		var posts []models.Post
		for range 6 {
			n++
			p := post(fmt.Sprintf("t3_n%d", n), "Acme outage again, this is terrible and I hate it")
			p.Text = "Awful, broken, worst service ever. Furious."
			posts = append(posts, p)
		}
		return sources.Result{Posts: posts, Cursor: json.RawMessage(`{}`)}, nil
	})
	e := setup(t, src)
	ctx := context.Background()
	m, _ := e.st.GetManager(ctx, "acme", "leads")
	m.Input.Keywords = []string{"acme"}
	m.Input.Focus = models.Focus{Type: "CRISIS", MinPosts: 5, Factor: 3, Window: models.Duration(time.Hour)}
	if err := e.st.PutManager(ctx, "acme", m); err != nil {
		t.Fatal(err)
	}
	var spikes int
	for range 3 {
		st, err := e.poller.Poll(ctx, "acme", "leads")
		if err != nil {
			t.Fatal(err)
		}
		spikes += st.Spikes
	}
	if spikes != 1 {
		t.Fatalf("%d spikes over 3 polls of a surge, want 1 (one per episode)", spikes)
	}
	tasks, err := e.insp.ListPendingTasks(notify.QueueDeliveries)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, task := range tasks {
		var p notify.DeliverPayload
		_ = json.Unmarshal(task.Payload, &p)
		if p.EventType == models.EventSpike {
			found++
			if !strings.HasPrefix(p.Event, "namespaces/acme/managers/leads/spikes/") {
				t.Errorf("spike name %q", p.Event)
			}
		}
	}
	if found != 1 {
		t.Errorf("%d SPIKE deliveries, want 1", found)
	}
}
