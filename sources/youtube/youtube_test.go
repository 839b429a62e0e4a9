package youtube

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/internal/fetch"
	"github.com/earshothq/earshot/sources/internal/sourcetest"
)

// now is 05:15 in California.
var now = time.Date(2026, 6, 13, 12, 15, 0, 0, time.UTC)

type env struct {
	*sourcetest.Env
	src *Source
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	cfg.APIKey = "AIza-secret"
	e := &env{Env: sourcetest.NewEnv(now)}
	e.src = New(cfg, e.Options()...)
	return e
}

func manager(s Settings, include ...string) *models.Manager {
	m := sourcetest.Manager("yt", Type, s, "earshot", "social listening")
	m.Source.Include = include
	return m
}

func TestVideosAndTheirComments(t *testing.T) {
	api := fakes.NewReplay(t,
		fakes.Answer{File: "testdata/search.json"},
		fakes.Answer{File: "testdata/threads.json"},
		fakes.Answer{Status: 403, Body: `{"error":{"code":403,"message":"The video identified by the videoId parameter has disabled comments.","errors":[{"message":"disabled","domain":"youtube.commentThread","reason":"commentsDisabled"}]}}`},
	)
	e := newEnv(t, Config{BaseURL: api.URL})
	res, err := e.src.Poll(context.Background(), manager(Settings{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := api.Requests()
	q := reqs[0].URL.Query()
	if reqs[0].URL.Path != "/search" || q.Get("q") != `earshot|"social listening"` || q.Get("order") != "date" || q.Get("type") != "video" ||
		q.Get("publishedAfter") != "2026-06-12T12:15:00Z" || q.Get("key") != "AIza-secret" {
		t.Errorf("search %s", reqs[0].URL)
	}
	if reqs[1].URL.Query().Get("videoId") != "dQw4w9WgXcQ" || reqs[2].URL.Query().Get("videoId") != "9bZkp7q19f0" {
		t.Errorf("comment reads %s %s", reqs[1].URL, reqs[2].URL)
	}
	want := []models.Post{
		{Type: PostTypeVideo, Time: models.NewTimestamp(time.Date(2026, 6, 13, 9, 30, 0, 0, time.UTC)), ID: "9bZkp7q19f0", Title: "Social listening in 5 minutes",
			URL: "https://www.youtube.com/watch?v=9bZkp7q19f0", User: models.User{ID: "UCrDkAvwZum-UTjHmzDI2iIw", Name: "Marketing 101", URL: "https://www.youtube.com/channel/UCrDkAvwZum-UTjHmzDI2iIw"}},
		{Type: PostTypeVideo, Time: models.NewTimestamp(time.Date(2026, 6, 13, 11, 0, 0, 0, time.UTC)), ID: "dQw4w9WgXcQ", Title: "Earshot review: is it worth it? & more",
			Text: "We tried Earshot for social listening '24/7'.", URL: "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
			User: models.User{ID: "UC38IQsAvIsxxjztdMZQtwHA", Name: "Tech Reviews", URL: "https://www.youtube.com/channel/UC38IQsAvIsxxjztdMZQtwHA"}},
		{Type: PostTypeComment, Time: models.NewTimestamp(time.Date(2026, 6, 13, 11, 30, 0, 0, time.UTC)), ID: "UgzDE2tasfmrYLyNkGt4AaABAg",
			Text: "Looking for an alternative to Earshot & co", URL: "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgzDE2tasfmrYLyNkGt4AaABAg",
			User:   models.User{ID: "UCabcdefghijklmnopqrstuv", Name: "@viewer1", URL: "http://www.youtube.com/@viewer1"},
			Parent: &models.Parent{ID: "dQw4w9WgXcQ", Title: "Earshot review: is it worth it? & more", URL: "https://www.youtube.com/watch?v=dQw4w9WgXcQ"}},
	}
	got, _ := json.MarshalIndent(res.Posts, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	if string(got) != string(w) {
		t.Errorf("posts =\n%s\nwant (comments disabled on the second video: skipped)\n%s", got, w)
	}
	if left, ok := e.src.QuotaRemaining(); !ok || left != 10000-102 {
		t.Errorf("quota remaining %v %v, want 9898", left, ok)
	}
	if strings.Contains(e.Logs.String(), "AIza-secret") {
		t.Error("key logged")
	}
}

func TestQuotaIsSpreadOverTheDayAcrossProcesses(t *testing.T) {
	api := fakes.NewReplay(t, fakes.Answer{Body: `{"items":[]}`})
	// 2400 units a day: 100 an hour. At 05:15 Pacific 525 + 100 may be
	// spent: six searches.
	e := newEnv(t, Config{BaseURL: api.URL, DailyQuota: 2400})
	other := New(Config{BaseURL: api.URL, DailyQuota: 2400, APIKey: "k"}, e.Elsewhere()...)
	m := manager(Settings{}, IncludeVideos)
	var err error
	for i := range 6 {
		src := e.src
		if i%2 == 1 {
			src = other
		}
		if _, err = src.Poll(context.Background(), m, nil); err != nil {
			t.Fatalf("search %d: %v", i+1, err)
		}
	}
	_, err = other.Poll(context.Background(), m, nil)
	var rl *sources.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("seventh search: %v, want it to wait for the day's share", err)
	}
	// 700 units are the share at 06:00 Pacific, 13:00 UTC.
	if want := time.Date(2026, 6, 13, 13, 0, 0, 0, time.UTC); !rl.Until.Equal(want) {
		t.Errorf("until %v, want %v", rl.Until, want)
	}
	if len(api.Requests()) != 6 {
		t.Errorf("%d calls, want 6", len(api.Requests()))
	}
	e.Clock.Add(46 * time.Minute)
	if _, err := other.Poll(context.Background(), m, nil); err != nil {
		t.Errorf("once the share grew: %v", err)
	}
}

func TestQuotaExceededWaitsForPacificMidnight(t *testing.T) {
	api := fakes.NewReplay(t, fakes.Answer{Status: 403, Body: `{"error":{"code":403,"message":"The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.","errors":[{"message":"quota","domain":"youtube.quota","reason":"quotaExceeded"}]}}`})
	e := newEnv(t, Config{BaseURL: api.URL})
	_, err := e.src.Poll(context.Background(), manager(Settings{}), nil)
	var rl *sources.RateLimitError
	// Midnight in California on 14 June is 07:00 UTC (PDT).
	if !errors.As(err, &rl) || !rl.Until.Equal(time.Date(2026, 6, 14, 7, 0, 0, 0, time.UTC)) {
		t.Fatalf("error %v, want rate limited until Pacific midnight", err)
	}
	other := New(Config{BaseURL: api.URL}, e.Elsewhere()...)
	if _, err := other.Poll(context.Background(), manager(Settings{}), nil); !errors.Is(err, sources.ErrRateLimited) || len(api.Requests()) != 1 {
		t.Errorf("another process: %v, %d calls", err, len(api.Requests()))
	}
	if left, _ := e.src.QuotaRemaining(); left != 0 {
		t.Errorf("quota remaining %v", left)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		answer fakes.Answer
		is     error
	}{
		{"bad key", fakes.Answer{Status: 400, Body: `{"error":{"code":400,"message":"API key not valid.","errors":[{"reason":"keyInvalid","domain":"usageLimits"}]}}`}, fetch.ErrAuth},
		{"backend", fakes.Answer{Status: 503, Body: `{"error":{"code":503,"message":"backendError"}}`}, fetch.ErrServer},
		{"garbage", fakes.Answer{Body: `not json`}, fetch.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := fakes.NewReplay(t, tt.answer)
			e := newEnv(t, Config{BaseURL: api.URL})
			res, err := e.src.Poll(context.Background(), manager(Settings{}), nil)
			if !errors.Is(err, tt.is) || res.Cursor != nil {
				t.Fatalf("error %v, want %v", err, tt.is)
			}
			if strings.Contains(err.Error(), "AIza") {
				t.Error("key in the error")
			}
		})
	}
}

func TestValidate(t *testing.T) {
	m := manager(Settings{Channels: []string{"UC38IQsAvIsxxjztdMZQtwHA", "nope"}})
	if errs := Kind.Validate(m); len(errs) != 1 || errs[0].Field != "source.channels[1]" {
		t.Errorf("errors %v", errs)
	}
	m = manager(Settings{})
	m.Input.Keywords = nil
	if errs := Kind.Validate(m); len(errs) != 1 || errs[0].Field != "source.query" {
		t.Errorf("errors %v", errs)
	}
	m = manager(Settings{Channels: []string{"UC38IQsAvIsxxjztdMZQtwHA"}}, IncludeComments)
	m.Input.Keywords = nil
	if errs := Kind.Validate(m); len(errs) != 0 {
		t.Errorf("channel comments need no query: %v", errs)
	}
}

func TestSearchFollowsPageTokens(t *testing.T) {
	page := func(id, next string) fakes.Answer {
		return fakes.Answer{Body: `{"nextPageToken":"` + next + `","items":[{"id":{"kind":"youtube#video","videoId":"` + id + `"},"snippet":{"publishedAt":"2026-06-13T11:00:00Z","channelId":"UC38IQsAvIsxxjztdMZQtwHA","title":"t","description":"","channelTitle":"c"}}]}`}
	}
	api := fakes.NewReplay(t, page("v1", "CAUQAA"), page("v2", ""))
	e := newEnv(t, Config{BaseURL: api.URL, MaxPages: 2})
	res, err := e.src.Poll(context.Background(), manager(Settings{}, IncludeVideos), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Posts) != 2 || api.Requests()[1].URL.Query().Get("pageToken") != "CAUQAA" {
		t.Errorf("%d posts; second request %s", len(res.Posts), api.Requests()[1].URL)
	}
	if left, _ := e.src.QuotaRemaining(); left != 10000-200 {
		t.Errorf("quota left %v, want two searches spent", left)
	}
}
