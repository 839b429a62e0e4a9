package reddit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/internal/fetch"
	"github.com/earshothq/earshot/sources/internal/sourcetest"
	"github.com/earshothq/earshot/sources/twitter"
)

// t0 is the fake clock's start: the fixtures' posts are from the 24 hours
// before it.
var t0 = time.Date(2026, 6, 13, 12, 30, 0, 0, time.UTC)

const (
	testClientID = "earshot-client-id"
	testSecret   = "s3cr3t-client-secret"
	testPassword = "hunter2-password"
	testUA       = "earshot-test/1.0 (by u/earshot_dev)"
)

// Fixture post fullnames, newest first within each listing.
const (
	postA = "t3_1l9q7xk" // 12:25:10, new_page1
	postB = "t3_1l9p4fz" // 12:10:00, new_page1
	postC = "t3_1l9o1aa" // 11:50:00, new_page1
	postD = "t3_1l9ktq2" // 08:00:00, new_page2
	postE = "t3_1l96abc" // yesterday 13:00, new_page2
	postG = "t3_1l9qa01" // 12:33:30, new_before
	postH = "t3_1l9q9zz" // 12:31:05, new_before
	postJ = "t3_1l9qb77" // 12:36:00, new_fallback, new_latest
	postK = "t3_1l9q3kk" // 12:20:00, new_fallback, new_latest (approved late)
	postS = "t3_1l9pz11" // 12:28:20, search_page1
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// mapRateState is a sources.RateState that leaves comparing times to the
// Source (and so to the fake clock).
type mapRateState struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func (s *mapRateState) BlockedUntil(_ context.Context, key string) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[key], nil
}

func (s *mapRateState) Block(_ context.Context, key string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if until.After(s.m[key]) {
		s.m[key] = until
	}
	return nil
}

func (s *mapRateState) snapshot() map[string]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]time.Time, len(s.m))
	for k, v := range s.m {
		out[k] = v
	}
	return out
}

// request is what the fake Reddit received.
type request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Form   url.Values
	User   string // basic auth
	Pass   string
}

// fakeReddit answers API calls from a queue of handlers, in order, and
// token calls with its token handler (by default "tok-1", "tok-2", … valid
// for an hour). An API call beyond the queue fails the test.
type fakeReddit struct {
	t     *testing.T
	srv   *httptest.Server
	mu    sync.Mutex
	api   []http.HandlerFunc
	token http.HandlerFunc

	apiReqs   []request
	tokenReqs []request
	tokens    []string // served, to check none leaks
}

func newFakeReddit(t *testing.T) *fakeReddit {
	f := &fakeReddit{t: t}
	f.token = func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		tok := fmt.Sprintf("tok-%d-%s", len(f.tokens), strings.Repeat("x", 20))
		f.tokens = append(f.tokens, tok)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		fmt.Fprintf(w, `{"access_token": %q, "token_type": "bearer", "expires_in": 3600, "scope": "*"}`, tok)
	}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeReddit) push(h ...http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.api = append(f.api, h...)
}

func (f *fakeReddit) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	user, pass, _ := r.BasicAuth()
	rec := request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(),
		Form: r.PostForm, User: user, Pass: pass}
	f.mu.Lock()
	if r.URL.Path == "/api/v1/access_token" {
		f.tokenReqs = append(f.tokenReqs, rec)
		h := f.token
		f.mu.Unlock()
		h(w, r)
		return
	}
	f.apiReqs = append(f.apiReqs, rec)
	if len(f.api) == 0 {
		f.mu.Unlock()
		f.t.Errorf("unexpected API call %s %s?%s", r.Method, r.URL.Path, r.URL.RawQuery)
		http.Error(w, "unexpected", http.StatusTeapot)
		return
	}
	h := f.api[0]
	f.api = f.api[1:]
	f.mu.Unlock()
	h(w, r)
}

func (f *fakeReddit) apiCalls() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.apiReqs...)
}

func (f *fakeReddit) tokenCalls() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.tokenReqs...)
}

// file answers 200 with a testdata file; headers are name, value pairs.
func file(name string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Write(b)
	}
}

