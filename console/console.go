package console

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure the console.
type Options struct {
	Store *store.Store
	// API is the REST API (api.API) the console is a client of.
	API    http.Handler
	Logger *slog.Logger
	// SecureCookies marks cookies Secure on plain-HTTP connections too
	// (behind a TLS-terminating proxy).
	SecureCookies bool
	// SessionTTL is how long a sign-in lasts (default 12 h).
	SessionTTL time.Duration
	// Try runs "try it": how posts would fare against a manager, as
	// `earshot match` does. Nil: the console builds an offline matcher
	// that fetches no pages.
	Try func(ctx context.Context, m *models.Manager, posts []models.Post) ([]matcher.Explanation, error)
	// PollInterval is how often the inbox's live stream looks for new
	// Scans (default 1 s).
	PollInterval time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Console is the web console's http.Handler.
type Console struct {
	store  *store.Store
	rdb    redis.UniversalClient
	api    http.Handler
	log    *slog.Logger
	secure bool
	ttl    time.Duration
	try    func(ctx context.Context, m *models.Manager, posts []models.Post) ([]matcher.Explanation, error)
	poll   time.Duration
	now    func() time.Time

	pages map[string]*template.Template
	mux   *http.ServeMux

	// closing ends the live streams at shutdown.
	closeOnce sync.Once
	closing   chan struct{}
}

// New returns the console.
func New(opts Options) *Console {
	c := &Console{
		store: opts.Store, rdb: opts.Store.Redis(), api: opts.API, log: opts.Logger,
		secure: opts.SecureCookies, ttl: opts.SessionTTL, try: opts.Try, poll: opts.PollInterval, now: opts.Now,
		mux: http.NewServeMux(), closing: make(chan struct{}),
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.ttl <= 0 {
		c.ttl = 12 * time.Hour
	}
	if c.poll <= 0 {
		c.poll = time.Second
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.try == nil {
		c.try = offlineTry
	}
	c.pages = parsePages()
	c.routes()
	return c
}

// Close ends the live streams, so that a graceful shutdown need not wait
// for browsers to hang up.
func (c *Console) Close() { c.closeOnce.Do(func() { close(c.closing) }) }

// contentSecurityPolicy allows nothing but the console's own script,
// stylesheet and requests: no inline script or style, no frames.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// same-origin, not no-referrer: under no-referrer browsers send
	// "Origin: null" with the console's own form posts. Links out carry
	// rel="noreferrer" anyway.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.mux.ServeHTTP(w, r)
}

// handler serves a signed-in page or call.
type handler func(w http.ResponseWriter, r *http.Request, s *session) error

func (c *Console) routes() {
	static, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(static)
	c.mux.Handle("GET /static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	})))
	c.mux.HandleFunc("GET /signin", c.signinPage)
	c.mux.HandleFunc("POST /signin", c.signin)
	c.mux.Handle("POST /signout", c.authed(c.signout))
	c.mux.Handle("GET /{$}", c.authed(c.home))
	c.mux.Handle("GET /ns/{ns}/{$}", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		http.Redirect(w, r, "/ns/"+url.PathEscape(r.PathValue("ns"))+"/inbox", http.StatusSeeOther)
		return nil
	}))
	c.mux.Handle("GET /ns/{ns}/inbox", c.authed(c.inbox))
	c.mux.Handle("GET /ns/{ns}/inbox/events", c.authed(c.events))
	c.mux.Handle("GET /ns/{ns}/monitors", c.authed(c.monitors))
	c.mux.Handle("GET /ns/{ns}/monitors/new", c.authed(c.monitorForm))
	c.mux.Handle("GET /ns/{ns}/monitors/{m}", c.authed(c.monitor))
	c.mux.Handle("POST /ns/{ns}/try", c.authed(c.tryIt))
	c.mux.Handle("GET /ns/{ns}/connections", c.authed(c.connections))
	c.mux.Handle("GET /ns/{ns}/connections/{c}", c.authed(c.connection))
	// The script's writes go to the API through here.
	c.mux.Handle("/app/v1/", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		c.proxy(w, r, s)
		return nil
	}))
	c.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c.renderError(w, r, nil, http.StatusNotFound, "There is no page here.")
	})
}

// safeMethod reports whether a request may change nothing.
func safeMethod(m string) bool { return m == http.MethodGet || m == http.MethodHead }

// sameOrigin refuses what a browser says comes from another site. With
// SameSite=Strict cookies such a request carries no session anyway; this
// makes the refusal explicit and covers the sign-in form.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	switch o := r.Header.Get("Origin"); o {
	case "":
	case "null":
		return false
	default:
		if u, err := url.Parse(o); err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}

// authed runs h for a signed-in request; a state-changing one must carry
// the session's CSRF token (the X-CSRF-Token header, or the form's csrf
// field) and come from the console's own origin.
func (c *Console) authed(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := c.sessionOf(r)
		if err != nil {
			if !errors.Is(err, errNoSession) {
				c.log.Error("console: session lookup failed", "error", err)
				c.renderError(w, r, nil, http.StatusServiceUnavailable, "The console cannot reach its store; try again.")
				return
			}
			if safeMethod(r.Method) && !strings.HasPrefix(r.URL.Path, "/app/") && !strings.HasSuffix(r.URL.Path, "/events") {
				http.Redirect(w, r, "/signin", http.StatusSeeOther)
				return
			}
			writeJSONError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "not signed in, or the session expired: sign in again")
			return
		}
		if !safeMethod(r.Method) {
			tok := r.Header.Get("X-CSRF-Token")
			if tok == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
				tok = r.PostFormValue("csrf")
			}
			if !sameOrigin(r) || subtle.ConstantTimeCompare([]byte(tok), []byte(s.CSRF)) != 1 {
				writeJSONError(w, http.StatusForbidden, "PERMISSION_DENIED", "missing or wrong CSRF token: reload the page")
				return
			}
		}
		if err := h(w, r, s); err != nil {
			c.fail(w, r, s, err)
		}
	})
}

// fail answers a handler's error: the API's own errors with their status
// and message, anything else as a logged 500.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		if ae.Code == http.StatusUnauthorized {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		c.renderError(w, r, s, ae.Code, ae.Message)
		return
	}
	c.log.Error("console: request failed", "path", r.URL.Path, "error", err)
	c.renderError(w, r, s, http.StatusInternalServerError, "Something went wrong on the server.")
}

func writeJSONError(w http.ResponseWriter, code int, status, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{"code": code, "status": status, "message": msg}})
}

// Wants reports whether a request is the console's: one for its own
// paths, or any other a browser makes (it accepts HTML). Other clients of
// paths nothing serves are the server's to answer (a JSON 404).
func Wants(r *http.Request) bool {
	p := r.URL.Path
	for _, prefix := range []string{"/static/", "/ns/", "/app/"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	if p == "/signin" || p == "/signout" {
		return true
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
