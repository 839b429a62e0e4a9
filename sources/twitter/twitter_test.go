package twitter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/internal/sourcetest"
)

const token = "AAAAAAAAAAAAAAAAAAAAAsecret-bearer-token"

var now = time.Date(2026, 6, 13, 12, 15, 0, 0, time.UTC)

type env struct {
	*sourcetest.Env
	src *Source
}

func newEnv(t *testing.T, baseURL string, maxPages int) *env {
	t.Helper()
	e := &env{Env: sourcetest.NewEnv(now)}
	e.src = New(Config{BaseURL: baseURL, BearerToken: token, MaxPages: maxPages}, e.Options()...)
	return e
}

func manager(query string, keywords ...string) *models.Manager {
	return sourcetest.Manager("x", Type, Settings{Query: query}, keywords...)
}

func TestFirstPollMapsEveryFieldAcrossPages(t *testing.T) {
	api := fakes.NewReplay(t, fakes.Answer{File: "testdata/search_page1.json"}, fakes.Answer{File: "testdata/search_page2.json"})
	e := newEnv(t, api.URL, 5)
	res, err := e.src.Poll(context.Background(), manager(`"social listening" lang:en`), nil)
	if err != nil {
		t.Fatal(err)
	}

	reqs := api.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2 (page 1, then next_token)", len(reqs))
	}
	first := reqs[0]
	if first.URL.Path != "/2/tweets/search/recent" {
		t.Errorf("path = %q", first.URL.Path)
	}
	if got := first.Header.Get("Authorization"); got != "Bearer "+token {
		t.Errorf("Authorization = %q", got)
	}
	wantQ := url.Values{
		"query":        {`"social listening" lang:en`},
		"max_results":  {"100"},
		"tweet.fields": {"created_at,author_id,lang,conversation_id"},
		"expansions":   {"author_id"},
		"user.fields":  {"username,name"},
		"start_time":   {"2026-06-12T12:15:00Z"},
	}
	if got := first.URL.Query(); !reflect.DeepEqual(got, wantQ) {
		t.Errorf("first query =\n%v\nwant\n%v", got, wantQ)
	}
	second := reqs[1].URL.Query()
	if second.Get("next_token") != "b26v89c19zqg8o3fosbs1tzfxyqvjbkpnw1v1yykaldfh" || second.Get("start_time") != "2026-06-12T12:15:00Z" {
		t.Errorf("second query = %v", second)
	}

	want := []models.Post{
		{
			Type: "TWITTER_TWEET", Time: sourcetest.Time("2026-06-13T12:03:00Z"), ID: "2065766884438966395",
			Text: "no created_at, lang or conversation_id on this one",
			URL:  "https://x.com/dana_growth/status/2065766884438966395",
			User: models.User{ID: "1583021044185739264", Name: "@dana_growth", URL: "https://x.com/dana_growth"},
		},
		{
			Type: "TWITTER_TWEET", Time: sourcetest.Time("2026-06-13T12:05:00Z"), ID: "2065767387755446395",
			Text: "brand monitoring thread 🧵",
			URL:  "https://x.com/i/web/status/2065767387755446395",
			User: models.User{ID: "987654321"},
			Lang: "en",
		},
		{
			Type: "TWITTER_TWEET", Time: sourcetest.Time("2026-06-13T12:08:00Z"), ID: "2065768142730166395",
			Text: "Social Listening für kleine Teams?",
			URL:  "https://x.com/dana_growth/status/2065768142730166395",
			User: models.User{ID: "1583021044185739264", Name: "@dana_growth", URL: "https://x.com/dana_growth"},
			Lang: "de",
		},
		{
			Type: "TWITTER_TWEET", Time: sourcetest.Time("2026-06-13T12:09:30Z"), ID: "2065768520217526395",
			Text:   "@acme_hq we tried brand monitoring with three vendors, yours was the best",
			URL:    "https://x.com/XDevelopers/status/2065768520217526395",
			User:   models.User{ID: "2244994945", Name: "@XDevelopers", URL: "https://x.com/XDevelopers"},
			Lang:   "en",
			Parent: &models.Parent{ID: "2065766129464246395", URL: "https://x.com/i/web/status/2065766129464246395"},
		},
		{
			Type: "TWITTER_TWEET", Time: sourcetest.Time("2026-06-13T12:10:00Z"), ID: "2065768646046646395",
			Text: "Anyone have a social listening tool they'd recommend? Budget < $100/mo & needs Slack alerts",
			URL:  "https://x.com/dana_growth/status/2065768646046646395",
			User: models.User{ID: "1583021044185739264", Name: "@dana_growth", URL: "https://x.com/dana_growth"},
			Lang: "en",
		},
	}
	if !reflect.DeepEqual(res.Posts, want) {
		g, _ := json.MarshalIndent(res.Posts, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("posts =\n%s\nwant\n%s", g, w)
	}
	// The consumer contract: every required string is present, never null.
	b, _ := json.Marshal(res.Posts[1])
	for _, field := range []string{`"time":"2026-06-13T12:05:00Z"`, `"text":`, `"url":`, `"user":{"id":"987654321","name":"","url":""}`} {
		if !strings.Contains(string(b), field) {
			t.Errorf("post JSON %s lacks %s", b, field)
		}
	}
	if res.Cursor == nil {
		t.Fatal("no cursor")
	}
}