// status answers code with Reddit's JSON error body.
func status(code int, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"message": %q, "error": %d}`, http.StatusText(code), code)
	}
}

type env struct {
	f     *fakeReddit
	clock *fakeClock
	rate  *mapRateState
	logs  *sourcetest.Buffer
	src   *Source
}

// oauthConfig and publicConfig are completed with the fake's URLs by setup.
var (
	oauthConfig  = Config{ClientID: testClientID, ClientSecret: testSecret, UserAgent: testUA}
	publicConfig = Config{UserAgent: testUA}
)

// setup starts a fake Reddit and a Source talking to it. At the end of the
// test it checks that no secret or token reached the logs.
func setup(t *testing.T, cfg Config, opts ...sources.Option) *env {
	t.Helper()
	e := &env{
		f:     newFakeReddit(t),
		clock: &fakeClock{t: t0},
		rate:  &mapRateState{m: map[string]time.Time{}},
		logs:  &sourcetest.Buffer{},
	}
	cfg.BaseURL = e.f.srv.URL
	cfg.TokenURL = e.f.srv.URL + "/api/v1/access_token"
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts = append([]sources.Option{sources.WithLogger(log), sources.WithClock(e.clock.Now), sources.WithRateState(e.rate)}, opts...)
	e.src = New(cfg, opts...)
	t.Cleanup(func() {
		logs := e.logs.String()
		for _, secret := range append([]string{testSecret, testPassword, "fixture-token"}, e.f.tokens...) {
			if strings.Contains(logs, secret) {
				t.Errorf("logs contain the secret %q:\n%s", secret, logs)
			}
		}
	})
	return e
}

func manager(subreddits []string, query string) *models.Manager {
	return &models.Manager{
		Meta:   models.Meta{Name: "namespaces/acme/managers/reddit-leads"},
		ID:     "reddit-leads",
		Type:   models.ManagerTypeFeed,
		Enable: true,
		Source: models.Source{Type: "REDDIT", Settings: models.SettingsOf(Settings{Subreddits: subreddits, Query: query})},
	}
}

var bothSubs = []string{"marketing", "smallbusiness"}

func wantIDs(t *testing.T, got []models.Post, want ...string) {
	t.Helper()
	if g := sourcetest.IDs(got); !reflect.DeepEqual(g, want) && !(len(g) == 0 && len(want) == 0) {
		t.Errorf("posts = %v, want %v", g, want)
	}
}

func mustPoll(t *testing.T, e *env, m *models.Manager, cursor json.RawMessage) sources.Result {
	t.Helper()
	res, err := e.src.Poll(context.Background(), m, cursor)
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	if len(res.Cursor) == 0 {
		t.Fatal("Poll returned no cursor")
	}
	return res
}

// coldStart runs a first poll of bothSubs over new_page1 and new_page2.
func coldStart(t *testing.T, e *env) sources.Result {
	t.Helper()
	e.f.push(file("new_page1.json"), file("new_page2.json"))
	return mustPoll(t, e, manager(bothSubs, ""), nil)
}

func TestTokenGrants(t *testing.T) {
	tests := []struct {
		name     string
		username string
		password string
		wantForm url.Values
	}{
		{
			name:     "client credentials",
			wantForm: url.Values{"grant_type": {"client_credentials"}},
		},
		{
			name:     "password grant",
			username: "earshot_bot",
			password: testPassword,
			wantForm: url.Values{"grant_type": {"password"}, "username": {"earshot_bot"}, "password": {testPassword}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := oauthConfig
			cfg.Username, cfg.Password = tt.username, tt.password
			e := setup(t, cfg)
			e.f.token = file("token.json")
			e.f.push(file("empty.json"))
			mustPoll(t, e, manager(bothSubs, ""), nil)

			toks := e.f.tokenCalls()
			if len(toks) != 1 {
				t.Fatalf("token requests = %d, want 1", len(toks))
			}
			tr := toks[0]
			if tr.Method != http.MethodPost || tr.User != testClientID || tr.Pass != testSecret {
				t.Errorf("token request = %s basic %q:%q, want POST with basic auth client id:secret", tr.Method, tr.User, tr.Pass)
			}
			if ct := tr.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
				t.Errorf("token Content-Type = %q", ct)
			}
			if !reflect.DeepEqual(tr.Form, tt.wantForm) {
				t.Errorf("token form = %v, want %v", tr.Form, tt.wantForm)
			}
			if ua := tr.Header.Get("User-Agent"); ua != testUA {
				t.Errorf("token User-Agent = %q, want %q", ua, testUA)
			}
			api := e.f.apiCalls()[0]
			if got, want := api.Header.Get("Authorization"), "bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IlNIQTI1NjpzS3dsMnlsV0VtMjVmcXhwTU40cWY4MXE2OWFFdWFyMnpLMUdhVGxjdWNZIiwidHlwIjoiSldUIn0.fixture-token"; got != want {
				t.Errorf("API Authorization = %q, want %q", got, want)
			}
			if api.Path != "/r/marketing+smallbusiness/new" {
				t.Errorf("OAuth API path = %q, want no .json suffix", api.Path)
			}
			if ua := api.Header.Get("User-Agent"); ua != testUA {
				t.Errorf("API User-Agent = %q, want %q", ua, testUA)
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	tests := []struct {
		name     string
		password string
		token    http.HandlerFunc
		want     []string
		wantIs   error
	}{
		{
			name:     "invalid grant",
			password: testPassword,
			token:    file("token_invalid_grant.json"),
			want:     []string{"reddit: POST /api/v1/access_token: authentication failed: invalid_grant", "username and password"},
			wantIs:   fetch.ErrAuth,
		},
		{
			name: "wrong client secret",
			token: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(401)
				file("token_unauthorized.json")(w, r)
			},
			want:   []string{"reddit: POST /api/v1/access_token: authentication failed: 401 Unauthorized", "client_id and client_secret"},
			wantIs: fetch.ErrAuth,
		},
		{
			name:   "token endpoint down",
			token:  status(http.StatusBadGateway),
			want:   []string{"reddit: POST /api/v1/access_token: server error: 502 Bad Gateway"},
			wantIs: fetch.ErrServer,
		},
		{
			name:   "token endpoint rate limited",
			token:  status(http.StatusTooManyRequests, "Retry-After", "30"),
			want:   []string{"reddit: rate limited until 2026-06-13T12:30:30Z"},
			wantIs: sources.ErrRateLimited,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := oauthConfig
			if tt.password != "" {
				cfg.Username, cfg.Password = "earshot_bot", tt.password
			}
			e := setup(t, cfg)
			e.f.token = tt.token
			res, err := e.src.Poll(context.Background(), manager(bothSubs, ""), nil)
			if !errors.Is(err, tt.wantIs) {
				t.Fatalf("err = %v, want %v", err, tt.wantIs)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %q, want it to contain %q", err, w)
				}
			}
			for _, secret := range []string{testSecret, testPassword, testClientID} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("err %q leaks %q", err, secret)
				}
			}
			if res.Cursor != nil || res.Posts != nil {
				t.Errorf("failed poll returned %+v", res)
			}
			if n := len(e.f.apiCalls()); n != 0 {
				t.Errorf("API calls = %d without a token, want 0", n)
			}
		})
	}
}

func TestTokenCachedUntilShortlyBeforeExpiry(t *testing.T) {
	e := setup(t, oauthConfig)
	m := manager(bothSubs, "")
	var cursor json.RawMessage
	// The fake's tokens live 3600 s; the Source renews 60 s early.
	for _, step := range []struct {
		advance time.Duration
		token   string
	}{
		{0, "tok-0-"},
		{30 * time.Minute, "tok-0-"},
		{28*time.Minute + 59*time.Second, "tok-0-"}, // 3539 s
		{2 * time.Second, "tok-1-"},                 // 3541 s: renewed
		{10 * time.Minute, "tok-1-"},
	} {
		e.clock.Advance(step.advance)
		e.f.push(file("empty.json"))
		cursor = mustPoll(t, e, m, cursor).Cursor
		calls := e.f.apiCalls()
		if got := calls[len(calls)-1].Header.Get("Authorization"); !strings.HasPrefix(got, "bearer "+step.token) {
			t.Errorf("after %s: Authorization = %q, want bearer %s…", e.clock.Now().Sub(t0), got, step.token)
		}
	}
	if n := len(e.f.tokenCalls()); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
}

func TestUnauthorizedRefreshesTokenOnce(t *testing.T) {
	tests := []struct {
		name       string
		api        []http.HandlerFunc
		wantErr    error
		wantTokens int
	}{
		{"stale token is replaced", []http.HandlerFunc{status(401), file("empty.json")}, nil, 2},
		{"refused twice fails", []http.HandlerFunc{status(401), status(401)}, fetch.ErrAuth, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, oauthConfig)
			e.f.push(tt.api...)
			_, err := e.src.Poll(context.Background(), manager(bothSubs, ""), nil)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil && !strings.Contains(err.Error(), "GET /r/marketing+smallbusiness/new: authentication failed: 401") {
				t.Errorf("err = %q", err)
			}
			if n := len(e.f.tokenCalls()); n != tt.wantTokens {
				t.Errorf("token requests = %d, want %d", n, tt.wantTokens)
			}
			calls := e.f.apiCalls()
			if len(calls) != 2 {
				t.Fatalf("API calls = %d, want 2", len(calls))
			}
			if a, b := calls[0].Header.Get("Authorization"), calls[1].Header.Get("Authorization"); a == b {
				t.Errorf("retry used the refused token %q again", a)
			}
		})
	}
}

func TestPublicMode(t *testing.T) {
	e := setup(t, publicConfig)
	e.f.push(file("new_page1.json"), file("new_page2.json"))
	res := mustPoll(t, e, manager(bothSubs, ""), nil)
	wantIDs(t, res.Posts, postE, postD, postC, postB, postA)
	if n := len(e.f.tokenCalls()); n != 0 {
		t.Errorf("token requests = %d in public mode", n)
	}
	for _, c := range e.f.apiCalls() {
		if c.Path != "/r/marketing+smallbusiness/new.json" {
			t.Errorf("path = %q, want the .json form", c.Path)
		}
		if a := c.Header.Get("Authorization"); a != "" {
			t.Errorf("Authorization = %q in public mode", a)
		}
		if ua := c.Header.Get("User-Agent"); ua != testUA {
			t.Errorf("User-Agent = %q, want %q", ua, testUA)
		}
	}
	if _, blocked := e.rate.snapshot()["reddit:public"]; blocked {
		t.Error("blocked without rate-limit headers")
	}
}

func TestEndpoints(t *testing.T) {
	tests := []struct {
		name       string
		cfg        Config
		subreddits []string
		query      string
		wantPath   string
		wantQuery  url.Values
		wantUA     string
	}{
		{
			name:       "subreddits read /new",
			cfg:        oauthConfig,
			subreddits: []string{"SmallBusiness", "r/marketing", "/r/marketing/"},
			wantPath:   "/r/marketing+smallbusiness/new",
			wantQuery:  url.Values{"limit": {"100"}, "raw_json": {"1"}},
			wantUA:     testUA,
		},
		{
			name:       "query within subreddits",
			cfg:        oauthConfig,
			subreddits: bothSubs,
			query:      ` "social listening" OR "brand monitoring" `,
			wantPath:   "/r/marketing+smallbusiness/search",
			wantQuery: url.Values{"q": {`"social listening" OR "brand monitoring"`}, "restrict_sr": {"1"},
				"sort": {"new"}, "limit": {"100"}, "raw_json": {"1"}, "type": {"link"}},
			wantUA: testUA,
		},
		{
			name:      "query everywhere",
			cfg:       oauthConfig,
			query:     "earshot",
			wantPath:  "/search",
			wantQuery: url.Values{"q": {"earshot"}, "sort": {"new"}, "limit": {"100"}, "raw_json": {"1"}, "type": {"link"}},
			wantUA:    testUA,
		},
		{
			name:       "public subreddits",
			cfg:        Config{},
			subreddits: []string{"marketing"},
			wantPath:   "/r/marketing/new.json",
			wantQuery:  url.Values{"limit": {"100"}, "raw_json": {"1"}},
			wantUA:     DefaultUserAgent,
		},
		{
			name:       "public search within subreddits",
			cfg:        publicConfig,
			subreddits: []string{"marketing"},
			query:      "crm",
			wantPath:   "/r/marketing/search.json",
			wantQuery: url.Values{"q": {"crm"}, "restrict_sr": {"1"}, "sort": {"new"}, "limit": {"100"},
				"raw_json": {"1"}, "type": {"link"}},
			wantUA: testUA,
		},
		{
			name:      "public search everywhere",
			cfg:       publicConfig,
			query:     "crm",
			wantPath:  "/search.json",
			wantQuery: url.Values{"q": {"crm"}, "sort": {"new"}, "limit": {"100"}, "raw_json": {"1"}, "type": {"link"}},
			wantUA:    testUA,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, tt.cfg)
			e.f.push(file("empty.json"))
			mustPoll(t, e, manager(tt.subreddits, tt.query), nil)
			c := e.f.apiCalls()[0]
			if c.Method != http.MethodGet || c.Path != tt.wantPath {
				t.Errorf("request = %s %s, want GET %s", c.Method, c.Path, tt.wantPath)
			}
			if !reflect.DeepEqual(c.Query, tt.wantQuery) {
				t.Errorf("query = %v, want %v", c.Query, tt.wantQuery)
			}
			if ua := c.Header.Get("User-Agent"); ua != tt.wantUA {
				t.Errorf("User-Agent = %q, want %q", ua, tt.wantUA)
			}
		})
	}
}

func TestInvalidSource(t *testing.T) {
	tests := []struct {
		name       string
		subreddits []string
		query      string
		want       string
	}{
		{"path in a subreddit name", []string{"marketing/../../api/v1/me"}, "", `reddit: invalid subreddit name`},
		{"empty subreddit name", []string{""}, "", `reddit: invalid subreddit name ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, oauthConfig)
			_, err := e.src.Poll(context.Background(), manager(tt.subreddits, tt.query), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if n := len(e.f.apiCalls()) + len(e.f.tokenCalls()); n != 0 {
				t.Errorf("%d requests for an invalid source", n)
			}
		})
	}
}

