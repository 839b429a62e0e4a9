package reddit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/internal/cursors"
	"github.com/earshothq/earshot/sources/internal/fetch"
)

const (
	// pageLimit is Reddit's largest listing page.
	pageLimit = 100
	// DefaultMaxPages bounds the listing pages one poll reads. Reddit's
	// listings stop at about 1000 items anyway.
	DefaultMaxPages = 10
	// DefaultTimeout bounds each HTTP request.
	DefaultTimeout = fetch.DefaultTimeout
	// maxBodyBytes caps a response body; a full listing page is ~0.5 MiB.
	maxBodyBytes = 8 << 20
)

// Source reads Reddit posts. It is safe for concurrent use by many managers.
type Source struct {
	cfg      Config
	oauth    bool
	api      *fetch.Client
	log      *slog.Logger
	maxPages int

	tokens tokenCache
}

var _ sources.Source = (*Source)(nil)

// WithMaxPages bounds the listing pages read by one poll (default
// DefaultMaxPages); n < 1 is ignored.
func WithMaxPages(n int) sources.Option {
	return sources.Own(func(s *Source) {
		if n >= 1 {
			s.maxPages = n
		}
	})
}

// New returns a Source for cfg (cfg.WithDefaults is applied).
func New(cfg Config, opts ...sources.Option) *Source {
	cfg = cfg.WithDefaults()
	// The client follows no redirects: Reddit answers an unknown
	// subreddit with a redirect to its subreddit search, whose Listing
	// holds no posts, so a 3xx must be an error, not silently nothing.
	api, o := fetch.New(fetch.Platform{
		Name:      "reddit",
		RateKey:   rateKey(cfg),
		Timeout:   DefaultTimeout,
		MaxBody:   maxBodyBytes,
		UserAgent: cfg.UserAgent,
		Secrets:   []string{cfg.ClientSecret, cfg.Password},
	}, opts)
	s := &Source{
		cfg:      cfg,
		oauth:    cfg.HasCredentials(),
		api:      api,
		log:      o.Log,
		maxPages: DefaultMaxPages,
	}
	sources.ApplyOwn(o, s)
	s.tokens.init()
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
// A manager reads posts, comments or both (source.include, default posts).
// Posts come from the subreddits' /new listing or from a search; comments
// from the subreddits' /comments listing, whatever the query (search finds
// no comments). Each listing has its own stream in the cursor, and the
// poll fails as a whole when either listing fails, so nothing is lost.
//
// A listing read for the first time (or after the manager's subreddits or
// query changed) is read back m.Source.BackfillOrDefault() through its
// pages. Later polls of a listing that gave items last time page forward
// with before=<newest fullname>; otherwise, and for search, they read the
// newest pages back to the newest item's time less an overlap. Items in a
// stream's seen-set are never returned again.
func (s *Source) Poll(ctx context.Context, m *models.Manager, raw json.RawMessage) (sources.Result, error) {
	src, err := sources.Settings[Settings](m)
	if err != nil {
		return sources.Result{}, err
	}
	if len(src.Subreddits) == 0 && strings.TrimSpace(src.Query) == "" {
		// The Advite guide's monitor names only the platform: it reads all
		// of Reddit's newest posts (and comments), as F5Bot does, shared by
		// every such manager (see StreamKey) and matched by the matcher.
		src.Subreddits = []string{"all"}
	}
	t, err := newTarget(*src, m.Source.Include)
	if err != nil {
		return sources.Result{}, err
	}
	name := m.Name
	if name == "" {
		name = m.ID
	}
	log := s.log.With("manager", name)
	since := s.api.Now().Add(-m.Source.BackfillOrDefault()).UTC().Truncate(time.Second)

	cur, warm := decodeCursor(raw, t.fingerprint, log)
	if !warm {
		cur = cursor{Version: cursorVersion, Config: t.fingerprint}
	}
	// A listing left out is parked: should it be included again, it
	// starts over with a backfill rather than catching up on everything
	// it missed meanwhile.
	next := cursor{Version: cursorVersion, Config: t.fingerprint, stream: cur.parked()}
	var comments stream
	if cur.Comments != nil {
		comments = *cur.Comments
		next.Comments = new(comments.parked())
	}
	var fresh []thing
	if t.posts {
		items, st, err := s.read(ctx, log, t.postFeed(), cur.stream, since)
		if err != nil {
			return sources.Result{}, err
		}
		fresh, next.stream = append(fresh, items...), st
	}
	if t.comments {
		items, st, err := s.read(ctx, log, t.commentFeed(), comments, since)
		if err != nil {
			return sources.Result{}, err
		}
		fresh, next.Comments = append(fresh, items...), &st
	}
	slices.SortStableFunc(fresh, byAge)
	posts := make([]models.Post, len(fresh))
	for i := range fresh {
		posts[i] = fresh[i].post()
	}
	log.Debug("poll done", "cold_start", !warm, "posts", len(posts))
	return cursors.Result("reddit", posts, next)
}

// read reads one listing from where st stands (a zero st is a cold start
// back to since) and returns its new items, oldest first, and the stream
// to store once they are handed on.
func (s *Source) read(ctx context.Context, log *slog.Logger, f feed, st stream, since time.Time) ([]thing, stream, error) {
	log = log.With("listing", f.name)
	cold := st.Since.IsZero()
	if cold {
		st = stream{Since: since, Seen: st.Seen}
	}
	var (
		items []thing
		err   error
	)
	mode := "back"
	if !f.search && st.Follow && st.Newest != "" {
		mode = "forward"
		items, err = s.walkForward(ctx, log, f, st)
	} else {
		items, err = s.walkBack(ctx, log, f, st.bound(), cold)
	}
	if err != nil {
		return nil, stream{}, err
	}
	fresh := st.fresh(items)
	log.Debug("listing read", "mode", mode, "cold_start", cold, "read", len(items), "new", len(fresh))
	return fresh, st.advance(fresh, !f.search), nil
}

// walkBack reads the newest pages, following `after`, until an item created
// before bound, the end of the listing, or the page limit. It returns the
// items created at or after bound.
func (s *Source) walkBack(ctx context.Context, log *slog.Logger, f feed, bound time.Time, cold bool) ([]thing, error) {
	q := f.params()
	var out []thing
	for page := 1; ; page++ {
		l, err := s.list(ctx, log, f.path, q, f.kind)
		if err != nil {
			return nil, err
		}
		done := l.after == "" || l.children == 0
		for _, p := range l.things {
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
			log.Log(ctx, lvl, "page limit reached before the time bound; older items skipped",
				"pages", page, "bound", bound.Format(time.RFC3339))
			return out, nil
		}
		q.Set("after", l.after)
	}
}

// walkForward pages a listing forward in time with before=<fullname>:
// Reddit answers with the items just newer than that one. An empty first
// answer means either nothing new or an anchor that was deleted or removed
// (Reddit then answers nothing at all), so it falls back to walkBack, which
// finds new items by time and the seen-set either way.
func (s *Source) walkForward(ctx context.Context, log *slog.Logger, f feed, st stream) ([]thing, error) {
	q := f.params()
	anchor := st.Newest
	var out []thing
	for page := 1; ; page++ {
		q.Set("before", anchor)
		l, err := s.list(ctx, log, f.path, q, f.kind)
		if err != nil {
			return nil, err
		}
		if page == 1 && l.children == 0 {
			log.Debug("nothing newer than the newest item; reading the newest page", "before", anchor)
			return s.walkBack(ctx, log, f, st.bound(), false)
		}
		out = append(out, l.things...)
		if l.children < pageLimit || len(l.things) == 0 {
			return out, nil
		}
		if page >= s.maxPages {
			// Lossless: the cursor moves to the newest item read, and the
			// next poll continues from there.
			log.Debug("page limit reached; continuing next poll", "pages", page)
			return out, nil
		}
		anchor = l.things[0].fullname() // listings are newest first
	}
}

// feed is one listing a poll reads.
type feed struct {
	name   string // "posts" or "comments", for the logs
	path   string // the OAuth API's; the public API adds ".json" (see Source.list)
	kind   string // the children kept
	search bool   // search cannot page forward with before=
	query  url.Values
}

// params returns a copy of the feed's query parameters for one walk to set
// its cursor parameters in.
func (f feed) params() url.Values { return url.Values(maps.Clone(f.query)) }

// target is what a manager reads: posts from the subreddits' /new listing
// or a search, and comments from the subreddits' /comments listing.
type target struct {
	subreddits  []string // lower case, sorted, unique
	query       string
	posts       bool
	comments    bool
	fingerprint string
}

// source.include values.
const (
	includePosts    = "posts"
	includeComments = "comments"
)

func newTarget(src Settings, include []string) (target, error) {
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
	for _, inc := range include {
		switch inc {
		case includePosts:
			t.posts = true
		case includeComments:
			t.comments = true
		default:
			return target{}, fmt.Errorf("reddit: source.include: unknown value %q (want %s or %s)", inc, includePosts, includeComments)
		}
	}
	if len(include) == 0 {
		t.posts = true
	}
	if t.comments && len(t.subreddits) == 0 {
		return target{}, fmt.Errorf("reddit: source.include: comments needs source.subreddits (Reddit search does not return comments)")
	}
	sum := sha256.Sum256([]byte(strings.Join(t.subreddits, "+") + "\x00" + t.query))
	t.fingerprint = hex.EncodeToString(sum[:8])
	return t, nil
}

func (t target) search() bool { return t.query != "" }

// postFeed is where the posts are read: the subreddits' /new listing, or a
// search sorted by new.
func (t target) postFeed() feed {
	f := feed{name: includePosts, kind: kindLink, search: t.search(), query: listParams()}
	switch {
	case t.search() && len(t.subreddits) > 0:
		f.path = "/r/" + strings.Join(t.subreddits, "+") + "/search"
	case t.search():
		f.path = "/search"
	default:
		f.path = "/r/" + strings.Join(t.subreddits, "+") + "/new"
	}
	if t.search() {
		f.query.Set("q", t.query)
		f.query.Set("sort", "new")
		f.query.Set("type", "link")
		if len(t.subreddits) > 0 {
			f.query.Set("restrict_sr", "1")
		}
	}
	return f
}

// commentFeed is the subreddits' /comments listing, newest first. The query,
// if any, does not narrow it: the matcher's input does.
func (t target) commentFeed() feed {
	return feed{
		name:  includeComments,
		path:  "/r/" + strings.Join(t.subreddits, "+") + "/comments",
		kind:  kindComment,
		query: listParams(),
	}
}

func listParams() url.Values {
	q := url.Values{}
	q.Set("limit", fmt.Sprint(pageLimit))
	// raw_json=1: titles and text without HTML entities (&amp;).
	q.Set("raw_json", "1")
	return q
}

// SearchQuery builds a Reddit search query from a manager's input when its
// source names neither subreddits nor a query: its keywords and the brand
// word of each of its URLs, OR'ed, phrases quoted ("social listening" OR
// mycompany). It is "" when the input has no terms.
func SearchQuery(in models.Input) string {
	var terms []string
	add := func(t string) {
		t = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(t), "*"))
		t = strings.ReplaceAll(t, `"`, "")
		if t == "" || slices.Contains(terms, t) {
			return
		}
		terms = append(terms, t)
	}
	for _, k := range in.Keywords {
		add(k)
	}
	for _, u := range in.URLs {
		_, brand := models.SiteBrand(u)
		add(brand)
	}
	for i, t := range terms {
		if strings.ContainsAny(t, " \t") {
			terms[i] = `"` + t + `"`
		}
	}
	return strings.Join(terms, " OR ")
}