func TestSecondPollUsesSinceIDAnchor(t *testing.T) {
	api := fakes.NewReplay(t, fakes.Answer{File: "testdata/search_page1.json"}, fakes.Answer{File: "testdata/search_page2.json"}, fakes.Answer{File: "testdata/search_empty.json"})
	e := newEnv(t, api.URL, 5)
	m := manager("earshot")
	res, err := e.src.Poll(context.Background(), m, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Add(time.Minute)
	res2, err := e.src.Poll(context.Background(), m, res.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(res2.Posts) != 0 {
		t.Errorf("second poll: %d posts, want 0", len(res2.Posts))
	}
	q := api.Requests()[2].URL.Query()
	// The newest post is 12:10:00; the anchor is the newest post at least
	// 30 s older: 12:09:30.
	if q.Get("since_id") != "2065768520217526395" || q.Has("start_time") || q.Has("until_id") {
		t.Errorf("second poll query = %v, want since_id=2065768520217526395 alone", q)
	}
}

func TestEmptyAndPartialAnswers(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		posts int
		check func(t *testing.T, p []models.Post)
	}{
		{name: "no data (result_count 0)", file: "search_empty.json"},
		{name: "no includes", file: "search_no_includes.json", posts: 1, check: func(t *testing.T, p []models.Post) {
			want := models.Post{Type: "TWITTER_TWEET", Time: sourcetest.Time("2026-06-13T12:10:00Z"), ID: "2065768646046646395",
				Text: "reply without an expanded author", URL: "https://x.com/i/web/status/2065768646046646395",
				User: models.User{ID: "1583021044185739264"}, Lang: "en",
				Parent: &models.Parent{ID: "2065766129464246395", URL: "https://x.com/i/web/status/2065766129464246395"}}
			if !reflect.DeepEqual(p[0], want) {
				t.Errorf("post = %+v\nwant %+v", p[0], want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := fakes.NewReplay(t, fakes.Answer{File: "testdata/" + tt.file})
			e := newEnv(t, api.URL, 5)
			res, err := e.src.Poll(context.Background(), manager("earshot"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Posts) != tt.posts {
				t.Fatalf("%d posts, want %d", len(res.Posts), tt.posts)
			}
			if tt.check != nil {
				tt.check(t, res.Posts)
			}
			if res.Cursor == nil {
				t.Error("no cursor")
			}
		})
	}
}

func TestFailedPollsReturnErrorsAndNoCursor(t *testing.T) {
	reset := strconv.FormatInt(now.Add(7*time.Minute).Unix(), 10)
	tests := []struct {
		name    string
		answers []fakes.Answer
		is      error
		msg     string
		until   time.Time // for rate limits
	}{
		{name: "401", answers: []fakes.Answer{{Status: 401, File: "testdata/error_unauthorized.json"}},
			is: ErrAuth, msg: "twitter: GET /2/tweets/search/recent: authentication failed: 401 Unauthorized: Unauthorized (check sources.twitter.bearer_token)"},
		{name: "400 invalid query", answers: []fakes.Answer{{Status: 400, File: "testdata/error_invalid_query.json"}},
			is: ErrStatus, msg: "twitter: GET /2/tweets/search/recent: unexpected status: 400 Bad Request: Invalid Request: One or more parameters to your request was invalid.: There were errors processing your request: missing ')' (at position 18) (check the manager's source.query)"},
		{name: "503", answers: []fakes.Answer{{Status: 503, File: "testdata/error_service_unavailable.json"}},
			is: ErrServer, msg: "twitter: GET /2/tweets/search/recent: server error: 503 Service Unavailable: Service Unavailable"},
		{name: "malformed JSON", answers: []fakes.Answer{{File: "testdata/malformed.json"}},
			is: ErrMalformed, msg: "twitter: GET /2/tweets/search/recent: malformed response: unexpected end of JSON input"},
		{name: "not a search answer", answers: []fakes.Answer{{File: "testdata/no_meta.json"}},
			is: ErrMalformed, msg: "twitter: GET /2/tweets/search/recent: malformed response: no meta object"},
		{name: "malformed second page", answers: []fakes.Answer{{File: "testdata/search_page1.json"}, {File: "testdata/malformed.json"}},
			is: ErrMalformed},
		{name: "5xx on the second page", answers: []fakes.Answer{{File: "testdata/search_page1.json"}, {Status: 500, Body: ""}},
			is: ErrServer},
		{name: "too large", answers: []fakes.Answer{{Body: `{"meta":{"result_count":0},"pad":"` + strings.Repeat("x", maxBodyBytes) + `"}`}},
			is: ErrTooLarge},
		{name: "429 with reset", answers: []fakes.Answer{{Status: 429, File: "testdata/error_too_many_requests.json",
			Header: map[string]string{"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}}},
			is: sources.ErrRateLimited, until: now.Add(7 * time.Minute)},
		{name: "429 without headers", answers: []fakes.Answer{{Status: 429, File: "testdata/error_too_many_requests.json"}},
			is: sources.ErrRateLimited, until: now.Add(defaultBlock)},
		{name: "429 monthly cap", answers: []fakes.Answer{{Status: 429, File: "testdata/error_usage_capped.json"}},
			is: sources.ErrRateLimited, until: now.Add(cappedBlock)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := fakes.NewReplay(t, tt.answers...)
			e := newEnv(t, api.URL, 5)
			res, err := e.src.Poll(context.Background(), manager("earshot"), nil)
			sourcetest.Failed(t, res, err, tt.is, tt.msg)
			if strings.Contains(err.Error(), token) || strings.Contains(e.Logs.String(), token) {
				t.Error("the bearer token leaked into the error or the logs")
			}
			if tt.until.IsZero() {
				return
			}
			var rl *sources.RateLimitError
			if !errors.As(err, &rl) || !rl.Until.Equal(tt.until) || rl.Source != "twitter" {
				t.Fatalf("error = %#v, want a RateLimitError until %s", err, tt.until)
			}
			// Every process sharing the RateState now waits, without a call.
			other := New(Config{BaseURL: api.URL, BearerToken: token}, e.Elsewhere()...)
			sourcetest.BlockedElsewhere(t, other, manager("earshot"), api)
			e.Clock.Add(tt.until.Sub(now) + time.Second)
			api.Script(fakes.Answer{File: "testdata/search_empty.json"})
			if _, err := e.src.Poll(context.Background(), manager("earshot"), nil); err != nil {
				t.Errorf("after the reset: %v", err)
			}
		})
	}
}

func TestRateLimitHeadersStopPagingAndKeepTheRestForLater(t *testing.T) {
	x := fakes.NewTwitter(token)
	defer x.Close()
	e := newEnv(t, x.URL, 5)
	m := manager("earshot")
	// First poll: one post.
	x.Add(tweetAt(now.Add(-time.Hour), 0))
	res, err := e.src.Poll(context.Background(), m, nil)
	if err != nil || len(res.Posts) != 1 {
		t.Fatalf("first poll: %v, %d posts", err, len(res.Posts))
	}
	// 150 new posts; the window allows one more call.
	var added []string
	for i := 1; i <= 150; i++ {
		tw := tweetAt(now.Add(-30*time.Minute+time.Duration(i)*time.Second), i)
		added = append(added, tw.ID)
		x.Add(tw)
	}
	x.SetRemaining(1)
	res, err = e.src.Poll(context.Background(), m, res.Cursor)
	if err != nil {
		t.Fatalf("second poll: %v", err)
	}
	if len(res.Posts) != 100 {
		t.Fatalf("second poll: %d posts, want the newest 100", len(res.Posts))
	}
	got := sourcetest.IDs(res.Posts)
	// Blocked until the reset: the next poll makes no call.
	n := len(x.Requests())
	if _, err := e.src.Poll(context.Background(), m, res.Cursor); !errors.Is(err, sources.ErrRateLimited) {
		t.Fatalf("third poll: %v, want rate limited", err)
	}
	if len(x.Requests()) != n {
		t.Fatal("called X while blocked")
	}
	e.Clock.Add(16 * time.Minute)
	x.SetRemaining(100)
	res, err = e.src.Poll(context.Background(), m, res.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, sourcetest.IDs(res.Posts)...)
	sourcetest.EachOnce(t, got, added)
	gapReq := x.Requests()[n]
	if !gapReq.Has("until_id") || gapReq.Get("start_time") != "2026-06-13T11:14:30Z" {
		t.Errorf("the poll after the reset did not read the gap first: %v", gapReq)
	}
}

func tweetAt(t time.Time, seq int) fakes.Tweet {
	return fakes.Tweet{ID: fakes.SnowflakeID(t, seq), Text: fmt.Sprintf("post %d about earshot", seq),
		AuthorID: "42", Username: "someone", Name: "Some One", Created: t, Lang: "en"}
}

func TestCursoringAcrossPagesAndPollsHasNoGapsOrDuplicates(t *testing.T) {
	x := fakes.NewTwitter(token)
	defer x.Close()
	e := newEnv(t, x.URL, 5)
	m := manager("earshot")

	var want []string
	add := func(t time.Time, seq int) {
		tw := tweetAt(t, seq)
		want = append(want, tw.ID)
		x.Add(tw)
	}
	// Older than the backfill: never returned.
	x.Add(tweetAt(now.Add(-25*time.Hour), 9999))
	for i := range 250 {
		add(now.Add(-time.Hour+time.Duration(i)*10*time.Second), i)
	}
	polls := sourcetest.NewPoller(t, e.src, m)
	poll := polls.Poll
	if p := poll(); len(p) != 250 {
		t.Fatalf("first poll: %d posts, want 250 over 3 pages", len(p))
	}
	e.Clock.Add(time.Minute)
	for i := range 30 {
		add(now.Add(time.Duration(i)*time.Second), 1000+i)
	}
	if p := poll(); len(p) != 30 {
		t.Fatalf("second poll: %d posts, want the 30 new", len(p))
	}
	// A post that reached the index late, a little older than the newest.
	add(now.Add(29*time.Second-10*time.Second), 2000)
	// And one on the exact millisecond of the newest.
	add(now.Add(29*time.Second), 2001)
	e.Clock.Add(time.Minute)
	if p := poll(); len(p) != 2 {
		t.Fatalf("third poll: %d posts, want the 2 late ones", len(p))
	}
	e.Clock.Add(time.Minute)
	if p := poll(); len(p) != 0 {
		t.Fatalf("fourth poll: %d posts, want none", len(p))
	}
	sourcetest.EachOnce(t, polls.Got, want)
}

func TestPageBudget(t *testing.T) {
	t.Run("a later poll leaves a gap that the next polls read", func(t *testing.T) {
		x := fakes.NewTwitter(token)
		defer x.Close()
		e := newEnv(t, x.URL, 2)
		m := manager("earshot")
		x.Add(tweetAt(now.Add(-2*time.Hour), 0))
		polls := sourcetest.NewPoller(t, e.src, m)
		if n := len(polls.Poll()); n != 1 {
			t.Fatalf("first poll: %d posts, want 1", n)
		}
		polls.Got = nil
		var want []string
		for i := 1; i <= 450; i++ {
			tw := tweetAt(now.Add(-time.Hour+time.Duration(i)*time.Second), i)
			want = append(want, tw.ID)
			x.Add(tw)
		}
		for poll, n := range []int{200, 200, 50, 0} {
			e.Clock.Add(time.Minute)
			if got := len(polls.Poll()); got != n {
				t.Fatalf("poll %d: %d posts, want %d", poll+2, got, n)
			}
		}
		sourcetest.EachOnce(t, polls.Got, want)
	})
	t.Run("a cold start only shortens the backfill", func(t *testing.T) {
		x := fakes.NewTwitter(token)
		defer x.Close()
		e := newEnv(t, x.URL, 2)
		for i := 1; i <= 450; i++ {
			x.Add(tweetAt(now.Add(-time.Hour+time.Duration(i)*time.Second), i))
		}
		res, err := e.src.Poll(context.Background(), manager("earshot"), nil)
		if err != nil || len(res.Posts) != 200 {
			t.Fatalf("first poll: %v %d", err, len(res.Posts))
		}
		if res.Posts[199].ID != tweetAt(now.Add(-time.Hour+450*time.Second), 450).ID {
			t.Error("the first poll did not return the newest posts")
		}
		e.Clock.Add(time.Minute)
		res, err = e.src.Poll(context.Background(), manager("earshot"), res.Cursor)
		if err != nil || len(res.Posts) != 0 {
			t.Fatalf("second poll: %v %d, want no catching up on the backfill", err, len(res.Posts))
		}
	})
}

func TestRecentSearchReachesBackSevenDays(t *testing.T) {
	api := fakes.NewReplay(t, fakes.Answer{File: "testdata/search_empty.json"})
	e := newEnv(t, api.URL, 5)
	m := manager("earshot")
	m.Source.Backfill = models.Duration(30 * 24 * time.Hour)
	if _, err := e.src.Poll(context.Background(), m, nil); err != nil {
		t.Fatal(err)
	}
	want := now.Add(-reach).Format(time.RFC3339)
	if got := api.Requests()[0].URL.Query().Get("start_time"); got != want {
		t.Errorf("start_time = %s, want %s", got, want)
	}

	// A cursor whose anchor aged past seven days (a paused manager).
	old := cursor{Version: cursorVersion, Config: fingerprintOf("earshot"), Since: now.Add(-9 * 24 * time.Hour),
		Anchor: fakes.SnowflakeID(now.Add(-8*24*time.Hour), 0)}
	raw, _ := json.Marshal(old)
	if _, err := e.src.Poll(context.Background(), manager("earshot"), raw); err != nil {
		t.Fatal(err)
	}
	q := api.Requests()[1].URL.Query()
	if q.Has("since_id") || q.Get("start_time") != want {
		t.Errorf("query = %v, want start_time %s and no since_id", q, want)
	}
}

func fingerprintOf(q string) string { return fingerprint(q) }

func TestChangedQueryStartsOver(t *testing.T) {
	api := fakes.NewReplay(t, fakes.Answer{File: "testdata/search_page1.json"}, fakes.Answer{File: "testdata/search_page2.json"}, fakes.Answer{File: "testdata/search_empty.json"})
	e := newEnv(t, api.URL, 5)
	res, err := e.src.Poll(context.Background(), manager("earshot"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.src.Poll(context.Background(), manager("earshot OR acme"), res.Cursor); err != nil {
		t.Fatal(err)
	}
	q := api.Requests()[2].URL.Query()
	if q.Has("since_id") || q.Get("start_time") == "" || q.Get("query") != "earshot OR acme" {
		t.Errorf("query after a change = %v, want a backfill", q)
	}
}

func TestQuery(t *testing.T) {
	tests := []struct {
		name     string
		query    string
		keywords []string
		excludes []string
		want     string
		err      bool
	}{
		{name: "source query wins", query: " from:acme -is:reply ", keywords: []string{"x"}, want: "from:acme -is:reply"},
		{name: "one word", keywords: []string{"earshot"}, want: "earshot -is:retweet"},
		{name: "phrases OR'ed", keywords: []string{"social listening", "#brand", "@acme", "$ACME", "Zürich"},
			want: `("social listening" OR #brand OR @acme OR $ACME OR Zürich) -is:retweet`},
		{name: "excludes negated", keywords: []string{"earshot"}, excludes: []string{"jobs", "hiring now"},
			want: `earshot -jobs -"hiring now" -is:retweet`},
		{name: "quotes and operators neutralised", keywords: []string{`say "hi"`, "OR", "a-b"},
			want: `("say hi" OR "OR" OR "a-b") -is:retweet`},
		{name: "nothing to search", keywords: []string{" "}, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := manager(tt.query, tt.keywords...)
			m.Input.Excludes = tt.excludes
			got, err := Query(m)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v", err)
			}
			if got != tt.want {
				t.Errorf("Query = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestUnreadableCursorStartsOver(t *testing.T) {
	api := fakes.NewReplay(t, fakes.Answer{File: "testdata/search_empty.json"})
	e := newEnv(t, api.URL, 5)
	for _, raw := range []string{`{"v":99}`, `not json`, `null`} {
		if _, err := e.src.Poll(context.Background(), manager("earshot"), json.RawMessage(raw)); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
	}
	for _, r := range api.Requests() {
		if r.URL.Query().Get("start_time") != "2026-06-12T12:15:00Z" {
			t.Errorf("query = %v, want the backfill", r.URL.Query())
		}
	}
}