func TestFirstPollBackfill(t *testing.T) {
	tests := []struct {
		name      string
		query     string
		backfill  time.Duration
		maxPages  int
		pages     []string
		want      []string
		wantAfter []string // after= of each request
	}{
		{
			name:      "default 24h reaches into page 2 and stops at the boundary",
			pages:     []string{"new_page1.json", "new_page2.json"},
			want:      []string{postE, postD, postC, postB, postA},
			wantAfter: []string{"", postC},
		},
		{
			name:      "30m backfill needs one page",
			backfill:  30 * time.Minute,
			pages:     []string{"new_page1.json"},
			want:      []string{postB, postA},
			wantAfter: []string{""},
		},
		{
			name:      "page limit shortens the backfill",
			maxPages:  1,
			pages:     []string{"new_page1.json"},
			want:      []string{postC, postB, postA},
			wantAfter: []string{""},
		},
		{
			name:      "search pages back the same way",
			query:     "social listening",
			pages:     []string{"new_page1.json", "new_page2.json"},
			want:      []string{postE, postD, postC, postB, postA},
			wantAfter: []string{"", postC},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, oauthConfig, WithMaxPages(tt.maxPages))
			for _, p := range tt.pages {
				e.f.push(file(p))
			}
			m := manager(bothSubs, tt.query)
			m.Source.Backfill = models.Duration(tt.backfill)
			res := mustPoll(t, e, m, nil)
			wantIDs(t, res.Posts, tt.want...)
			calls := e.f.apiCalls()
			if len(calls) != len(tt.wantAfter) {
				t.Fatalf("API calls = %d, want %d", len(calls), len(tt.wantAfter))
			}
			for i, c := range calls {
				if got := c.Query.Get("after"); got != tt.wantAfter[i] {
					t.Errorf("request %d after = %q, want %q", i, got, tt.wantAfter[i])
				}
				if c.Query.Has("before") {
					t.Errorf("request %d has before= on a first poll", i)
				}
			}
		})
	}
}

