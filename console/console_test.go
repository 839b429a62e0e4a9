package console_test

import (
	"context"
	"crypto/tls"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/api"
	"github.com/earshothq/earshot/console"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// env is a console over a real API and an embedded Redis, without the
// rest of the server.
type env struct {
	st   *store.Store
	srv  *httptest.Server
	base string
}

func newEnv(t *testing.T, tlsOn, secure bool) *env {
	t.Helper()
	opts, _ := redis.ParseURL(testredis.Embedded(t))
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	st := store.New(rdb)
	ctx := context.Background()
	for _, ns := range []string{"acme", "other"} {
		if err := st.PutNamespace(ctx, &models.Namespace{ID: ns}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.AddAPIKey(ctx, acmeKey, "acme", store.KeyFromCLI); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	c := console.New(console.Options{Store: st, API: api.New(api.Options{Store: st, Logger: log}), Logger: log, SecureCookies: secure,
		PollInterval: 100 * time.Millisecond})
	var srv *httptest.Server
	if tlsOn {
		srv = httptest.NewTLSServer(c)
	} else {
		srv = httptest.NewServer(c)
	}
	t.Cleanup(srv.Close)
	return &env{st: st, srv: srv, base: srv.URL}
}

// client is a browser without JavaScript: a cookie jar, no redirects
// followed.
func (e *env) client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
var csrfMeta = regexp.MustCompile(`name="csrf-token" content="([^"]+)"`)

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// signIn signs c in with key and returns the session's CSRF token.
func (e *env) signIn(t *testing.T, c *http.Client, key string) (*http.Response, string) {
	t.Helper()
	_, body := get(t, c, e.base+"/signin")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field in the sign-in form")
	}
	resp, err := c.PostForm(e.base+"/signin", url.Values{"csrf": {m[1]}, "key": {key}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return resp, ""
	}
	_, page := get(t, c, e.base+"/ns/acme/inbox")
	mm := csrfMeta.FindStringSubmatch(page)
	if mm == nil {
		t.Fatalf("no csrf token on the inbox page")
	}
	return resp, mm[1]
}

func TestSessionCookieAndHeaders(t *testing.T) {
	for _, c := range []struct {
		name        string
		tls, secure bool
		wantSecure  bool
	}{
		{"plain http", false, false, false},
		{"behind a TLS proxy (secure_cookies)", false, true, true},
		{"TLS", true, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.tls, c.secure)
			cl := e.client(t)
			resp, _ := e.signIn(t, cl, acmeKey)
			var sess *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == "earshot_session" {
					sess = ck
				}
			}
			if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.Secure != c.wantSecure || sess.MaxAge <= 0 {
				t.Fatalf("session cookie %+v", sess)
			}
			// The session is in Redis under a digest, with an expiry, and
			// holds no key.
			keys, _ := e.st.Redis().Keys(context.Background(), "earshot:console:session:*").Result()
			if len(keys) != 1 || strings.Contains(keys[0], sess.Value) {
				t.Fatalf("session keys %v", keys)
			}
			if ttl := e.st.Redis().TTL(context.Background(), keys[0]).Val(); ttl <= 0 || ttl > 12*time.Hour {
				t.Errorf("session ttl %v", ttl)
			}
			if raw := e.st.Redis().Get(context.Background(), keys[0]).Val(); strings.Contains(raw, acmeKey) {
				t.Errorf("the session holds the key")
			}
			r, body := get(t, cl, e.base+"/ns/acme/inbox")
			csp := r.Header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || r.Header.Get("X-Frame-Options") != "DENY" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers %v", r.Header)
			}
			if !strings.Contains(body, `<h1>Inbox</h1>`) {
				t.Errorf("inbox page: %.300s", body)
			}
		})
	}
}

