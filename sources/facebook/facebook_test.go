package facebook

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

// token is the one in the fixtures' paging.next URLs.
const (
	token     = "EAAGm0PX4ZCpsBAFAKETOKENFORTESTS"
	appSecret = "0123456789abcdef0123456789abcdef"
)

var now = time.Date(2026, 6, 13, 12, 15, 0, 0, time.UTC)

type env struct {
	*sourcetest.Env
	src *Source
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	if cfg.AccessToken == "" {
		cfg.AccessToken = token
	}
	e := &env{Env: sourcetest.NewEnv(now)}
	e.src = New(cfg, e.Options()...)
	return e
}

// leaked reports whether a credential shows in s.
func leaked(s string) bool {
	return strings.Contains(s, token) || strings.Contains(s, appSecret) || strings.Contains(s, appSecretProof(appSecret, token))
}

func manager(pages ...string) *models.Manager {
	return sourcetest.Manager("fb", Type, Settings{Pages: pages}, "acme")
}

func TestFirstPollMapsEveryFieldAcrossPages(t *testing.T) {
	api := fakes.NewReplay(t, fakes.Answer{File: "testdata/feed_page1.json"}, fakes.Answer{File: "testdata/feed_page2.json"})
	e := newEnv(t, Config{BaseURL: api.URL + "/v21.0", AppSecret: appSecret})
	res, err := e.src.Poll(context.Background(), manager("acmeinc"), nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := api.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2 (page 1, then paging.next)", len(reqs))
	}
	if reqs[0].URL.Path != "/v21.0/acmeinc/feed" || reqs[1].URL.Path != "/v21.0/acmeinc/feed" {
		t.Errorf("paths = %s, %s", reqs[0].URL.Path, reqs[1].URL.Path)
	}
	proof := appSecretProof(appSecret, token)
	want := url.Values{
		"fields":          {"id,message,created_time,permalink_url,from"},
		"limit":           {"100"},
		"since":           {fmt.Sprint(now.Add(-24*time.Hour).Unix() - 1)},
		"access_token":    {token},
		"appsecret_proof": {proof},
	}
	if got := reqs[0].URL.Query(); !reflect.DeepEqual(got, want) {
		t.Errorf("first query =\n%v\nwant\n%v", got, want)
	}
	// paging.next's parameters, with our own credentials (the fixture's
	// appsecret_proof is not ours) and on the configured host.
	want = url.Values{
		"fields":          {"id,message,created_time,permalink_url,from"},
		"limit":           {"100"},
		"pretty":          {"0"},
		"since":           {"1781266499"},
		"until":           {"1781352300"},
		"__paging_token":  {"enc_AdDLBZCpZBxQZBZAJm0pZC"},
		"access_token":    {token},
		"appsecret_proof": {proof},
	}
	if got := reqs[1].URL.Query(); !reflect.DeepEqual(got, want) {
		t.Errorf("second query =\n%v\nwant\n%v", got, want)
	}

	acme := models.User{ID: "104958162837", Name: "Acme Inc.", URL: "https://www.facebook.com/104958162837"}
	wantPosts := []models.Post{
		{Type: "FACEBOOK_POST", Time: sourcetest.Time("2026-06-13T12:00:00Z"), ID: "104958162837_1234567890123456",
			Text: "A post whose author and permalink the token may not see",
			URL:  "https://www.facebook.com/104958162837/posts/1234567890123456"},
		{Type: "FACEBOOK_POST", Time: sourcetest.Time("2026-06-13T12:03:00Z"), ID: "104958162837_1234567890123457",
			URL: "https://www.facebook.com/104958162837/posts/1234567890123457", User: acme},
		{Type: "FACEBOOK_POST", Time: sourcetest.Time("2026-06-13T12:05:00Z"), ID: "104958162837_1234567890123458",
			Text: "Visitor post: your support team was great",
			URL:  "https://www.facebook.com/permalink.php?story_fbid=pfbid02abc&id=104958162837",
			User: models.User{ID: "100087654321098", Name: "Jane Doe", URL: "https://www.facebook.com/100087654321098"}},
		{Type: "FACEBOOK_POST", Time: sourcetest.Time("2026-06-13T12:08:00Z"), ID: "104958162837_1234567890123459",
			Text: "Brand monitoring tips for small teams",
			URL:  "https://www.facebook.com/104958162837/posts/1234567890123459", User: acme},
		{Type: "FACEBOOK_POST", Time: sourcetest.Time("2026-06-13T12:10:00Z"), ID: "104958162837_1234567890123460",
			Text: "We're hiring! Also: anyone know a good social listening tool? 🙏",
			URL:  "https://www.facebook.com/104958162837/posts/1234567890123460", User: acme},
	}
	if !reflect.DeepEqual(res.Posts, wantPosts) {
		g, _ := json.MarshalIndent(res.Posts, "", "  ")
		w, _ := json.MarshalIndent(wantPosts, "", "  ")
		t.Errorf("posts =\n%s\nwant\n%s", g, w)
	}
	b, _ := json.Marshal(res.Posts[0])
	if !strings.Contains(string(b), `"user":{"id":"","name":"","url":""}`) || !strings.Contains(string(b), `"text":"A post`) {
		t.Errorf("contract strings missing: %s", b)
	}
	b, _ = json.Marshal(res.Posts[1])
	if !strings.Contains(string(b), `"text":""`) {
		t.Errorf("a post without a message must carry text \"\": %s", b)
	}
	if leaked(string(res.Cursor)) || leaked(e.Logs.String()) {
		t.Error("a credential leaked into the cursor or the logs")
	}
}