func TestLaterPolls(t *testing.T) {
	e := setup(t, oauthConfig)
	m := manager(bothSubs, "")
	cur := coldStart(t, e).Cursor

	steps := []struct {
		name       string
		pages      []string
		wantBefore []string // before= of each request ("" for none)
		want       []string
	}{
		{
			name:       "before pages forward from the newest post",
			pages:      []string{"new_before.json"},
			wantBefore: []string{postA},
			want:       []string{postH, postG},
		},
		{
			name:       "quiet before falls back to the newest page, seen posts dropped",
			pages:      []string{"empty.json", "new_latest.json"},
			wantBefore: []string{postG, ""},
			want:       []string{postJ},
		},
		{
			name:       "nothing new: no duplicates",
			pages:      []string{"empty.json", "new_latest.json"},
			wantBefore: []string{postJ, ""},
			want:       nil,
		},
		{
			name:       "after a quiet poll one plain page suffices",
			pages:      []string{"new_latest.json"},
			wantBefore: []string{""},
			want:       nil,
		},
	}
	for _, st := range steps {
		e.clock.Advance(time.Minute)
		n := len(e.f.apiCalls())
		for _, p := range st.pages {
			e.f.push(file(p))
		}
		res := mustPoll(t, e, m, cur)
		cur = res.Cursor
		calls := e.f.apiCalls()[n:]
		if len(calls) != len(st.wantBefore) {
			t.Fatalf("%s: API calls = %d, want %d", st.name, len(calls), len(st.wantBefore))
		}
		for i, c := range calls {
			if got := c.Query.Get("before"); got != st.wantBefore[i] {
				t.Errorf("%s: request %d before = %q, want %q", st.name, i, got, st.wantBefore[i])
			}
			if c.Query.Has("after") {
				t.Errorf("%s: request %d has after=", st.name, i)
			}
		}
		if g := sourcetest.IDs(res.Posts); !reflect.DeepEqual(g, st.want) && len(g)+len(st.want) > 0 {
			t.Errorf("%s: posts = %v, want %v", st.name, g, st.want)
		}
	}

	var c cursor
	if err := json.Unmarshal(cur, &c); err != nil {
		t.Fatal(err)
	}
	if c.Newest != postJ || !c.NewestTime.Equal(time.Date(2026, 6, 13, 12, 36, 0, 0, time.UTC)) {
		t.Errorf("cursor newest = %s at %s, want %s at 12:36", c.Newest, c.NewestTime, postJ)
	}
	if want := []string{postE, postD, postC, postB, postA, postH, postG, postJ}; !reflect.DeepEqual(c.Seen, want) {
		t.Errorf("cursor seen = %v, want %v", c.Seen, want)
	}
}

func TestFallbackWhenAnchorDeleted(t *testing.T) {
	e := setup(t, oauthConfig)
	m := manager(bothSubs, "")
	cursor := coldStart(t, e).Cursor
	e.clock.Advance(6 * time.Minute)

	// Post A, the anchor, was removed: before=A answers nothing, although
	// J was posted since and K (held by the spam filter) was approved.
	e.f.push(file("empty.json"), file("new_fallback.json"))
	res := mustPoll(t, e, m, cursor)
	wantIDs(t, res.Posts, postK, postJ)
	calls := e.f.apiCalls()[2:]
	if len(calls) != 2 || calls[0].Query.Get("before") != postA || calls[1].Query.Has("before") {
		t.Errorf("requests = %+v, want before=%s then a plain page", calls, postA)
	}
}

