package stackexchange

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/internal/fetch"
	"github.com/earshothq/earshot/sources/internal/sourcetest"
)

// now is a little after the questions in testdata (1781352000 is
// 2026-06-13T12:00:00Z).
var now = time.Date(2026, 6, 13, 12, 30, 0, 0, time.UTC)

type env struct {
	*sourcetest.Env
	src *Source
}

func newEnv(t *testing.T, baseURL string) *env {
	t.Helper()
	e := &env{Env: sourcetest.NewEnv(now)}
	e.src = New(Config{BaseURL: baseURL, Key: "app-key-123"}, e.Options()...)
	return e
}

func manager(s Settings, include ...string) *models.Manager {
	m := sourcetest.Manager("se", Type, s, "earshot")
	m.Source.Include = include
	return m
}

// gz is an answer as the API sends every one: gzip-compressed.
func gz(t *testing.T, file string, status int) fakes.Answer {
	t.Helper()
	body := []byte(file)
	if strings.HasPrefix(file, "testdata/") {
		var err error
		if body, err = os.ReadFile(file); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write(body)
	_ = w.Close()
	return fakes.Answer{Status: status, Body: b.String(), Header: map[string]string{"Content-Encoding": "gzip"}}
}

func TestQuestionsAndAnswers(t *testing.T) {
	api := fakes.NewReplay(t, gz(t, "testdata/search.json", 200), gz(t, "testdata/answers.json", 200))
	e := newEnv(t, api.URL+"/2.3")
	m := manager(Settings{Tagged: []string{"Go", "webhooks"}, Query: "retry"})
	res, err := e.src.Poll(context.Background(), m, nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := api.Requests()
	q := reqs[0].URL.Query()
	if reqs[0].URL.Path != "/2.3/search/advanced" || q.Get("tagged") != "go;webhooks" || q.Get("q") != "retry" || q.Get("sort") != "creation" ||
		q.Get("site") != "stackoverflow" || q.Get("filter") != "withbody" || q.Get("fromdate") != "1781267400" || q.Get("key") != "app-key-123" {
		t.Errorf("search %s", reqs[0].URL)
	}
	if reqs[1].URL.Path != "/2.3/questions/78123456/answers" {
		t.Errorf("answers %s", reqs[1].URL)
	}
	want := []models.Post{
		{Type: PostTypeQuestion, Time: models.NewTimestamp(time.Date(2026, 6, 13, 12, 0, 0, 0, time.UTC)), ID: "stackoverflow:q78123456",
			Title: "Retrying webhooks in Go: what's a good schedule?", Text: "I use earshot and want to know & understand its retries.\n\nretry_schedule: [1m, 5m]",
			URL: "https://stackoverflow.com/questions/78123456/retrying-webhooks-in-go", User: models.User{ID: "9001", Name: "José Dev", URL: "https://stackoverflow.com/users/9001/jose-dev"}},
		{Type: PostTypeAnswer, Time: models.NewTimestamp(time.Date(2026, 6, 13, 12, 20, 0, 0, time.UTC)), ID: "stackoverflow:a78123999",
			Text: "Use exponential backoff.", URL: "https://stackoverflow.com/a/78123999", User: models.User{ID: "42", Name: "helper", URL: "https://stackoverflow.com/users/42/helper"},
			Parent: &models.Parent{ID: "78123456", Title: "Retrying webhooks in Go: what&#39;s a good schedule?", URL: "https://stackoverflow.com/q/78123456"}},
	}
	want[1].Parent.Title = "Retrying webhooks in Go: what's a good schedule?"
	got, _ := json.MarshalIndent(res.Posts, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	if string(got) != string(w) {
		t.Errorf("posts =\n%s\nwant\n%s", got, w)
	}
	// The answers call asked for a 10 s backoff: the next answers call of
	// any process waits for it, the search does not.
	other := New(Config{BaseURL: api.URL + "/2.3"}, e.Elsewhere()...)
	api.Script(gz(t, `{"items":[],"has_more":false,"quota_remaining":9000}`, 200))
	_, err = other.Poll(context.Background(), m, res.Cursor)
	if !errors.Is(err, sources.ErrRateLimited) {
		t.Fatalf("within the backoff: %v", err)
	}
	if len(api.Requests()) != 3 {
		t.Errorf("%d requests, want the search only", len(api.Requests()))
	}
	e.Clock.Add(11 * time.Second)
	res2, err := other.Poll(context.Background(), m, res.Cursor)
	if err != nil || len(res2.Posts) != 0 {
		t.Fatalf("after the backoff: %v %d", err, len(res2.Posts))
	}
	if strings.Contains(e.Logs.String(), "app-key-123") {
		t.Error("key logged")
	}
}

func TestThrottleQuotaAndErrors(t *testing.T) {
	tests := []struct {
		name   string
		answer func(t *testing.T) fakes.Answer
		is     error
		until  time.Time
	}{
		{"throttle violation", func(t *testing.T) fakes.Answer {
			return gz(t, `{"error_id":502,"error_message":"too many requests from this IP, more requests available in 80 seconds","error_name":"throttle_violation"}`, 400)
		}, sources.ErrRateLimited, now.Add(80 * time.Second)},
		{"bad parameter", func(t *testing.T) fakes.Answer {
			return gz(t, `{"error_id":400,"error_message":"site is required","error_name":"bad_parameter"}`, 400)
		}, fetch.ErrStatus, time.Time{}},
		{"key refused", func(t *testing.T) fakes.Answer {
			return gz(t, `{"error_id":403,"error_message":"invalid key","error_name":"access_denied"}`, 400)
		}, fetch.ErrAuth, time.Time{}},
		{"temporarily unavailable", func(t *testing.T) fakes.Answer {
			return gz(t, `{"error_id":503,"error_message":"try later","error_name":"temporarily_unavailable"}`, 503)
		}, fetch.ErrServer, time.Time{}},
		{"garbage", func(t *testing.T) fakes.Answer { return gz(t, `<html>`, 200) }, fetch.ErrMalformed, time.Time{}},
		{"not gzip though it says so", func(t *testing.T) fakes.Answer {
			return fakes.Answer{Body: "{}", Header: map[string]string{"Content-Encoding": "gzip"}}
		}, nil, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := fakes.NewReplay(t, tt.answer(t))
			e := newEnv(t, api.URL)
			res, err := e.src.Poll(context.Background(), manager(Settings{Tagged: []string{"go"}}), nil)
			if err == nil || tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("error %v, want %v", err, tt.is)
			}
			if res.Cursor != nil {
				t.Error("cursor returned")
			}
			var rl *sources.RateLimitError
			if !tt.until.IsZero() && (!errors.As(err, &rl) || !rl.Until.Equal(tt.until)) {
				t.Errorf("until: %v, want %v", err, tt.until)
			}
		})
	}
	t.Run("quota used up waits for midnight UTC", func(t *testing.T) {
		api := fakes.NewReplay(t, gz(t, `{"items":[],"has_more":false,"quota_max":300,"quota_remaining":0}`, 200))
		e := newEnv(t, api.URL)
		res, err := e.src.Poll(context.Background(), manager(Settings{Tagged: []string{"go"}}), nil)
		if err != nil || res.Cursor == nil {
			t.Fatalf("the last call's answer is good: %v", err)
		}
		_, err = e.src.Poll(context.Background(), manager(Settings{Tagged: []string{"go"}}), res.Cursor)
		var rl *sources.RateLimitError
		if !errors.As(err, &rl) || !rl.Until.Equal(time.Date(2026, 6, 14, 0, 0, 0, 0, time.UTC)) || len(api.Requests()) != 1 {
			t.Errorf("%v, %d requests", err, len(api.Requests()))
		}
	})
}

func TestKeywordsAreSearchedOneByOne(t *testing.T) {
	api := fakes.NewReplay(t, gz(t, "testdata/search.json", 200), gz(t, "testdata/search.json", 200), gz(t, `{"items":[],"has_more":false}`, 200))
	e := newEnv(t, api.URL)
	m := manager(Settings{Site: "superuser"}, IncludeQuestions, IncludeAnswers)
	m.Input.Keywords = []string{"earshot", "social listening"}
	res, err := e.src.Poll(context.Background(), m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Posts) != 1 {
		t.Errorf("%d posts; a question found by two searches is returned once", len(res.Posts))
	}
	reqs := api.Requests()
	if reqs[0].URL.Query().Get("q") != "earshot" || reqs[1].URL.Query().Get("q") != "social listening" || reqs[1].URL.Query().Get("site") != "superuser" {
		t.Errorf("searches %s %s", reqs[0].URL, reqs[1].URL)
	}
	if s := New(Config{}); s.StreamKey(m) == s.StreamKey(manager(Settings{})) {
		t.Error("another site, same stream key")
	}
}

func TestPagesWhileHasMore(t *testing.T) {
	page := func(from int, more bool) fakes.Answer {
		var items []string
		for i := range 100 {
			id := from + i
			items = append(items, fmt.Sprintf(`{"question_id":%d,"title":"q","link":"https://stackoverflow.com/q/%d","creation_date":%d,"owner":{"user_id":1,"display_name":"u"}}`, id, id, now.Add(-time.Duration(id)*time.Second).Unix()))
		}
		return gz(t, fmt.Sprintf(`{"items":[%s],"has_more":%t,"quota_max":10000,"quota_remaining":9000}`, strings.Join(items, ","), more), 200)
	}
	api := fakes.NewReplay(t, page(1, true), page(101, false))
	e := newEnv(t, api.URL)
	res, err := e.src.Poll(context.Background(), manager(Settings{Tagged: []string{"go"}}, IncludeQuestions), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Posts) != 200 || len(api.Requests()) != 2 || api.Requests()[1].URL.Query().Get("page") != "2" {
		t.Errorf("%d posts in %d requests", len(res.Posts), len(api.Requests()))
	}
}
