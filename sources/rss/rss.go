package rss

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/mmcdole/gofeed"

	"github.com/earshothq/earshot/internal/retryafter"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/internal/cursors"
	"github.com/earshothq/earshot/sources/internal/fetch"
)

const (
	// DefaultTimeout bounds each fetch.
	DefaultTimeout = fetch.DefaultTimeout
	// maxBodyBytes caps a feed document.
	maxBodyBytes = 10 << 20
	// seenLimit bounds each feed's seen-set; a feed rarely lists more
	// than a few hundred items.
	seenLimit = 3000
	// seenKeep is how long an id that left the feed is remembered: a feed
	// that drops an item and lists it again (a flapping cache) must not
	// deliver it twice.
	seenKeep = 30 * 24 * time.Hour
	// defaultBlock is the wait after a 429 or 503 that says nothing more.
	defaultBlock  = 10 * time.Minute
	cursorVersion = 1
	accept        = "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)

// ErrNotFeed: the answer parsed as no RSS, Atom or JSON Feed document (an
// HTML page, an error page, garbage).
var ErrNotFeed = errors.New("not an RSS, Atom or JSON feed")

// Source reads feeds. It is safe for concurrent use by many managers.
type Source struct {
	cfg Config
	api *fetch.Client
	log *slog.Logger
}

var (
	_ sources.Source    = (*Source)(nil)
	_ sources.Shared    = (*Source)(nil)
	_ sources.Describer = (*Source)(nil)
)

// New returns a Source for cfg (cfg.WithDefaults is applied).
func New(cfg Config, opts ...sources.Option) *Source {
	cfg = cfg.WithDefaults()
	api, o := fetch.New(fetch.Platform{Name: "rss", Timeout: DefaultTimeout, MaxBody: maxBodyBytes, UserAgent: cfg.UserAgent, UserURLs: true}, opts)
	api.HTTP.
		SetHeader("Accept", accept).
		// Feeds move (http → https, a new path); each hop is dialled
		// through the guard again.
		SetRedirectPolicy(resty.FlexibleRedirectPolicy(5))
	return &Source{cfg: cfg, api: api, log: o.Log}
}

// cursor is what Poll hands back to be stored.
type cursor struct {
	Version int `json:"v"`
	// Feeds is keyed by feed URL; a feed the manager no longer reads is
	// dropped, a new one starts with a backfill.
	Feeds map[string]feedState `json:"feeds"`
}

// feedState is one feed's cursor.
type feedState struct {
	// Since is the backfill boundary: dated items older are never read.
	Since        time.Time `json:"since"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	// Seen maps the ids of the items returned to the Unix second each was
	// first seen.
	Seen map[string]int64 `json:"seen,omitempty"`
}

// feeds returns a manager's feed URLs, each once, in its order.
func feeds(m *models.Manager) ([]string, error) {
	st, err := sources.Settings[Settings](m)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range st.Feeds {
		if f = strings.TrimSpace(f); f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("rss: the manager has no source.feeds")
	}
	return out, nil
}

// StreamKey implements sources.Shared: managers reading the same feeds
// share one read.
func (s *Source) StreamKey(m *models.Manager) string {
	list, err := feeds(m)
	if err != nil {
		return ""
	}
	slices.Sort(list)
	return Type + " " + strings.Join(list, " ")
}

// Describe implements sources.Describer.
func (s *Source) Describe(m *models.Manager) string {
	list, err := feeds(m)
	if err != nil {
		return ""
	}
	for i, f := range list {
		list[i] = redact(f)
	}
	return "rss: feeds " + strings.Join(list, ", ")
}

// Poll implements sources.Source. Each feed is fetched once; a feed that
// fails keeps its cursor and is logged, and the poll fails when every feed
// failed, so one broken feed of many does not hold the others back.
func (s *Source) Poll(ctx context.Context, m *models.Manager, raw json.RawMessage) (sources.Result, error) {
	list, err := feeds(m)
	if err != nil {
		return sources.Result{}, err
	}
	log := s.log.With("manager", cmp.Or(m.Name, m.ID))
	cur, _ := cursors.Decode[cursor](log, "rss", raw, cursorVersion)
	now := s.api.Now()
	next := cursor{Version: cursorVersion, Feeds: map[string]feedState{}}
	var posts []models.Post
	var errs []error
	for _, f := range list {
		st, known := cur.Feeds[f]
		if !known {
			st = feedState{Since: now.Add(-m.Source.BackfillOrDefault()).UTC().Truncate(time.Second)}
		}
		got, nst, err := s.readFeed(ctx, log, f, st, now)
		if err != nil {
			if ctx.Err() != nil {
				return sources.Result{}, err
			}
			errs = append(errs, err)
			if known {
				next.Feeds[f] = st
			}
			continue
		}
		next.Feeds[f] = nst
		posts = append(posts, got...)
	}
	if len(errs) == len(list) {
		return sources.Result{}, errors.Join(errs...)
	}
	for _, err := range errs {
		log.Warn("rss: feed not read; it is tried again next poll", "error", err)
	}
	slices.SortStableFunc(posts, func(a, b models.Post) int { return a.Time.Compare(b.Time.Time) })
	return cursors.Result("rss", posts, next)
}

// readFeed fetches one feed and returns its new items and its next state.
func (s *Source) readFeed(ctx context.Context, log *slog.Logger, feedURL string, st feedState, now time.Time) ([]models.Post, feedState, error) {
	u, err := url.Parse(feedURL)
	if err != nil {
		return nil, st, fmt.Errorf("rss: feed %q: %w", redact(feedURL), err)
	}
	path := redact(feedURL)
	api := *s.api
	api.RateKey = "rss:" + strings.ToLower(u.Host)
	if err := api.CheckBlocked(ctx); err != nil {
		return nil, st, err
	}
	req := s.api.HTTP.R().SetContext(ctx)
	if st.ETag != "" {
		req.SetHeader("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		req.SetHeader("If-Modified-Since", st.LastModified)
	}
	start := time.Now()
	resp, err := req.Get(feedURL)
	if err != nil {
		return nil, st, api.TransportError(ctx, log, http.MethodGet, path, err)
	}
	code, h := resp.StatusCode(), resp.Header()
	log.Debug("rss fetch", "feed", path, "status", code, "bytes", len(resp.Body()), "latency", time.Since(start))
	switch {
	case code == http.StatusNotModified:
		return nil, st, nil
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		wait, ok := retryafter.Parse(h.Get("Retry-After"), now)
		if !ok {
			wait = defaultBlock
		}
		return nil, st, api.RateLimited(ctx, log, path, now.Add(wait))
	case code >= 500:
		return nil, st, api.Error(http.MethodGet, path, code, fmt.Errorf("%w: %s", fetch.ErrServer, resp.Status()))
	case code != http.StatusOK:
		return nil, st, api.Error(http.MethodGet, path, code, fmt.Errorf("%w: %s", fetch.ErrStatus, resp.Status()))
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(resp.Body()))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			ct := fetch.Printable(h.Get("Content-Type"), 60)
			err = fmt.Errorf("%w (Content-Type %q)", ErrNotFeed, ct)
		} else {
			err = fmt.Errorf("%w: %w: %v", fetch.ErrMalformed, ErrNotFeed, err)
		}
		return nil, st, api.Error(http.MethodGet, path, code, err)
	}
	posts, seen := s.items(feedURL, feed, st, now)
	next := feedState{Since: st.Since, ETag: h.Get("ETag"), LastModified: h.Get("Last-Modified"), Seen: seen}
	return posts, next, nil
}

// items returns the feed's items not returned before, and the seen-set
// to store.
func (s *Source) items(feedURL string, feed *gofeed.Feed, st feedState, now time.Time) ([]models.Post, map[string]int64) {
	inFeed := map[string]bool{}
	seen := map[string]int64{}
	var posts []models.Post
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		id := itemID(feedURL, it)
		if inFeed[id] {
			continue
		}
		inFeed[id] = true
		if first, ok := st.Seen[id]; ok {
			seen[id] = first
			continue
		}
		t, dated := itemTime(it)
		if !dated || t.After(now) {
			t = now // undated, or dated in the future: first seen now
		}
		if dated && t.Before(st.Since) {
			continue
		}
		if len(posts) >= s.cfg.MaxItems {
			continue // read next poll
		}
		seen[id] = now.Unix()
		posts = append(posts, post(feedURL, feed, it, id, t))
	}
	// Remember the ids that left the feed for a while, newest first, in
	// the bound.
	type old struct {
		id string
		t  int64
	}
	var gone []old
	for id, t := range st.Seen {
		if !inFeed[id] && now.Sub(time.Unix(t, 0)) < seenKeep {
			gone = append(gone, old{id, t})
		}
	}
	slices.SortFunc(gone, func(a, b old) int { return cmp.Or(cmp.Compare(b.t, a.t), strings.Compare(a.id, b.id)) })
	for _, g := range gone {
		if len(seen) >= seenLimit {
			break
		}
		seen[g.id] = g.t
	}
	return posts, seen
}

// itemID is the item's guid, else its link, else a hash of its title and
// date. A guid that is no URL or URN is made unique to the feed.
func itemID(feedURL string, it *gofeed.Item) string {
	if g := strings.TrimSpace(it.GUID); g != "" {
		if strings.Contains(g, ":") {
			return g
		}
		return feedURL + "#" + g
	}
	if l := strings.TrimSpace(it.Link); l != "" {
		return l
	}
	sum := sha256.Sum256([]byte(feedURL + "\x00" + it.Title + "\x00" + it.Published + "\x00" + it.Updated + "\x00" + it.Description))
	return feedURL + "#" + hex.EncodeToString(sum[:12])
}

// itemTime is the item's publication date, else its update date.
func itemTime(it *gofeed.Item) (time.Time, bool) {
	for _, t := range []*time.Time{it.PublishedParsed, it.UpdatedParsed} {
		if t != nil && !t.IsZero() && t.Year() > 1970 {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// redact is a feed URL fit for logs and errors: without its query, user
// info and fragment, which may hold a token.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable URL>"
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}