func TestBeforePagesWhileFull(t *testing.T) {
	e := setup(t, oauthConfig)
	m := manager(bothSubs, "")
	cursor := coldStart(t, e).Cursor
	e.clock.Advance(5 * time.Minute)

	full, newestOfFull, want := fullPage(t)
	e.f.push(serve(full), file("new_before.json"))
	res := mustPoll(t, e, m, cursor)
	want = append(want, postH, postG)
	wantIDs(t, res.Posts, want...)

	calls := e.f.apiCalls()[2:]
	if len(calls) != 2 {
		t.Fatalf("API calls = %d, want 2", len(calls))
	}
	if b0, b1 := calls[0].Query.Get("before"), calls[1].Query.Get("before"); b0 != postA || b1 != newestOfFull {
		t.Errorf("before = %q then %q, want %q then %q", b0, b1, postA, newestOfFull)
	}
}

// fullPage builds a 100-post page of /new newer than post A, from post A's
// own fields. It returns the body, its newest fullname and its fullnames
// oldest first.
func fullPage(t *testing.T) (body []byte, newest string, oldestFirst []string) {
	t.Helper()
	raw, err := os.ReadFile("testdata/new_page1.json")
	if err != nil {
		t.Fatal(err)
	}
	var l struct {
		Kind string `json:"kind"`
		Data struct {
			Children []struct {
				Kind string         `json:"kind"`
				Data map[string]any `json:"data"`
			} `json:"children"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &l); err != nil {
		t.Fatal(err)
	}
	tmpl := l.Data.Children[0]
	base, _ := strconv.ParseInt(strings.TrimPrefix(postA, "t3_"), 36, 64)
	children := make([]any, pageLimit)
	for i := range pageLimit {
		id := strconv.FormatInt(base+1+int64(i), 36)
		d := make(map[string]any, len(tmpl.Data))
		for k, v := range tmpl.Data {
			d[k] = v
		}
		created := float64(t0.Add(-4*time.Minute + time.Duration(i)*2*time.Second).Unix())
		d["id"], d["name"] = id, "t3_"+id
		d["created_utc"], d["created"] = created, created
		d["title"] = fmt.Sprintf("Burst post %d", i)
		d["permalink"] = fmt.Sprintf("/r/marketing/comments/%s/burst_post_%d/", id, i)
		children[pageLimit-1-i] = map[string]any{"kind": "t3", "data": d} // newest first
		oldestFirst = append(oldestFirst, "t3_"+id)
	}
	body, err = json.Marshal(map[string]any{"kind": "Listing", "data": map[string]any{
		"after": oldestFirst[0], "before": oldestFirst[pageLimit-1], "dist": pageLimit,
		"modhash": "", "geo_filter": "", "children": children,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return body, oldestFirst[pageLimit-1], oldestFirst
}

func serve(body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.Write(body)
	}
}

func TestSearchLaterPoll(t *testing.T) {
	e := setup(t, oauthConfig)
	m := manager([]string{"marketing", "SaaS"}, "social listening")
	e.f.push(file("search_page1.json"))
	cursor := mustPoll(t, e, m, nil).Cursor
	e.clock.Advance(6 * time.Minute)

	// Search is read back from the newest page to the newest post's time
	// (12:28:20) less the overlap: K (12:20) is in, B (12:10) ends the walk.
	e.f.push(file("new_latest.json"))
	res := mustPoll(t, e, m, cursor)
	wantIDs(t, res.Posts, postK, postH, postG, postJ)
	c := e.f.apiCalls()[1]
	if c.Path != "/r/marketing+saas/search" || c.Query.Has("before") || c.Query.Has("after") || c.Query.Get("q") != "social listening" {
		t.Errorf("second search = %s %v", c.Path, c.Query)
	}
}

func TestCursorResetWhenSourceChanges(t *testing.T) {
	tests := []struct {
		name       string
		subreddits []string
		query      string
		pages      []string
		wantPath   string
		wantBefore string
		wantPosts  int
	}{
		{
			name:       "same subreddits in another order and case keep the cursor",
			subreddits: []string{"SmallBusiness", "r/marketing"},
			pages:      []string{"new_before.json"},
			wantPath:   "/r/marketing+smallbusiness/new",
			wantBefore: postA,
			wantPosts:  2,
		},
		{
			name:       "another subreddit starts over",
			subreddits: []string{"marketing"},
			pages:      []string{"new_page1.json", "new_page2.json"},
			wantPath:   "/r/marketing/new",
			wantPosts:  5,
		},
		{
			name:       "a query starts over",
			subreddits: bothSubs,
			query:      "crm",
			pages:      []string{"new_page1.json", "new_page2.json"},
			wantPath:   "/r/marketing+smallbusiness/search",
			wantPosts:  5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, oauthConfig)
			cursor := coldStart(t, e).Cursor
			e.clock.Advance(5 * time.Minute)
			for _, p := range tt.pages {
				e.f.push(file(p))
			}
			res := mustPoll(t, e, manager(tt.subreddits, tt.query), cursor)
			if len(res.Posts) != tt.wantPosts {
				t.Errorf("posts = %v, want %d", sourcetest.IDs(res.Posts), tt.wantPosts)
			}
			c := e.f.apiCalls()[2]
			if c.Path != tt.wantPath || c.Query.Get("before") != tt.wantBefore {
				t.Errorf("request = %s before=%q, want %s before=%q", c.Path, c.Query.Get("before"), tt.wantPath, tt.wantBefore)
			}
		})
	}
}

func TestCursorIsNotMutated(t *testing.T) {
	e := setup(t, oauthConfig)
	cursor := coldStart(t, e).Cursor
	saved := append(json.RawMessage(nil), cursor...)
	e.f.push(file("new_before.json"))
	mustPoll(t, e, manager(bothSubs, ""), cursor)
	if !bytes.Equal(cursor, saved) {
		t.Error("Poll changed the cursor it was given")
	}
}

func TestUnreadableCursorStartsOver(t *testing.T) {
	for _, raw := range []string{`{"v":99}`, `[1,2]`, `"x"`} {
		e := setup(t, oauthConfig)
		e.f.push(file("new_page1.json"), file("new_page2.json"))
		res := mustPoll(t, e, manager(bothSubs, ""), json.RawMessage(raw))
		if len(res.Posts) != 5 {
			t.Errorf("cursor %s: posts = %d, want a 5-post backfill", raw, len(res.Posts))
		}
	}
}

func TestRateLimitHeaders(t *testing.T) {
	tests := []struct {
		name      string
		remaining string
		reset     string
		wantBlock time.Duration // 0: none
	}{
		{"window used up", "0.0", "120", 120 * time.Second},
		{"one request left", "1.0", "300", 300 * time.Second},
		{"no reset given", "0", "", 60 * time.Second},
		{"plenty left", "57.0", "120", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, publicConfig)
			m := manager(bothSubs, "")
			m.Source.Backfill = models.Duration(30 * time.Minute)
			e.f.push(file("new_page1.json", "X-Ratelimit-Used", "100", "X-Ratelimit-Remaining", tt.remaining, "X-Ratelimit-Reset", tt.reset))
			res := mustPoll(t, e, m, nil)
			wantIDs(t, res.Posts, postB, postA) // the answer itself is used

			until, blocked := e.rate.snapshot()["reddit:public"]
			if tt.wantBlock == 0 {
				if blocked {
					t.Fatalf("blocked until %s with %s requests left", until, tt.remaining)
				}
				return
			}
			if want := t0.Add(tt.wantBlock); !until.Equal(want) {
				t.Fatalf("blocked until %s, want %s", until, want)
			}

			e.clock.Advance(tt.wantBlock - time.Second)
			_, err := e.src.Poll(context.Background(), m, res.Cursor)
			var rl *sources.RateLimitError
			if !errors.As(err, &rl) || !errors.Is(err, sources.ErrRateLimited) || !rl.Until.Equal(until) || rl.Source != "reddit" {
				t.Fatalf("err = %v, want a *sources.RateLimitError until %s", err, until)
			}
			if n := len(e.f.apiCalls()); n != 1 {
				t.Fatalf("API calls = %d while blocked, want 1", n)
			}

			e.clock.Advance(2 * time.Second)
			e.f.push(file("empty.json"), file("empty.json")) // before=A, then the newest page
			mustPoll(t, e, m, res.Cursor)
			if n := len(e.f.apiCalls()); n != 3 {
				t.Errorf("API calls = %d after the reset, want 3", n)
			}
		})
	}
}

func TestRateKeyHidesClientID(t *testing.T) {
	e := setup(t, oauthConfig)
	e.f.push(file("empty.json", "X-Ratelimit-Remaining", "0.0", "X-Ratelimit-Reset", "10"))
	mustPoll(t, e, manager(bothSubs, ""), nil)
	keys := e.rate.snapshot()
	if len(keys) != 1 {
		t.Fatalf("rate keys = %v", keys)
	}
	for k := range keys {
		if !strings.HasPrefix(k, "reddit:") || k == "reddit:public" || strings.Contains(k, testClientID) {
			t.Errorf("rate key = %q, want reddit:<hash of the client id>", k)
		}
	}
}

func TestTooManyRequests(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		want    time.Duration
	}{
		{"Retry-After seconds", []string{"Retry-After", "30"}, 30 * time.Second},
		{"Retry-After date", []string{"Retry-After", t0.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second},
		{"reset header", []string{"X-Ratelimit-Remaining", "0.0", "X-Ratelimit-Reset", "45"}, 45 * time.Second},
		{"no hint", nil, 60 * time.Second},
		// The shared parser's rules (internal/retryafter): a wait past a
		// day is cut to one, NaN and negative values are no hint.
		{"Retry-After capped at a day", []string{"Retry-After", "604800"}, 24 * time.Hour},
		{"Retry-After NaN", []string{"Retry-After", "NaN"}, 60 * time.Second},
		{"Retry-After negative, reset header used", []string{"Retry-After", "-30", "X-Ratelimit-Reset", "45"}, 45 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, publicConfig)
			e.f.push(status(http.StatusTooManyRequests, tt.headers...))
			res, err := e.src.Poll(context.Background(), manager(bothSubs, ""), nil)
			var rl *sources.RateLimitError
			if !errors.As(err, &rl) {
				t.Fatalf("err = %v, want *sources.RateLimitError", err)
			}
			if want := t0.Add(tt.want); !rl.Until.Equal(want) {
				t.Errorf("until = %s, want %s", rl.Until, want)
			}
			if got := e.rate.snapshot()["reddit:public"]; !got.Equal(rl.Until) {
				t.Errorf("rate state = %s, want %s", got, rl.Until)
			}
			if res.Cursor != nil {
				t.Error("rate-limited poll returned a cursor")
			}
			// Held back without calling Reddit.
			if _, err := e.src.Poll(context.Background(), manager(bothSubs, ""), nil); !errors.Is(err, sources.ErrRateLimited) {
				t.Errorf("second poll err = %v", err)
			}
			if n := len(e.f.apiCalls()); n != 1 {
				t.Errorf("API calls = %d, want 1", n)
			}
		})
	}
}

func TestFailures(t *testing.T) {
	oversized := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		io := bytes.Repeat([]byte(" "), 1<<20)
		w.Write([]byte(`{"kind": "Listing", "data": {"children": [`))
		for range 9 {
			w.Write(io)
		}
		w.Write([]byte(`]}}`))
	}
	tests := []struct {
		name    string
		api     []http.HandlerFunc
		wantIs  error
		wantMsg string
	}{
		{"500", []http.HandlerFunc{status(500)}, fetch.ErrServer,
			"reddit: GET /r/marketing/new: server error: 500 Internal Server Error"},
		{"503", []http.HandlerFunc{status(503)}, fetch.ErrServer,
			"reddit: GET /r/marketing/new: server error: 503 Service Unavailable"},
		{"private subreddit", []http.HandlerFunc{status(403)}, fetch.ErrStatus,
			"reddit: GET /r/marketing/new: unexpected status: 403 Forbidden"},
		{"unknown subreddit redirected to search", []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/subreddits/search.json?q=marketing", http.StatusFound)
		}}, fetch.ErrStatus, "reddit: GET /r/marketing/new: unexpected status: 302 Found"},
		{"malformed JSON", []http.HandlerFunc{file("malformed.json")}, fetch.ErrMalformed,
			"reddit: GET /r/marketing/new: malformed response: unexpected end of JSON input"},
		{"not a Listing", []http.HandlerFunc{file("not_listing.json")}, fetch.ErrMalformed,
			`reddit: GET /r/marketing/new: malformed response: kind "t5", want "Listing"`},
		{"HTML error page", []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><title>Reddit - Dive into anything</title>"))
		}}, fetch.ErrMalformed, "reddit: GET /r/marketing/new: malformed response: invalid character '<'"},
		{"oversized body", []http.HandlerFunc{oversized}, fetch.ErrTooLarge,
			"reddit: GET /r/marketing/new: response too large: over 8388608 bytes"},
		{"page 2 fails after page 1", []http.HandlerFunc{file("new_page1.json"), status(502)}, fetch.ErrServer,
			"reddit: GET /r/marketing/new: server error: 502 Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, oauthConfig)
			e.f.push(tt.api...)
			res, err := e.src.Poll(context.Background(), manager([]string{"marketing"}, ""), nil)
			if !errors.Is(err, tt.wantIs) {
				t.Fatalf("err = %v, want %v", err, tt.wantIs)
			}
			if !strings.HasPrefix(err.Error(), tt.wantMsg) {
				t.Errorf("err = %q, want prefix %q", err, tt.wantMsg)
			}
			// One error family for every source: what Reddit fails with
			// is what twitter, facebook and hackernews fail with.
			var re *fetch.RequestError
			if !errors.As(err, &re) || re.Source != "reddit" || re.Path != "/r/marketing/new" {
				t.Errorf("err = %#v, want a *fetch.RequestError of reddit for /r/marketing/new", err)
			}
			if tt.wantIs == fetch.ErrServer && !errors.Is(err, twitter.ErrServer) {
				t.Errorf("errors.Is(err, twitter.ErrServer) = false for Reddit's %v", err)
			}
			for _, s := range append([]string{testSecret, testClientID, "limit=", "raw_json"}, e.f.tokens...) {
				if strings.Contains(err.Error(), s) {
					t.Errorf("err %q contains %q", err, s)
				}
			}
			if res.Cursor != nil || len(res.Posts) != 0 {
				t.Errorf("failed poll returned %d posts and cursor %s", len(res.Posts), res.Cursor)
			}
		})
	}
}

func TestContextCancelled(t *testing.T) {
	e := setup(t, publicConfig)
	ctx, cancel := context.WithCancel(context.Background())
	e.f.push(func(w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	})
	_, err := e.src.Poll(ctx, manager(bothSubs, ""), nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestPostMapping(t *testing.T) {
	e := setup(t, publicConfig)
	m := manager(bothSubs, "")
	m.Source.Backfill = models.Duration(45 * time.Minute)
	e.f.push(file("new_page1.json"), file("new_page2.json"))
	res := mustPoll(t, e, m, nil)
	wantIDs(t, res.Posts, postC, postB, postA)

	tests := []struct {
		name string
		got  models.Post
		want models.Post
	}{
		{
			name: "self post",
			got:  res.Posts[2],
			want: models.Post{
				Type:  "REDDIT_LINK",
				Time:  models.NewTimestamp(time.Date(2026, 6, 13, 12, 25, 10, 0, time.UTC)),
				ID:    "t3_1l9q7xk",
				Title: "Recs needed: social listening tool for a small agency?",
				Text:  "We're a 5-person agency & our clients keep asking who's talking about them on Reddit.\n\nAnything that isn't $500/mo? 🙏",
				URL:   "https://www.reddit.com/r/marketing/comments/1l9q7xk/recs_needed_social_listening_tool_for_a_small/",
				Subreddit: &models.Community{
					ID:   "t5_2qi1r",
					Name: "marketing",
					URL:  "https://www.reddit.com/r/marketing",
				},
				User: models.User{
					ID:   "t2_abc123",
					Name: "marketing_pro",
					URL:  "https://www.reddit.com/user/marketing_pro",
				},
			},
		},
		{
			name: "link post: the permalink, not the linked article; no text",
			got:  res.Posts[1],
			want: models.Post{
				Type:      "REDDIT_LINK",
				Time:      models.NewTimestamp(time.Date(2026, 6, 13, 12, 10, 0, 0, time.UTC)),
				ID:        "t3_1l9p4fz",
				Title:     "Our bakery got featured in the local paper",
				Text:      "",
				URL:       "https://www.reddit.com/r/smallbusiness/comments/1l9p4fz/our_bakery_got_featured_in_the_local_paper/",
				Subreddit: &models.Community{ID: "t5_2qhnd", Name: "smallbusiness", URL: "https://www.reddit.com/r/smallbusiness"},
				User:      models.User{ID: "t2_9x1kq2", Name: "bakery_owner_ny", URL: "https://www.reddit.com/user/bakery_owner_ny"},
				Story:     []string{"https://www.nytimes.com/2026/06/13/nyregion/bakery.html"}, // the same story wherever it is linked
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, w := tt.got, tt.want
			check := func(field string, got, want any) {
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", field, got, want)
				}
			}
			check("type", g.Type, w.Type)
			check("time", g.Time.UTC(), w.Time.UTC())
			check("id", g.ID, w.ID)
			check("title", g.Title, w.Title)
			check("text", g.Text, w.Text)
			check("url", g.URL, w.URL)
			check("subreddit", g.Subreddit, w.Subreddit)
			check("user.id", g.User.ID, w.User.ID)
			check("user.name", g.User.Name, w.User.Name)
			check("user.url", g.User.URL, w.User.URL)
			check("post", g, w)
		})
	}
}

func TestOldListingMapping(t *testing.T) {
	e := setup(t, publicConfig)
	e.f.push(file("new_deleted.json"))
	res := mustPoll(t, e, manager(bothSubs, ""), nil)
	want := []models.Post{
		{
			Type: "REDDIT_LINK", Time: models.NewTimestamp(time.Date(2026, 6, 13, 12, 0, 0, 0, time.UTC)),
			ID: "t3_1l9n0de", Title: "[deleted by user]", Text: "[deleted]",
			URL:       "https://www.reddit.com/r/marketing/comments/1l9n0de/deleted_by_user/",
			Subreddit: &models.Community{ID: "t5_2qi1r", Name: "marketing", URL: "https://www.reddit.com/r/marketing"},
			User:      models.User{ID: "", Name: "[deleted]", URL: ""},
		},
		{
			// No name (only id), no author_fullname, selftext null.
			Type: "REDDIT_LINK", Time: models.NewTimestamp(time.Date(2026, 6, 13, 12, 5, 0, 0, time.UTC)),
			ID: "t3_1l9n0ld", Title: "Posted before author_fullname existed", Text: "",
			URL:       "https://www.reddit.com/r/marketing/comments/1l9n0ld/posted_before_author_fullname_existed/",
			Subreddit: &models.Community{ID: "t5_2qi1r", Name: "marketing", URL: "https://www.reddit.com/r/marketing"},
			User:      models.User{ID: "", Name: "old_timer", URL: "https://www.reddit.com/user/old_timer"},
		},
	}
	if !reflect.DeepEqual(res.Posts, want) {
		t.Errorf("posts =\n%#v\nwant\n%#v", res.Posts, want)
	}
}

func TestPostJSONHasEveryRequiredString(t *testing.T) {
	e := setup(t, publicConfig)
	e.f.push(file("new_page1.json"), file("new_page2.json"))
	res := mustPoll(t, e, manager(bothSubs, ""), nil)
	e2 := setup(t, publicConfig)
	e2.f.push(file("new_deleted.json"))
	res2 := mustPoll(t, e2, manager(bothSubs, ""), nil)

	for _, p := range append(res.Posts, res2.Posts...) {
		b, err := models.ScanEvent(&models.Scan{Name: "namespaces/acme/managers/reddit-leads/scans/1", Post: p})
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			Post map[string]any `json:"post"`
		}
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"type", "time", "id", "url", "text", "title"} {
			if _, ok := ev.Post[k].(string); !ok {
				t.Errorf("%s: post.%s = %#v, want a string", p.ID, k, ev.Post[k])
			}
		}
		user, _ := ev.Post["user"].(map[string]any)
		for _, k := range []string{"id", "name", "url"} {
			if _, ok := user[k].(string); !ok {
				t.Errorf("%s: post.user.%s = %#v, want a string", p.ID, k, user[k])
			}
		}
		sub, _ := ev.Post["subreddit"].(map[string]any)
		for _, k := range []string{"id", "name", "url"} {
			if _, ok := sub[k].(string); !ok {
				t.Errorf("%s: post.subreddit.%s = %#v, want a string", p.ID, k, sub[k])
			}
		}
		if _, err := time.Parse(time.RFC3339, ev.Post["time"].(string)); err != nil || !strings.HasSuffix(ev.Post["time"].(string), "Z") {
			t.Errorf("%s: time %v is not RFC 3339 UTC", p.ID, ev.Post["time"])
		}
	}
}

func TestSeenSetIsBounded(t *testing.T) {
	c := stream{Since: t0.Add(-time.Hour)}
	for i := range seenLimit {
		c.Seen = append(c.Seen, fmt.Sprintf("t3_old%d", i))
	}
	fresh := c.fresh([]thing{
		link{Name: "t3_b", CreatedUTC: float64(t0.Unix())},
		link{Name: "t3_old5", CreatedUTC: float64(t0.Unix())},
		link{Name: "t3_a", CreatedUTC: float64(t0.Unix())},
		link{Name: "t3_b", CreatedUTC: float64(t0.Unix())},
	})
	next := c.advance(fresh, true)
	if len(next.Seen) != seenLimit {
		t.Fatalf("seen = %d, want %d", len(next.Seen), seenLimit)
	}
	if got := next.Seen[seenLimit-2:]; !reflect.DeepEqual(got, []string{"t3_a", "t3_b"}) {
		t.Errorf("newest seen = %v, want [t3_a t3_b] (same second: by id)", got)
	}
	if next.Seen[0] != "t3_old2" || len(c.Seen) != seenLimit || c.Seen[0] != "t3_old0" {
		t.Errorf("oldest seen = %s; the old cursor must be left as it was", next.Seen[0])
	}
}

func TestConcurrentPollsShareOneToken(t *testing.T) {
	e := setup(t, oauthConfig)
	const polls = 8
	for range polls {
		e.f.push(file("empty.json"))
	}
	var wg sync.WaitGroup
	for i := range polls {
		wg.Go(func() {
			m := manager([]string{fmt.Sprintf("sub_%d", i)}, "")
			if _, err := e.src.Poll(context.Background(), m, nil); err != nil {
				t.Errorf("Poll: %v", err)
			}
		})
	}
	wg.Wait()
	if n := len(e.f.tokenCalls()); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}

func TestSearchQuery(t *testing.T) {
	tests := []struct {
		name string
		in   models.Input
		want string
	}{
		{"advite guide: urls only", models.Input{URLs: []string{"https://mycompany.com"}}, "mycompany"},
		{"keywords and url", models.Input{Keywords: []string{"social listening", "crm"}, URLs: []string{"https://www.acme.io/pricing"}}, `"social listening" OR crm OR acme`},
		{"prefix and dupes", models.Input{Keywords: []string{"plug*", "acme"}, URLs: []string{"https://acme.com"}}, "plug OR acme"},
		{"subdomain and country suffix", models.Input{URLs: []string{"https://blog.globex.co.uk"}}, "globex"},
		{"nothing", models.Input{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SearchQuery(tc.in); got != tc.want {
				t.Errorf("SearchQuery = %q, want %q", got, tc.want)
			}
		})
	}
}
