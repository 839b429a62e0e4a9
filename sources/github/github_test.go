package github

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
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

func newEnv(t *testing.T, baseURL string) *env {
	t.Helper()
	e := &env{Env: sourcetest.NewEnv(now)}
	e.src = New(Config{BaseURL: baseURL, Token: "ghp_secret"}, e.Options()...)
	return e
}

func manager(s Settings, include ...string) *models.Manager {
	m := sourcetest.Manager("gh", Type, s, "earshot", "social listening")
	m.Source.Include = include
	return m
}

func TestSearchAndCommentsMapAndAdvance(t *testing.T) {
	api := fakes.NewReplay(t,
		fakes.Answer{File: "testdata/search_issues.json", Header: map[string]string{"X-RateLimit-Remaining": "29"}},
		fakes.Answer{File: "testdata/comments.json"},
		fakes.Answer{Body: `{"total_count":0,"incomplete_results":false,"items":[]}`},
		fakes.Answer{Body: `[]`},
	)
	e := newEnv(t, api.URL)
	m := manager(Settings{Repos: []string{"Acme/Widget"}})
	res, err := e.src.Poll(context.Background(), m, nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := api.Requests()
	if got := reqs[0].URL.Query().Get("q"); got != `earshot OR "social listening" repo:acme/widget created:>=2026-06-12T12:15:00Z` {
		t.Errorf("q = %s", got)
	}
	if reqs[0].URL.Query().Get("sort") != "created" || reqs[0].Header.Get("Authorization") != "Bearer ghp_secret" || reqs[0].Header.Get("X-GitHub-Api-Version") == "" {
		t.Errorf("search request %s %v", reqs[0].URL, reqs[0].Header)
	}
	if reqs[1].URL.Path != "/repos/acme/widget/issues/comments" || reqs[1].URL.Query().Get("since") != "2026-06-12T12:15:00Z" {
		t.Errorf("comments request %s", reqs[1].URL)
	}
	want := []models.Post{
		{Type: PostTypeIssue, Time: models.NewTimestamp(time.Date(2026, 6, 13, 10, 0, 0, 0, time.UTC)), ID: "https://github.com/acme/widget/pull/1346",
			Title: "Add earshot integration", URL: "https://github.com/acme/widget/pull/1346", User: models.User{ID: "2", Name: "hubot", URL: "https://github.com/hubot"}},
		{Type: PostTypeIssue, Time: models.NewTimestamp(time.Date(2026, 6, 13, 11, 50, 0, 0, time.UTC)), ID: "https://github.com/acme/widget/issues/1347",
			Title: "Found a bug with earshot webhooks", Text: "I'm having a problem with **earshot**:\n\n```\nretry schedule\n```",
			URL: "https://github.com/acme/widget/issues/1347", User: models.User{ID: "583231", Name: "octocat", URL: "https://github.com/octocat"}},
		{Type: PostTypeComment, Time: models.NewTimestamp(time.Date(2026, 6, 13, 12, 10, 0, 0, time.UTC)), ID: "https://github.com/acme/widget/issues/1347#issuecomment-1001",
			Text: "Me too: earshot drops the retry.", URL: "https://github.com/acme/widget/issues/1347#issuecomment-1001",
			User: models.User{ID: "583231", Name: "octocat", URL: "https://github.com/octocat"}, Parent: &models.Parent{ID: "1347", URL: "https://github.com/acme/widget/issues/1347"}},
	}
	got, _ := json.MarshalIndent(res.Posts, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	if string(got) != string(w) {
		t.Errorf("posts =\n%s\nwant (the old comment edited today dropped)\n%s", got, w)
	}
	e.Clock.Add(time.Minute)
	if _, err := e.src.Poll(context.Background(), m, res.Cursor); err != nil {
		t.Fatal(err)
	}
	reqs = api.Requests()
	if got := reqs[2].URL.Query().Get("q"); !strings.HasSuffix(got, " created:>=2026-06-13T11:45:00Z") {
		t.Errorf("second search q = %s, want newest less the overlap", got)
	}
	if got := reqs[3].URL.Query().Get("since"); got != "2026-06-13T12:05:00Z" {
		t.Errorf("second comments since = %s", got)
	}
	if strings.Contains(e.Logs.String(), "ghp_secret") {
		t.Error("token logged")
	}
}

func TestRateLimitsAndErrors(t *testing.T) {
	reset := strconv.FormatInt(now.Add(40*time.Second).Unix(), 10)
	tests := []struct {
		name   string
		answer fakes.Answer
		is     error
		until  time.Time
		msg    string
	}{
		{"primary", fakes.Answer{Status: 403, Body: `{"message":"API rate limit exceeded for user ID 1."}`, Header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}},
			sources.ErrRateLimited, now.Add(40 * time.Second), ""},
		{"secondary 403 with retry-after", fakes.Answer{Status: 403, Body: `{"message":"You have exceeded a secondary rate limit."}`, Header: map[string]string{"Retry-After": "60"}},
			sources.ErrRateLimited, now.Add(time.Minute), ""},
		{"secondary 429 without headers", fakes.Answer{Status: 429, Body: `{"message":"You have exceeded a secondary rate limit."}`}, sources.ErrRateLimited, now.Add(time.Minute), ""},
		{"bad credentials", fakes.Answer{Status: 401, Body: `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`}, fetch.ErrAuth, time.Time{},
			"github: GET /search/issues: authentication failed: 401 Unauthorized: Bad credentials"},
		{"invalid query", fakes.Answer{Status: 422, Body: `{"message":"Validation Failed","errors":[{"message":"The listed users and repositories cannot be searched"}]}`}, fetch.ErrStatus, time.Time{}, ""},
		{"server", fakes.Answer{Status: 502, Body: `<html>`}, fetch.ErrServer, time.Time{}, ""},
		{"garbage", fakes.Answer{Body: `{"total_count":1}`}, fetch.ErrMalformed, time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := fakes.NewReplay(t, tt.answer)
			e := newEnv(t, api.URL)
			res, err := e.src.Poll(context.Background(), manager(Settings{Query: "earshot"}), nil)
			if !errors.Is(err, tt.is) {
				t.Fatalf("error %v, want %v", err, tt.is)
			}
			if res.Cursor != nil {
				t.Error("cursor returned")
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("error = %q, want %q", err, tt.msg)
			}
			if tt.until.IsZero() {
				return
			}
			var rl *sources.RateLimitError
			if !errors.As(err, &rl) || !rl.Until.Equal(tt.until) {
				t.Fatalf("until %v, want %v", err, tt.until)
			}
			other := New(Config{BaseURL: api.URL}, e.Elsewhere()...)
			if _, err := other.Poll(context.Background(), manager(Settings{Query: "x"}), nil); !errors.Is(err, sources.ErrRateLimited) || len(api.Requests()) != 1 {
				t.Errorf("another process: %v, %d requests", err, len(api.Requests()))
			}
			// Search and core are limited apart.
			api.Script(fakes.Answer{Body: `[]`})
			if _, err := other.Poll(context.Background(), manager(Settings{Repos: []string{"a/b"}}, IncludeComments), nil); errors.Is(err, sources.ErrRateLimited) {
				t.Errorf("a search limit blocked the core API: %v", err)
			}
		})
	}
}

