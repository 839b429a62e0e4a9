package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/internal/fetch"
	"github.com/earshothq/earshot/sources/internal/sourcetest"
)

var now = time.Date(2026, 6, 13, 12, 15, 0, 0, time.UTC)

type env struct {
	*sourcetest.Env
	src *Source
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	e := &env{Env: sourcetest.NewEnv(now)}
	e.src = New(cfg, e.Options(sources.WithPrivateTargets(true))...)
	return e
}

func manager(s Settings) *models.Manager {
	return sourcetest.Manager("masto", Type, s, "earshot")
}

func TestTagTimelineMapsStatusesAndKeepsBoostedOnce(t *testing.T) {
	api := fakes.NewReplay(t, fakes.Answer{File: "testdata/tag_timeline.json"})
	e := newEnv(t, Config{})
	res, err := e.src.Poll(context.Background(), manager(Settings{Instance: api.URL, Hashtags: []string{"#Earshot"}}), nil)
	if err != nil {
		t.Fatal(err)
	}
	req := api.Requests()[0]
	if req.URL.Path != "/api/v1/timelines/tag/earshot" || req.URL.Query().Get("limit") != "40" {
		t.Errorf("request %s", req.URL)
	}
	if req.Header.Get("Authorization") != "" {
		t.Error("a token was sent to an instance it is not configured for")
	}
	want := []models.Post{
		{Type: PostType, Time: models.NewTimestamp(time.Date(2026, 6, 13, 11, 58, 0, 0, time.UTC)),
			ID: "https://mastodon.social/users/carol/statuses/116709860000000003", Text: "Earshot 1.0 ist da",
			URL:  "https://mastodon.social/@carol/116709860000000003",
			User: models.User{ID: "https://mastodon.social/@carol", Name: "carol", URL: "https://mastodon.social/@carol"}},
		{Type: PostType, Time: models.NewTimestamp(time.Date(2026, 6, 13, 12, 5, 0, 0, time.UTC)),
			ID: "https://fosstodon.org/users/alice/statuses/116709876543210001", Title: "Tool review",
			Text: "Has anyone tried #earshot for social listening?\n\nLooking for a self-hosted tool & webhooks.",
			URL:  "https://fosstodon.org/@alice/116709876543210001",
			User: models.User{ID: "https://fosstodon.org/@alice", Name: "alice@fosstodon.org", URL: "https://fosstodon.org/@alice"}, Lang: "en",
			Story: []string{"https://earshot.example/blog/launch?utm_source=mastodon"}},
	}
	got, _ := json.MarshalIndent(res.Posts, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	if string(got) != string(w) {
		t.Errorf("posts =\n%s\nwant (the boost read as the boosted status, once)\n%s", got, w)
	}
	if len(res.Posts) == 2 && !slices.Equal(res.Posts[1].Story, want[1].Story) {
		t.Errorf("story = %v, want the shared link", res.Posts[1].Story)
	}
}

// sf makes a snowflake id for a status created at t.
func sf(t time.Time, n int64) int64 { return t.UnixMilli()<<16 + n }

func TestCursoringPagesLateStatusesAndRestarts(t *testing.T) {
	m := fakes.NewMastodon()
	defer m.Close()
	e := newEnv(t, Config{MaxPages: 3})
	m.Now = e.Clock.Now
	mgr := manager(Settings{Instance: m.URL, Hashtags: []string{"earshot", "SocialListening"}})
	var want []string
	add := func(s fakes.MastodonStatus) {
		m.Add(s)
		want = append(want, fmt.Sprintf("https://mastodon.example/users/%s/statuses/%d", s.Acct, s.ID))
	}
	m.Add(fakes.MastodonStatus{ID: sf(now.Add(-30*time.Hour), 1), Tags: []string{"earshot"}, Acct: "old", Created: now.Add(-30 * time.Hour)})
	for i := range 100 {
		c := now.Add(-10*time.Hour + time.Duration(i)*time.Minute)
		tags := []string{"earshot"}
		if i%4 == 0 {
			tags = append(tags, "sociallistening") // read by both timelines, returned once
		}
		add(fakes.MastodonStatus{ID: sf(c, int64(i)), Tags: tags, Acct: "u" + fmt.Sprint(i%5), Content: "<p>post</p>", Created: c})
	}
	polls := sourcetest.NewPoller(t, e.src, mgr)
	poll := func() int { return len(polls.Poll()) }
	if n := poll(); n != 100 {
		t.Fatalf("first poll: %d, want 100", n)
	}
	e.Clock.Add(time.Minute)
	// A status federated late (written 10 minutes ago), a new one, and a
	// boost of one already read.
	late := now.Add(-10 * time.Minute)
	add(fakes.MastodonStatus{ID: sf(late, 7), Tags: []string{"earshot"}, Acct: "late", Content: "late", Created: late})
	add(fakes.MastodonStatus{ID: sf(now, 8), Tags: []string{"earshot"}, Acct: "new", Content: "new", Created: now})
	orig := fakes.MastodonStatus{ID: sf(late, 7), Tags: []string{"earshot"}, Acct: "late", Content: "late", Created: late}
	m.Add(fakes.MastodonStatus{ID: sf(now.Add(30*time.Second), 9), Acct: "booster", Created: now.Add(30 * time.Second), BoostOf: &orig, Tags: []string{"earshot"}})
	if n := poll(); n != 2 {
		t.Fatalf("second poll: %d, want the late and the new one", n)
	}
	e.Clock.Add(time.Minute)
	if n := poll(); n != 0 {
		t.Fatalf("third poll: %d, want none", n)
	}
	sourcetest.EachOnce(t, polls.Got, want)
	for _, r := range m.Requests() {
		if r.URL.Query().Get("max_id") != "" && !strings.HasPrefix(r.URL.Path, "/api/v1/timelines/tag/") {
			t.Errorf("followed a Link to %s", r.URL)
		}
	}
}

func TestSearchNeedsTheInstancesToken(t *testing.T) {
	m := fakes.NewMastodon()
	defer m.Close()
	m.Token = "tok-abc"
	c := now.Add(-time.Hour)
	m.Add(fakes.MastodonStatus{ID: sf(c, 1), Acct: "a", Content: "<p>I love Earshot</p>", Language: "en", Created: c})
	mgr := manager(Settings{Instance: m.URL, Query: "earshot"})

	e := newEnv(t, Config{})
	if _, err := e.src.Poll(context.Background(), mgr, nil); !errors.Is(err, ErrNoToken) {
		t.Fatalf("no token: %v, want ErrNoToken", err)
	}
	// A token configured for another instance is not sent to this one.
	e = newEnv(t, Config{AccessToken: "tok-abc"})
	if _, err := e.src.Poll(context.Background(), mgr, nil); !errors.Is(err, ErrNoToken) {
		t.Fatalf("token of mastodon.social: %v, want ErrNoToken", err)
	}
	if len(m.Requests()) != 0 {
		t.Error("searched without a token")
	}
	host := strings.TrimPrefix(m.URL, "http://")
	e = newEnv(t, Config{AccessTokens: map[string]string{host: "tok-abc"}})
	res, err := e.src.Poll(context.Background(), mgr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Posts) != 1 || res.Posts[0].Lang != "en" {
		t.Fatalf("posts %+v", res.Posts)
	}
	q := m.Requests()[0].URL.Query()
	if q.Get("type") != "statuses" || q.Get("q") != "earshot" || q.Get("min_id") == "" {
		t.Errorf("search query %v", q)
	}
	if strings.Contains(e.Logs.String(), "tok-abc") {
		t.Error("token logged")
	}
}

func TestRateLimits(t *testing.T) {
	t.Run("remaining 0 blocks every process until the reset", func(t *testing.T) {
		m := fakes.NewMastodon()
		defer m.Close()
		m.Limit = 1
		e := newEnv(t, Config{})
		m.Now = e.Clock.Now
		mgr := manager(Settings{Instance: m.URL, Hashtags: []string{"earshot"}})
		if _, err := e.src.Poll(context.Background(), mgr, nil); err != nil {
			t.Fatal(err)
		}
		other := New(Config{}, e.Elsewhere(sources.WithPrivateTargets(true))...)
		_, err := other.Poll(context.Background(), mgr, nil)
		var rl *sources.RateLimitError
		if !errors.As(err, &rl) || !rl.Until.Equal(now.Truncate(5*time.Minute).Add(5*time.Minute)) {
			t.Fatalf("error %v, want rate limited until the reset", err)
		}
		if len(m.Requests()) != 1 {
			t.Errorf("%d requests, want 1", len(m.Requests()))
		}
	})
	t.Run("429", func(t *testing.T) {
		api := fakes.NewReplay(t, fakes.Answer{Status: 429, Body: `{"error":"Too many requests"}`, Header: map[string]string{"X-RateLimit-Reset": now.Add(2 * time.Minute).Format(time.RFC3339)}})
		e := newEnv(t, Config{})
		res, err := e.src.Poll(context.Background(), manager(Settings{Instance: api.URL, Hashtags: []string{"x"}}), nil)
		var rl *sources.RateLimitError
		if !errors.As(err, &rl) || !rl.Until.Equal(now.Add(2*time.Minute)) || res.Cursor != nil {
			t.Fatalf("error %v, want rate limited until the reset", err)
		}
	})
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		answer fakes.Answer
		is     error
	}{
		{"garbage", fakes.Answer{Body: "<html>"}, fetch.ErrMalformed},
		{"an object", fakes.Answer{Body: `{"error":"x"}`}, fetch.ErrMalformed},
		{"a status without uri", fakes.Answer{Body: `[{"id":"1","created_at":"2026-06-13T12:00:00Z"}]`}, fetch.ErrMalformed},
		{"server error", fakes.Answer{Status: 503, Body: `{"error":"down"}`}, fetch.ErrServer},
		{"unauthorized", fakes.Answer{Status: 401, Body: `{"error":"The access token is invalid"}`}, fetch.ErrAuth},
		{"Link to another host", fakes.Answer{File: "testdata/tag_timeline.json", Header: map[string]string{"Link": `<https://evil.example/api/v1/timelines/tag/x?max_id=1>; rel="next"`}}, fetch.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := fakes.NewReplay(t, tt.answer)
			e := newEnv(t, Config{MaxPages: 3})
			res, err := e.src.Poll(context.Background(), manager(Settings{Instance: api.URL, Hashtags: []string{"x"}}), nil)
			if !errors.Is(err, tt.is) {
				t.Fatalf("error %v, want %v", err, tt.is)
			}
			if res.Cursor != nil {
				t.Error("cursor returned")
			}
		})
	}
	t.Run("private instance refused by default", func(t *testing.T) {
		api := fakes.NewReplay(t, fakes.Answer{File: "testdata/tag_timeline.json"})
		_, err := New(Config{}).Poll(context.Background(), manager(Settings{Instance: api.URL, Hashtags: []string{"x"}}), nil)
		if !errors.Is(err, fetch.ErrPrivateTarget) || len(api.Requests()) != 0 {
			t.Fatalf("error %v, want the SSRF guard's", err)
		}
	})
}

func TestStreamKeyAndValidate(t *testing.T) {
	s := New(Config{})
	a := s.StreamKey(manager(Settings{Hashtags: []string{"Go", "rust"}}))
	b := s.StreamKey(manager(Settings{Instance: "https://mastodon.social/", Hashtags: []string{"#rust", "go"}}))
	if a != b || a == "" {
		t.Errorf("keys %q %q", a, b)
	}
	if c := s.StreamKey(manager(Settings{Instance: "https://fosstodon.org", Hashtags: []string{"go", "rust"}})); c == a {
		t.Error("another instance, same key")
	}
	tests := []struct {
		s    Settings
		want string
	}{
		{Settings{}, "source.hashtags"},
		{Settings{Hashtags: []string{"ok", "not ok"}}, "source.hashtags[1]"},
		{Settings{Instance: "mastodon.social", Query: "x"}, "source.instance"},
		{Settings{Query: "x"}, ""},
	}
	for _, tt := range tests {
		errs := Kind.Validate(manager(tt.s))
		if tt.want == "" && len(errs) != 0 || tt.want != "" && (len(errs) != 1 || errs[0].Field != tt.want) {
			t.Errorf("%+v: errors %v, want %q", tt.s, errs, tt.want)
		}
	}
}
