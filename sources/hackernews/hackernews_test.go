package hackernews

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/internal/sourcetest"
)

var now = time.Date(2026, 6, 13, 12, 15, 0, 0, time.UTC)

type env struct {
	*sourcetest.Env
	src *Source
}

func newEnv(t *testing.T, baseURL string, maxPages int) *env {
	t.Helper()
	e := &env{Env: sourcetest.NewEnv(now)}
	e.src = New(Config{BaseURL: baseURL, MaxPages: maxPages}, e.Options()...)
	return e
}

func manager(query string, keywords ...string) *models.Manager {
	return sourcetest.Manager("hn", Type, Settings{Query: query}, keywords...)
}

func TestFirstPollMapsEveryFieldAcrossPages(t *testing.T) {
	api := fakes.NewReplay(t, fakes.Answer{File: "testdata/search_page1.json"}, fakes.Answer{File: "testdata/search_page2.json"})
	e := newEnv(t, api.URL+"/api/v1", 5)
	res, err := e.src.Poll(context.Background(), manager("social listening"), nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := api.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2 pages", len(reqs))
	}
	if reqs[0].URL.Path != "/api/v1/search_by_date" {
		t.Errorf("path = %s", reqs[0].URL.Path)
	}
	want := url.Values{
		"query":          {"social listening"},
		"tags":           {"(story,comment)"},
		"numericFilters": {"created_at_i>=1781266500"}, // now − 24h
		"hitsPerPage":    {"100"},
		"page":           {"0"},
	}
	if got := reqs[0].URL.Query(); !reflect.DeepEqual(got, want) {
		t.Errorf("query =\n%v\nwant\n%v", got, want)
	}
	want.Set("page", "1")
	if got := reqs[1].URL.Query(); !reflect.DeepEqual(got, want) {
		t.Errorf("second query =\n%v\nwant\n%v", got, want)
	}

	wantPosts := []models.Post{
		{
			Type: "HACKERNEWS_STORY", Time: sourcetest.Time("2026-06-13T12:00:00Z"), ID: "40122900",
			Title: "Social listening, explained", Text: "",
			URL:   "https://news.ycombinator.com/item?id=40122900",
			User:  models.User{ID: "linker", Name: "linker", URL: "https://news.ycombinator.com/user?id=linker"},
			Story: []string{"https://example.com/social-listening"},
		},
		{
			Type: "HACKERNEWS_COMMENT", Time: sourcetest.Time("2026-06-13T12:03:00Z"), ID: "40123010",
			Text:   "[flagged] social listening spam",
			URL:    "https://news.ycombinator.com/item?id=40123010",
			Parent: &models.Parent{ID: "40123000", URL: "https://news.ycombinator.com/item?id=40123000"},
		},
		{
			Type: "HACKERNEWS_STORY", Time: sourcetest.Time("2026-06-13T12:05:00Z"), ID: "40123400",
			Title: "Ask HN: Listening for brand mentions?",
			Text:  "Which social listening tools do you use?\n\nWe're a team of 5 > budget is tight.",
			URL:   "https://news.ycombinator.com/item?id=40123400",
			User:  models.User{ID: "asker", Name: "asker", URL: "https://news.ycombinator.com/user?id=asker"},
		},
		{
			Type: "HACKERNEWS_STORY", Time: sourcetest.Time("2026-06-13T12:08:00Z"), ID: "40123300",
			Title: "Show HN: Earshot – self-hosted social listening",
			URL:   "https://news.ycombinator.com/item?id=40123300",
			User:  models.User{ID: "founder", Name: "founder", URL: "https://news.ycombinator.com/user?id=founder"},
			Story: []string{"https://github.com/earshothq/earshot"},
		},
		{
			Type: "HACKERNEWS_COMMENT", Time: sourcetest.Time("2026-06-13T12:10:00Z"), ID: "40123456",
			Text: "We use a social listening tool & it's fine.\n\nCosts < $100/mo: https://example.com/pricing\n\nDisclaimer: not affiliated.",
			URL:  "https://news.ycombinator.com/item?id=40123456",
			User: models.User{ID: "pg_fan", Name: "pg_fan", URL: "https://news.ycombinator.com/user?id=pg_fan"},
			Parent: &models.Parent{ID: "40123400", Title: "Ask HN: How do you track brand mentions?",
				URL: "https://news.ycombinator.com/item?id=40123400"},
		},
	}
	if !reflect.DeepEqual(res.Posts, wantPosts) {
		g, _ := json.MarshalIndent(res.Posts, "", "  ")
		w, _ := json.MarshalIndent(wantPosts, "", "  ")
		t.Errorf("posts =\n%s\nwant\n%s", g, w)
	}
	b, _ := json.Marshal(res.Posts[1])
	if !strings.Contains(string(b), `"user":{"id":"","name":"","url":""}`) {
		t.Errorf("a comment without an author must still carry user strings: %s", b)
	}
}