func TestStateChangesNeedTheCSRFToken(t *testing.T) {
	e := newEnv(t, false, false)
	cl := e.client(t)
	_, tok := e.signIn(t, cl, acmeKey)
	patch := func(token, origin string) int {
		req, _ := http.NewRequest("PATCH", e.base+"/app/v1/namespaces/acme", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("X-CSRF-Token", token)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		name, token, origin string
		want                int
	}{
		{"no token", "", "", 403},
		{"wrong token", "x" + tok, "", 403},
		{"another site", tok, "https://evil.example", 403},
		{"opaque origin", tok, "null", 403},
		// Through to the API, which has no PATCH of a namespace.
		{"the token, same origin", tok, e.base, 405},
	} {
		if got := patch(c.token, c.origin); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	// Sign-out is a state change too.
	resp, err := cl.PostForm(e.base+"/signout", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("sign-out without token: %d", resp.StatusCode)
	}
	// A sign-in form posted from elsewhere (no cookie of ours) is refused.
	other := e.client(t)
	resp, err = other.PostForm(e.base+"/signin", url.Values{"csrf": {"forged"}, "key": {acmeKey}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("forged sign-in: %d", resp.StatusCode)
	}
}

func TestSessionEnds(t *testing.T) {
	e := newEnv(t, false, false)
	ctx := context.Background()
	cl := e.client(t)
	if resp, _ := e.signIn(t, cl, "wrong-key"); resp.StatusCode != 401 {
		t.Errorf("wrong key: %d", resp.StatusCode)
	}
	_, tok := e.signIn(t, cl, acmeKey)
	if r, _ := get(t, cl, e.base+"/ns/acme/inbox"); r.StatusCode != 200 {
		t.Fatalf("signed in: %d", r.StatusCode)
	}
	// Sign-out deletes the session in Redis: the old cookie is worthless.
	u, _ := url.Parse(e.base)
	old := cl.Jar.Cookies(u)
	req, _ := http.NewRequest("POST", e.base+"/signout", strings.NewReader(url.Values{"csrf": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	replay := e.client(t)
	replay.Jar.SetCookies(u, old)
	if r, _ := get(t, replay, e.base+"/ns/acme/inbox"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/signin" {
		t.Errorf("old cookie after sign-out: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	// Revoking the key ends its sessions at their next request.
	e.signIn(t, cl, acmeKey)
	if _, err := e.st.RevokeAPIKey(ctx, store.HashAPIKey(acmeKey)[:12]); err != nil {
		t.Fatal(err)
	}
	if r, _ := get(t, cl, e.base+"/ns/acme/inbox"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("revoked key: %d", r.StatusCode)
	}
	if keys, _ := e.st.Redis().Keys(ctx, "earshot:console:session:*").Result(); len(keys) != 0 {
		t.Errorf("sessions left after revocation: %v", keys)
	}
	// And the API through the console answers 401 JSON.
	if r, body := get(t, cl, e.base+"/app/v1/namespaces/acme/managers"); r.StatusCode != 401 || !strings.Contains(body, "UNAUTHENTICATED") {
		t.Errorf("api without session: %d %s", r.StatusCode, body)
	}
}

// The pages carry no inline script, style or event handler (the CSP would
// block them), and the script sets text with textContent only.
func TestNoInlineScript(t *testing.T) {
	inline := regexp.MustCompile(`(?i)<script>|<script\s+[^>]*>[^<]|\sstyle=|\son[a-z]+=|javascript:`)
	err := filepath.WalkDir("templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		if m := inline.Find(b); m != nil {
			t.Errorf("%s: %q", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	js, _ := os.ReadFile("static/app.js")
	// innerHTML is used once, for the server's rendered scan.
	if n := strings.Count(string(js), "innerHTML"); n != 1 {
		t.Errorf("app.js uses innerHTML %d times", n)
	}
	if regexp.MustCompile(`\beval\(|new Function|insertAdjacentHTML|outerHTML\s*=|document\.write`).Match(js) {
		t.Errorf("app.js builds code or HTML from strings")
	}
}

// The live inbox outlasts the server's request timeouts, and sends a new
// scan, rendered and escaped, as one event.
func TestLiveInboxOutlastsRequestTimeouts(t *testing.T) {
	e := newEnv(t, false, false)
	// The stream is served by a second server with short timeouts (the
	// pages, by the first: a busy machine may take longer to render).
	// Cookies do not depend on the port, so the session holds for both.
	short := httptest.NewUnstartedServer(e.srv.Config.Handler)
	short.Config.ReadTimeout = time.Second
	short.Config.WriteTimeout = time.Second
	short.Start()
	defer short.Close()
	ctx := context.Background()
	m := models.DefaultManager()
	m.ID, m.Nickname = "leads", "Leads"
	if err := e.st.PutManager(ctx, "acme", &m); err != nil {
		t.Fatal(err)
	}
	cl := e.client(t)
	e.signIn(t, cl, acmeKey)
	since := time.Now().UTC().Format(time.RFC3339Nano)
	resp, err := cl.Get(short.URL + "/ns/acme/inbox/events?since=" + url.QueryEscape(since))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, ct)
	}
	time.Sleep(2500 * time.Millisecond) // past both timeouts
	scan := &models.Scan{Name: models.ScanName("acme", "leads", "s1"), CreateTime: time.Now().UTC(),
		Post:  models.Post{Type: "TWITTER_TWEET", ID: "1", Title: "<b>bold</b> & more", URL: "https://x.com/a/status/1"},
		Match: &models.Match{Focus: "MENTIONS"}}
	if _, err := e.st.CreateScan(ctx, "acme", "leads", "s1", scan, time.Hour); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		b := make([]byte, 64<<10)
		var acc strings.Builder
		for {
			n, err := resp.Body.Read(b)
			acc.Write(b[:n])
			if strings.Contains(acc.String(), "event: scan") && strings.Contains(acc.String(), "</li>") {
				got <- acc.String()
				return
			}
			if err != nil {
				got <- acc.String() + "\nread error: " + err.Error()
				return
			}
		}
	}()
	select {
	case s := <-got:
		if !strings.Contains(s, "&lt;b&gt;bold&lt;/b&gt; &amp; more") || strings.Contains(s, "<b>") || !strings.Contains(s, `id="scan-s1"`) {
			t.Errorf("event: %s", s)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no scan event within 30 s")
	}
}

// An admin key picks a namespace; a namespace key goes to its own.
func TestHomeByKey(t *testing.T) {
	e := newEnv(t, false, false)
	if _, err := e.st.AddAPIKey(context.Background(), "admin-console-key-0123456789", "", store.KeyFromCLI); err != nil {
		t.Fatal(err)
	}
	admin := e.client(t)
	e.signIn(t, admin, "admin-console-key-0123456789")
	r, body := get(t, admin, e.base+"/")
	if r.StatusCode != 200 || !strings.Contains(body, `href="/ns/acme/inbox"`) || !strings.Contains(body, `href="/ns/other/inbox"`) {
		t.Errorf("admin home: %d %.500s", r.StatusCode, body)
	}
	if r, _ := get(t, admin, e.base+"/ns/other/monitors"); r.StatusCode != 200 {
		t.Errorf("admin in another namespace: %d", r.StatusCode)
	}
	user := e.client(t)
	e.signIn(t, user, acmeKey)
	if r, _ := get(t, user, e.base+"/"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/ns/acme/inbox" {
		t.Errorf("namespace key home: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r, body := get(t, user, e.base+"/ns/other/monitors"); r.StatusCode != 403 || !strings.Contains(body, "may not use namespaces/other") {
		t.Errorf("another namespace: %d %.300s", r.StatusCode, body)
	}
	if r, _ := get(t, user, e.base+"/no/such/page"); r.StatusCode != 404 {
		t.Errorf("unknown page: %d", r.StatusCode)
	}
}