func TestWithoutAppSecretNoProof(t *testing.T) {
	api := fakes.NewReplay(t, fakes.Answer{File: "testdata/feed_empty.json"})
	e := newEnv(t, Config{BaseURL: api.URL + "/v21.0"})
	res, err := e.src.Poll(context.Background(), manager("acmeinc"), nil)
	if err != nil || len(res.Posts) != 0 || res.Cursor == nil {
		t.Fatalf("poll: %v, %d posts, cursor %s", err, len(res.Posts), res.Cursor)
	}
	if q := api.Requests()[0].URL.Query(); q.Has("appsecret_proof") || q.Get("access_token") != token {
		t.Errorf("query = %v", q)
	}
}

func TestAppSecretProof(t *testing.T) {
	// HMAC-SHA256("0123456789abcdef0123456789abcdef", token), hex.
	if got := appSecretProof(appSecret, token); len(got) != 64 || got != appSecretProof(appSecret, token) || got == appSecretProof("other", token) {
		t.Errorf("appsecret_proof = %s", got)
	}
	fb := fakes.NewFacebook(token)
	fb.AppSecret = appSecret
	defer fb.Close()
	e := newEnv(t, Config{BaseURL: fb.URL + "/v21.0", AppSecret: appSecret})
	if _, err := e.src.Poll(context.Background(), manager("acme"), nil); err != nil {
		t.Errorf("the fake Graph API refused the proof: %v", err)
	}
	e = newEnv(t, Config{BaseURL: fb.URL + "/v21.0", AppSecret: "wrong"})
	if _, err := e.src.Poll(context.Background(), manager("acme"), nil); err == nil {
		t.Error("a wrong app secret was accepted")
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
		{name: "expired token", answers: []fakes.Answer{{Status: 400, File: "testdata/error_expired_token.json"}}, is: ErrAuth,
			msg: "facebook: GET /acmeinc/feed: authentication failed: (#190) Error validating access token: Session has expired on Friday, 12-Jun-26 10:00:00 PDT. The current time is Saturday, 13-Jun-26 05:15:00 PDT. [OAuthException, subcode 463, fbtrace_id AZ3kL9xQ2mPvR8tYwN1bC4d]"},
		{name: "missing permission", answers: []fakes.Answer{{Status: 403, File: "testdata/error_permission.json"}}, is: ErrPermission},
		{name: "unknown page", answers: []fakes.Answer{{Status: 400, File: "testdata/error_unknown_page.json"}}, is: ErrStatus},
		{name: "transient", answers: []fakes.Answer{{Status: 500, File: "testdata/error_transient.json"}}, is: ErrServer},
		{name: "502 without a Graph error", answers: []fakes.Answer{{Status: 502, Body: "<html>bad gateway</html>"}}, is: ErrServer,
			msg: "facebook: GET /acmeinc/feed: server error: 502 Bad Gateway"},
		{name: "malformed JSON", answers: []fakes.Answer{{File: "testdata/malformed.json"}}, is: ErrMalformed,
			msg: "facebook: GET /acmeinc/feed: malformed response: unexpected end of JSON input"},
		{name: "not a feed", answers: []fakes.Answer{{File: "testdata/no_data.json"}}, is: ErrMalformed,
			msg: "facebook: GET /acmeinc/feed: malformed response: no data array"},
		{name: "bad created_time", answers: []fakes.Answer{{Body: `{"data":[{"id":"1_2","created_time":"yesterday"}]}`}}, is: ErrMalformed,
			msg: "facebook: GET /acmeinc/feed: malformed response: data[0] has no valid created_time"},
		{name: "5xx on the second page", answers: []fakes.Answer{{File: "testdata/feed_page1.json"}, {Status: 503, Body: "{}"}}, is: ErrServer},
		{name: "too large", answers: []fakes.Answer{{Body: `{"data":[],"pad":"` + strings.Repeat("x", maxBodyBytes) + `"}`}}, is: ErrTooLarge},
		{name: "token echoed in a message", answers: []fakes.Answer{{Status: 400,
			Body: `{"error":{"message":"Malformed access token ` + token + `","type":"OAuthException","code":190,"fbtrace_id":"X"}}`}},
			is: ErrAuth, msg: "facebook: GET /acmeinc/feed: authentication failed: (#190) Malformed access token <secret> [OAuthException, fbtrace_id X]"},
		{name: "app throttled", answers: []fakes.Answer{{Status: 400, File: "testdata/error_app_throttled.json",
			Header: map[string]string{"X-App-Usage": `{"call_count":100,"total_cputime":20,"total_time":30}`}}},
			is: sources.ErrRateLimited, until: now.Add(defaultBlock)},
		{name: "page throttled with an estimate", answers: []fakes.Answer{{Status: 400, File: "testdata/error_page_throttled.json",
			Header: map[string]string{"X-Business-Use-Case-Usage": `{"104958162837":[{"type":"pages","call_count":100,"total_cputime":10,"total_time":12,"estimated_time_to_regain_access":17}]}`}}},
			is: sources.ErrRateLimited, until: now.Add(17 * time.Minute)},
		{name: "429", answers: []fakes.Answer{{Status: 429, Body: "", Header: map[string]string{"Retry-After": "120"}}},
			is: sources.ErrRateLimited, until: now.Add(2 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := fakes.NewReplay(t, tt.answers...)
			e := newEnv(t, Config{BaseURL: api.URL + "/v21.0", AppSecret: appSecret})
			res, err := e.src.Poll(context.Background(), manager("acmeinc"), nil)
			sourcetest.Failed(t, res, err, tt.is, tt.msg)
			if leaked(err.Error()) || leaked(e.Logs.String()) {
				t.Errorf("a credential leaked:\n%s\n%s", err, e.Logs)
			}
			if tt.until.IsZero() {
				return
			}
			var rl *sources.RateLimitError
			if !errors.As(err, &rl) || !rl.Until.Equal(tt.until) || rl.Source != "facebook" {
				t.Fatalf("error = %v, want rate limited until %s", err, tt.until)
			}
			other := New(Config{BaseURL: api.URL + "/v21.0", AccessToken: token}, e.Elsewhere()...)
			sourcetest.BlockedElsewhere(t, other, manager("acmeinc"), api)
		})
	}
}