func TestIncludeAndKeywordsChooseTheSearches(t *testing.T) {
	tests := []struct {
		name     string
		query    string
		keywords []string
		include  []string
		want     []string // "tags query"
		err      bool
	}{
		{name: "query", query: "earshot", keywords: []string{"ignored"}, want: []string{"(story,comment) earshot"}},
		{name: "stories only", query: "earshot", include: []string{"posts"}, want: []string{"story earshot"}},
		{name: "comments only", query: "earshot", include: []string{"comments"}, want: []string{"comment earshot"}},
		{name: "both", query: "earshot", include: []string{"posts", "comments"}, want: []string{"(story,comment) earshot"}},
		// Without a query every new item is read (one stream for all such
		// managers) and the matcher picks the keywords' matches.
		{name: "every new item", keywords: []string{"social  listening", "earshot"}, want: []string{"(story,comment) "}},
		{name: "every new story", keywords: []string{"earshot"}, include: []string{"posts"}, want: []string{"story "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := manager(tt.query, tt.keywords...)
			m.Source.Include = tt.include
			list, err := searches(m)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v", err)
			}
			var got []string
			for _, s := range list {
				got = append(got, s.key())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("searches = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFailedPollsReturnErrorsAndNoCursor(t *testing.T) {
	tests := []struct {
		name    string
		answers []fakes.Answer
		is      error
		msg     string
		until   time.Time
	}{
		{name: "400", answers: []fakes.Answer{{Status: 400, File: "testdata/error_invalid_filter.json"}},
			is: ErrStatus, msg: "hackernews: GET /search_by_date: unexpected status: 400 Bad Request: Invalid syntax for numeric value: 'abc'"},
		{name: "502", answers: []fakes.Answer{{Status: 502, Body: "<html>Bad Gateway</html>"}},
			is: ErrServer, msg: "hackernews: GET /search_by_date: server error: 502 Bad Gateway"},
		{name: "malformed JSON", answers: []fakes.Answer{{File: "testdata/malformed.json"}},
			is: ErrMalformed, msg: "hackernews: GET /search_by_date: malformed response: unexpected end of JSON input"},
		{name: "not a search answer", answers: []fakes.Answer{{File: "testdata/no_hits.json"}},
			is: ErrMalformed, msg: "hackernews: GET /search_by_date: malformed response: no hits array"},
		{name: "hit without objectID", answers: []fakes.Answer{{Body: `{"hits":[{"created_at_i":1781352600}],"nbHits":1,"nbPages":1,"page":0,"hitsPerPage":100}`}},
			is: ErrMalformed, msg: "hackernews: GET /search_by_date: malformed response: hits[0] has no objectID"},
		{name: "5xx on the second page", answers: []fakes.Answer{{File: "testdata/search_page1.json"}, {Status: 503}},
			is: ErrServer},
		{name: "too large", answers: []fakes.Answer{{Body: `{"hits":[],"pad":"` + strings.Repeat("x", maxBodyBytes) + `"}`}},
			is: ErrTooLarge},
		{name: "429", answers: []fakes.Answer{{Status: 429, Body: `{"message":"Too many requests","status":429}`}},
			is: sources.ErrRateLimited, until: now.Add(defaultBlock)},
		{name: "429 with Retry-After", answers: []fakes.Answer{{Status: 429, Header: map[string]string{"Retry-After": "90"}}},
			is: sources.ErrRateLimited, until: now.Add(90 * time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := fakes.NewReplay(t, tt.answers...)
			e := newEnv(t, api.URL+"/api/v1", 5)
			res, err := e.src.Poll(context.Background(), manager("earshot"), nil)
			sourcetest.Failed(t, res, err, tt.is, tt.msg)
			if tt.until.IsZero() {
				return
			}
			var rl *sources.RateLimitError
			if !errors.As(err, &rl) || !rl.Until.Equal(tt.until) {
				t.Fatalf("error = %v, want rate limited until %s", err, tt.until)
			}
			other := New(Config{BaseURL: api.URL + "/api/v1"}, e.Elsewhere()...)
			sourcetest.BlockedElsewhere(t, other, manager("earshot"), api)
		})
	}
}

func item(id int64, t time.Time, text string) fakes.HNItem {
	return fakes.HNItem{ID: id, Comment: true, Author: "user" + fmt.Sprint(id%7), Text: text, StoryID: 1, Created: t}
}

func TestCursoringAcrossPagesAndPollsHasNoGapsOrDuplicates(t *testing.T) {
	hn := fakes.NewHackerNews()
	defer hn.Close()
	e := newEnv(t, hn.URL+"/api/v1", 10)
	m := manager("earshot")

	var want []string
	add := func(it fakes.HNItem) {
		want = append(want, fmt.Sprint(it.ID))
		hn.Add(it)
	}
	hn.Add(fakes.HNItem{ID: 1, Title: "Earshot story", Author: "a", Created: now.Add(-30 * time.Hour)}) // before the backfill
	hn.Add(item(2, now.Add(-time.Hour), "nothing to see"))
	id := int64(100)
	for i := range 230 {
		id++
		text := "earshot is neat"
		if i%3 == 0 {
			text = "social listening and earshot" // found by both searches
		}
		add(item(id, now.Add(-20*time.Hour+time.Duration(i)*time.Minute), text))
	}
	polls := sourcetest.NewPoller(t, e.src, m)
	poll := func() int { return len(polls.Poll()) }
	if n := poll(); n != 230 {
		t.Fatalf("first poll: %d, want 230", n)
	}
	e.Clock.Add(time.Minute)
	// New items, and one that reached the index late (5 minutes old).
	for i := range 5 {
		id++
		add(item(id, now.Add(time.Duration(i)*time.Second), "earshot again"))
	}
	if n := poll(); n != 5 {
		t.Fatalf("second poll: %d, want 5", n)
	}
	id++
	add(item(id, now.Add(-5*time.Minute+time.Minute), "late earshot"))
	e.Clock.Add(time.Minute)
	if n := poll(); n != 1 {
		t.Fatalf("third poll: %d, want the late one", n)
	}
	e.Clock.Add(time.Minute)
	if n := poll(); n != 0 {
		t.Fatalf("fourth poll: %d, want none", n)
	}
	sourcetest.EachOnce(t, polls.Got, want)
	// The filter is the window: each search after the first poll starts at
	// the newest item less the overlap.
	var last url.Values
	for _, q := range hn.Requests() {
		if q.Get("query") == "earshot" {
			last = q
		}
	}
	if f := last.Get("numericFilters"); f != fmt.Sprintf("created_at_i>=%d", now.Add(4*time.Second-overlap).Unix()) {
		t.Errorf("numericFilters = %s", f)
	}
}

func TestPageBudget(t *testing.T) {
	t.Run("a later poll leaves a gap that the next polls read", func(t *testing.T) {
		hn := fakes.NewHackerNews()
		defer hn.Close()
		e := newEnv(t, hn.URL+"/api/v1", 2)
		m := manager("earshot")
		hn.Add(item(1, now.Add(-2*time.Hour), "earshot"))
		polls := sourcetest.NewPoller(t, e.src, m)
		if n := len(polls.Poll()); n != 1 {
			t.Fatalf("first poll: %d posts, want 1", n)
		}
		polls.Got = nil
		var want []string
		for i := range 450 {
			it := item(int64(1000+i), now.Add(-time.Hour+time.Duration(i)*5*time.Second), "earshot")
			want = append(want, fmt.Sprint(it.ID))
			hn.Add(it)
		}
		// The newest 200, then the gap, 200 items at a time (the oldest
		// item read is read again: the gap ends at its second).
		for poll, n := range []int{200, 199, 51, 0} {
			e.Clock.Add(time.Minute)
			if got := len(polls.Poll()); got != n {
				t.Fatalf("poll %d: %d posts, want %d", poll+2, got, n)
			}
		}
		sourcetest.EachOnce(t, polls.Got, want)
	})
	t.Run("more results than the API pages through", func(t *testing.T) {
		hn := fakes.NewHackerNews()
		defer hn.Close()
		e := newEnv(t, hn.URL+"/api/v1", 20)
		m := manager("earshot")
		hn.Add(item(1, now.Add(-3*time.Hour), "earshot"))
		polls := sourcetest.NewPoller(t, e.src, m)
		polls.Poll()
		polls.Got = nil
		var want []string
		for i := range 1500 {
			it := item(int64(1000+i), now.Add(-2*time.Hour+time.Duration(i)*time.Second), "earshot")
			want = append(want, fmt.Sprint(it.ID))
			hn.Add(it)
		}
		for range 3 {
			e.Clock.Add(time.Minute)
			polls.Poll()
		}
		sourcetest.EachOnce(t, polls.Got, want)
	})
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"a<p>b", "a\n\nb"},
		{"<p>lead", "lead"},
		{`see <a href="https:&#x2F;&#x2F;x.com" rel="nofollow">https:&#x2F;&#x2F;x.com</a>`, "see https://x.com"},
		{"<pre><code>  x &lt; y\n</code></pre>", "  x < y"},
		{"1 < 2 and 3 > 2", "1 < 2 and 3 > 2"},
		{"a<3 b", "a<3 b"},
		{"<i>it</i>&#x27;s", "it's"},
	}
	for _, tt := range tests {
		if got := plainText(tt.in); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