func TestValidateAndStreamKey(t *testing.T) {
	tests := []struct {
		name    string
		s       Settings
		include []string
		noKW    bool
		want    string
	}{
		{"comments need repos", Settings{Query: "x"}, []string{"comments"}, false, "source.repos"},
		{"bad repo", Settings{Repos: []string{"acme"}}, nil, false, "source.repos[0]"},
		{"issues need a query", Settings{}, []string{"issues"}, true, "source.query"},
		{"fine", Settings{Repos: []string{"acme/widget"}}, nil, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := manager(tt.s, tt.include...)
			if tt.noKW {
				m.Input.Keywords = nil
			}
			errs := Kind.Validate(m)
			if tt.want == "" && len(errs) != 0 || tt.want != "" && (len(errs) != 1 || errs[0].Field != tt.want) {
				t.Errorf("errors %v, want %q", errs, tt.want)
			}
		})
	}
	s := New(Config{})
	if a, b := s.StreamKey(manager(Settings{Repos: []string{"b/b", "A/a"}})), s.StreamKey(manager(Settings{Repos: []string{"a/a", "b/b"}})); a != b {
		t.Errorf("keys %q %q", a, b)
	}
}

func TestSearchPagesAndLeavesAGap(t *testing.T) {
	page := func(from, n, total int) fakes.Answer {
		var items []string
		for i := range n {
			id := from + i
			created := now.Add(-time.Duration(id) * time.Minute).Format(time.RFC3339)
			items = append(items, `{"id":`+strconv.Itoa(id)+`,"number":`+strconv.Itoa(id)+`,"title":"t","html_url":"https://github.com/a/b/issues/`+strconv.Itoa(id)+`","created_at":"`+created+`","user":{"login":"u","id":1}}`)
		}
		return fakes.Answer{Body: `{"total_count":` + strconv.Itoa(total) + `,"incomplete_results":false,"items":[` + strings.Join(items, ",") + `]}`}
	}
	api := fakes.NewReplay(t, page(1, 100, 150), page(101, 50, 150))
	e := newEnv(t, api.URL)
	res, err := e.src.Poll(context.Background(), manager(Settings{Query: "x"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Posts) != 150 || len(api.Requests()) != 2 || api.Requests()[1].URL.Query().Get("page") != "2" {
		t.Fatalf("%d posts in %d requests", len(res.Posts), len(api.Requests()))
	}
	// A budget of one page on a later poll: the rest is a gap the next
	// poll reads first.
	e.src.cfg.MaxPages = 1
	e.Clock.Add(3 * time.Hour)
	api.Script(page(-200, 100, 300), page(-100, 100, 300))
	res2, err := e.src.Poll(context.Background(), manager(Settings{Query: "x"}), res.Cursor)
	if err != nil || len(res2.Posts) != 100 {
		t.Fatalf("second poll: %v, %d posts", err, len(res2.Posts))
	}
	var c cursor
	_ = json.Unmarshal(res2.Cursor, &c)
	for _, w := range c.Windows {
		if w.Gap == nil {
			t.Error("no gap left for the next poll")
		}
	}
}