func TestHighUsageHoldsBackBeforeTheLimit(t *testing.T) {
	api := fakes.NewReplay(t, fakes.Answer{File: "testdata/feed_empty.json",
		Header: map[string]string{"X-App-Usage": `{"call_count":96,"total_cputime":10,"total_time":10}`}})
	e := newEnv(t, Config{BaseURL: api.URL + "/v21.0"})
	res, err := e.src.Poll(context.Background(), manager("acmeinc"), nil)
	if err != nil {
		t.Fatalf("the call that reported high usage succeeded; the poll must too: %v", err)
	}
	if _, err := e.src.Poll(context.Background(), manager("acmeinc"), res.Cursor); !errors.Is(err, sources.ErrRateLimited) {
		t.Errorf("next poll: %v, want held back", err)
	}
	e.Clock.Add(defaultBlock + time.Second)
	if _, err := e.src.Poll(context.Background(), manager("acmeinc"), res.Cursor); err != nil {
		t.Errorf("after the block: %v", err)
	}
}

func post(page string, n int, t time.Time) fakes.FacebookPost {
	return fakes.FacebookPost{ID: fmt.Sprintf("%s_%d", page, 1000000+n), Page: page, Message: fmt.Sprintf("post %d", n),
		FromID: page, FromName: "Page " + page, Created: t}
}

