package reddit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

const (
	// pageLimit is Reddit's largest listing page.
	pageLimit = 100
	// DefaultMaxPages bounds the listing pages one poll reads. Reddit's
	// listings stop at about 1000 items anyway.
	DefaultMaxPages = 10
	// DefaultTimeout bounds each HTTP request.
	DefaultTimeout = 30 * time.Second
	// maxBodyBytes caps a response body; a full listing page is ~0.5 MiB.
	maxBodyBytes = 8 << 20
)

// Source reads Reddit posts. It is safe for concurrent use by many managers.
type Source struct {
	cfg      Config
	oauth    bool
	http     *resty.Client
	log      *slog.Logger
	rate     sources.RateState
	rateKey  string
	now      func() time.Time
	maxPages int
	timeout  time.Duration
	maxBody  int

	tokens tokenCache
}

var _ sources.Source = (*Source)(nil)

// Option configures a Source.
type Option func(*Source)

// WithLogger sets the logger (default: slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(s *Source) {
		if l != nil {
			s.log = l
		}
	}
}

// WithRateState sets where rate-limit blocks are shared (default: this
// process only, a *sources.MemoryRateState).
func WithRateState(r sources.RateState) Option {
	return func(s *Source) {
		if r != nil {
			s.rate = r
		}
	}
}

// WithClock sets the clock (default: time.Now); for tests.
func WithClock(now func() time.Time) Option {
	return func(s *Source) {
		if now != nil {
			s.now = now
		}
	}
}

// WithMaxPages bounds the listing pages read by one poll (default
// DefaultMaxPages); n < 1 is ignored.
func WithMaxPages(n int) Option {
	return func(s *Source) {
		if n >= 1 {
			s.maxPages = n
		}
	}
}

// WithTimeout bounds each HTTP request (default DefaultTimeout); d <= 0 is
// ignored.
func WithTimeout(d time.Duration) Option {
	return func(s *Source) {
		if d > 0 {
			s.timeout = d
		}
	}
}

// New returns a Source for cfg (cfg.WithDefaults is applied).
func New(cfg Config, opts ...Option) *Source {
	cfg = cfg.WithDefaults()
	s := &Source{
		cfg:      cfg,
		oauth:    cfg.HasCredentials(),
		log:      slog.Default(),
		rate:     &sources.MemoryRateState{},
		rateKey:  rateKey(cfg),
		now:      time.Now,
		maxPages: DefaultMaxPages,
		timeout:  DefaultTimeout,
		maxBody:  maxBodyBytes,
	}
	for _, o := range opts {
		o(s)
	}
	s.log = s.log.With("source", "reddit")
	s.tokens.init()
	// A plain http.Client: resty.New would add a cookie jar, and Reddit's
	// cookies are of no use to an API client.
	s.http = resty.NewWithClient(&http.Client{}).
		SetTimeout(s.timeout).
		SetHeader("User-Agent", cfg.UserAgent).
		SetHeader("Accept", "application/json").
		SetResponseBodyLimit(s.maxBody).
		SetLogger(restyLogger{s.log}).
		// Reddit answers an unknown subreddit with a redirect to its
		// subreddit search, whose Listing holds no posts: a 3xx must be
		// an error, not silently nothing.
		SetRedirectPolicy(resty.RedirectPolicyFunc(func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}))
	return s
}

// rateKey names the RateState entry: Reddit limits each OAuth client (and,
// without one, each address), so every process with the same client id
// shares one entry. The id is hashed so that the key does not reveal it.
func rateKey(cfg Config) string {
	if !cfg.HasCredentials() {
		return "reddit:public"
	}
	sum := sha256.Sum256([]byte(cfg.ClientID))
	return "reddit:" + hex.EncodeToString(sum[:6])
}

// Poll implements sources.Source.
//
// A first poll (or one after the manager's subreddits or query changed)
// reads back m.Source.BackfillOrDefault() through the listing's pages. Later
// /new polls that found posts last time page forward with before=<newest
// fullname>; otherwise, and for search, they read the newest pages back to
// the newest post's time less an overlap. Posts in the cursor's seen-set are
// never returned again.
func (s *Source) Poll(ctx context.Context, m *models.Manager, raw json.RawMessage) (sources.Result, error) {
	t, err := newTarget(m.Source)
	if err != nil {
		return sources.Result{}, err
	}
	name := m.Name
	if name == "" {
		name = m.ID
	}
	log := s.log.With("manager", name)
	now := s.now()

	cur, warm := decodeCursor(raw, t.fingerprint, log)
	if !warm {
		cur = cursor{
			Version: cursorVersion,
			Config:  t.fingerprint,
			Since:   now.Add(-m.Source.BackfillOrDefault()).UTC().Truncate(time.Second),
		}
	}

	var links []link
	mode := "back"
	if !t.search() && cur.Follow && cur.Newest != "" {
		mode = "forward"
		links, err = s.walkForward(ctx, log, t, cur)
	} else {
		links, err = s.walkBack(ctx, log, t, cur.bound(), !warm)
	}
	if err != nil {
		return sources.Result{}, err
	}

	fresh := cur.fresh(links)
	next := cur.advance(fresh, !t.search())
	c, err := json.Marshal(next)
	if err != nil {
		return sources.Result{}, fmt.Errorf("reddit: encoding cursor: %w", err)
	}
	posts := make([]models.Post, len(fresh))
	for i := range fresh {
		posts[i] = fresh[i].post()
	}
	log.Debug("poll done", "mode", mode, "cold_start", !warm, "read", len(links), "posts", len(posts))
	return sources.Result{Posts: posts, Cursor: c}, nil
}