func TestCursoringAcrossPagesAndPollsHasNoGapsOrDuplicates(t *testing.T) {
	fb := fakes.NewFacebook(token)
	defer fb.Close()
	e := newEnv(t, Config{BaseURL: fb.URL + "/v21.0", MaxPages: 5})
	m := manager("111", "222")
	var want []string
	add := func(p fakes.FacebookPost) {
		want = append(want, p.ID)
		fb.Add(p)
	}
	fb.Add(post("111", 0, now.Add(-25*time.Hour))) // older than the backfill
	for i := range 230 {
		// Several posts per second, so page boundaries split seconds.
		add(post("111", i+1, now.Add(-10*time.Hour+time.Duration(i/3)*time.Minute)))
	}
	for i := range 20 {
		add(post("222", i+1, now.Add(-time.Hour+time.Duration(i)*time.Minute)))
	}
	polls := sourcetest.NewPoller(t, e.src, m)
	poll := func() int { return len(polls.Poll()) }
	if n := poll(); n != 250 {
		t.Fatalf("first poll: %d, want 250", n)
	}
	e.Clock.Add(time.Minute)
	add(post("111", 500, now.Add(30*time.Second)))
	add(post("111", 501, now.Add(30*time.Second)))
	add(post("222", 500, now.Add(40*time.Second)))
	if n := poll(); n != 3 {
		t.Fatalf("second poll: %d, want 3", n)
	}
	// A post that reached the feed late (a scheduled post), 2 minutes
	// before the newest.
	add(post("111", 502, now.Add(-90*time.Second)))
	e.Clock.Add(time.Minute)
	if n := poll(); n != 1 {
		t.Fatalf("third poll: %d, want the late one", n)
	}
	// A page added to the manager starts with its own backfill; the
	// others keep their windows.
	fb.Add(post("333", 1, now.Add(-2*time.Hour)))
	want = append(want, "333_1000001")
	m.Source.Settings = models.SettingsOf(Settings{Pages: []string{"acmeinc", "333"}})
	e.Clock.Add(time.Minute)
	if n := poll(); n != 1 {
		t.Fatalf("fourth poll: %d, want the new page's post", n)
	}
	if n := poll(); n != 0 {
		t.Fatalf("fifth poll: %d, want none", n)
	}
	sourcetest.EachOnce(t, polls.Got, want)
}

func TestPageBudgetLeavesAGapTheNextPollsRead(t *testing.T) {
	fb := fakes.NewFacebook(token)
	defer fb.Close()
	e := newEnv(t, Config{BaseURL: fb.URL + "/v21.0", MaxPages: 2})
	m := manager("111")
	fb.Add(post("111", 0, now.Add(-5*time.Hour)))
	polls := sourcetest.NewPoller(t, e.src, m)
	if n := len(polls.Poll()); n != 1 {
		t.Fatalf("first poll: %d posts, want 1", n)
	}
	polls.Got = nil
	var want []string
	for i := range 450 {
		p := post("111", i+1, now.Add(-4*time.Hour+time.Duration(i)*10*time.Second))
		want = append(want, p.ID)
		fb.Add(p)
	}
	for poll := range 4 {
		e.Clock.Add(time.Minute)
		if n := len(polls.Poll()); poll == 0 && n != 200 {
			t.Fatalf("second poll: %d, want the newest 200", n)
		}
	}
	sourcetest.EachOnce(t, polls.Got, want)
	if q := fb.Requests()[3]; !q.Has("until") {
		t.Errorf("the poll after a cut-short one did not read the gap first: %v", q)
	}
}

func TestRateLimitMidPollKeepsWhatWasRead(t *testing.T) {
	api := fakes.NewReplay(t,
		fakes.Answer{File: "testdata/feed_page1.json"}, fakes.Answer{File: "testdata/feed_page2.json"},
		fakes.Answer{Status: 400, File: "testdata/error_page_throttled.json"})
	e := newEnv(t, Config{BaseURL: api.URL + "/v21.0"})
	m := manager("acmeinc", "other")
	res, err := e.src.Poll(context.Background(), m, nil)
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	if len(res.Posts) != 5 {
		t.Errorf("%d posts, want the first page's 5", len(res.Posts))
	}
	var c cursor
	_ = json.Unmarshal(res.Cursor, &c)
	if _, ok := c.Pages["other"]; ok {
		t.Error("the page not read got a window")
	}
	if _, ok := c.Pages["acmeinc"]; !ok {
		t.Error("the page read has no window")
	}
}

func TestPagesAreChecked(t *testing.T) {
	e := newEnv(t, Config{BaseURL: "http://127.0.0.1:1"})
	for _, pages := range [][]string{nil, {" "}, {"a/b"}} {
		if _, err := e.src.Poll(context.Background(), manager(pages...), nil); err == nil {
			t.Errorf("pages %q accepted", pages)
		}
	}
}