// walkBack reads the newest pages, following `after`, until a post created
// before bound, the end of the listing, or the page limit. It returns the
// posts created at or after bound.
func (s *Source) walkBack(ctx context.Context, log *slog.Logger, t target, bound time.Time, cold bool) ([]link, error) {
	q := t.params()
	var out []link
	for page := 1; ; page++ {
		l, err := s.list(ctx, log, t.path(), q)
		if err != nil {
			return nil, err
		}
		done := l.after == "" || l.children == 0
		for _, p := range l.links {
			if p.created().Before(bound) {
				done = true
				continue
			}
			out = append(out, p)
		}
		if done {
			return out, nil
		}
		if page >= s.maxPages {
			// On a cold start this only shortens the backfill; later it
			// leaves a gap, which only a burst larger than the page
			// budget between two polls can cause.
			lvl := slog.LevelWarn
			if cold {
				lvl = slog.LevelDebug
			}
			log.Log(ctx, lvl, "page limit reached before the time bound; older posts skipped",
				"pages", page, "bound", bound.Format(time.RFC3339))
			return out, nil
		}
		q.Set("after", l.after)
	}
}

// walkForward pages /new forward in time with before=<fullname>: Reddit
// answers with the posts just newer than that one. An empty first answer
// means either no new posts or an anchor that was deleted or removed (Reddit
// then answers nothing at all), so it falls back to walkBack, which finds
// new posts by time and the seen-set either way.
func (s *Source) walkForward(ctx context.Context, log *slog.Logger, t target, cur cursor) ([]link, error) {
	q := t.params()
	anchor := cur.Newest
	var out []link
	for page := 1; ; page++ {
		q.Set("before", anchor)
		l, err := s.list(ctx, log, t.path(), q)
		if err != nil {
			return nil, err
		}
		if page == 1 && l.children == 0 {
			log.Debug("nothing newer than the newest post; reading the newest page", "before", anchor)
			return s.walkBack(ctx, log, t, cur.bound(), false)
		}
		out = append(out, l.links...)
		if l.children < pageLimit || len(l.links) == 0 {
			return out, nil
		}
		if page >= s.maxPages {
			// Lossless: the cursor moves to the newest post read, and the
			// next poll continues from there.
			log.Debug("page limit reached; continuing next poll", "pages", page)
			return out, nil
		}
		anchor = l.links[0].fullname() // listings are newest first
	}
}

// target is what a manager reads: the subreddits' /new listing, or a search.
type target struct {
	subreddits  []string // lower case, sorted, unique
	query       string
	fingerprint string
}

var subredditName = regexp.MustCompile(`^[A-Za-z0-9_]{2,30}$`)

func newTarget(src models.Source) (target, error) {
	var t target
	for _, s := range src.Subreddits {
		s = strings.TrimSpace(s)
		s = strings.TrimPrefix(strings.TrimPrefix(s, "/"), "r/")
		s = strings.TrimSuffix(s, "/")
		if !subredditName.MatchString(s) {
			return target{}, fmt.Errorf("reddit: invalid subreddit name %q", s)
		}
		t.subreddits = append(t.subreddits, strings.ToLower(s))
	}
	slices.Sort(t.subreddits)
	t.subreddits = slices.Compact(t.subreddits)
	t.query = strings.TrimSpace(src.Query)
	if len(t.subreddits) == 0 && t.query == "" {
		return target{}, fmt.Errorf("reddit: the manager's source names neither subreddits nor a query")
	}
	sum := sha256.Sum256([]byte(strings.Join(t.subreddits, "+") + "\x00" + t.query))
	t.fingerprint = hex.EncodeToString(sum[:8])
	return t, nil
}

func (t target) search() bool { return t.query != "" }

// path is the OAuth API path; the public API adds ".json" (see Source.list).
func (t target) path() string {
	switch {
	case t.search() && len(t.subreddits) > 0:
		return "/r/" + strings.Join(t.subreddits, "+") + "/search"
	case t.search():
		return "/search"
	default:
		return "/r/" + strings.Join(t.subreddits, "+") + "/new"
	}
}

func (t target) params() url.Values {
	q := url.Values{}
	q.Set("limit", fmt.Sprint(pageLimit))
	// raw_json=1: titles and text without HTML entities (&amp;).
	q.Set("raw_json", "1")
	if t.search() {
		q.Set("q", t.query)
		q.Set("sort", "new")
		q.Set("type", "link")
		if len(t.subreddits) > 0 {
			q.Set("restrict_sr", "1")
		}
	}
	return q
}
