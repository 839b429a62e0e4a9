package hackernews

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/earshothq/earshot/internal/retryafter"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/internal/cursors"
	"github.com/earshothq/earshot/sources/internal/fetch"
	"github.com/earshothq/earshot/sources/internal/window"
)

const (
	// pageSize is the hitsPerPage asked for.
	pageSize = 100
	// DefaultTimeout bounds each HTTP request.
	DefaultTimeout = fetch.DefaultTimeout
	// maxBodyBytes caps a response body; a full page is ~300 KiB.
	maxBodyBytes = 8 << 20
	// overlap is how far below the newest item returned the next poll
	// reads again: items reach the search index a while after they are
	// posted.
	overlap = 10 * time.Minute
	// seenLimit bounds each query's seen-set; it exceeds what a poll reads.
	seenLimit = 2000
	// cursorVersion changes when the cursor's meaning does.
	cursorVersion = 1
	// defaultBlock is the wait after a 429 that says nothing more; the API
	// allows 10,000 requests an hour from one address.
	defaultBlock = 5 * time.Minute
	searchPath   = "/search_by_date"
)

// Source reads Hacker News items. It is safe for concurrent use by many
// managers.
type Source struct {
	cfg Config
	api *fetch.Client
	log *slog.Logger
}

var _ sources.Source = (*Source)(nil)

// New returns a Source for cfg (cfg.WithDefaults is applied).
func New(cfg Config, opts ...sources.Option) *Source {
	cfg = cfg.WithDefaults()
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	api, o := fetch.New(fetch.Platform{
		Name: "hackernews",
		// The API limits each address, and all processes of one
		// deployment usually share one.
		RateKey: "hackernews",
		Timeout: DefaultTimeout,
		MaxBody: maxBodyBytes,
	}, opts)
	return &Source{cfg: cfg, api: api, log: o.Log}
}

// cursor is what Poll hands back to be stored: a window per search. Its
// JSON is opaque to the caller.
type cursor struct {
	Version int `json:"v"`
	// Windows is keyed by search (tags and query); a search the manager
	// no longer makes is dropped, a new one starts with a backfill.
	Windows map[string]window.Window `json:"windows"`
}

// search is one query the manager makes.
type search struct {
	query string
	tags  string
}

func (s search) key() string { return s.tags + " " + s.query }

// searches returns the searches of a manager: its source.query, or every
// new item, for the tags its source.include asks for.
func searches(m *models.Manager) ([]search, error) {
	tags := "(story,comment)"
	posts, comments := slices.Contains(m.Source.Include, "posts"), slices.Contains(m.Source.Include, "comments")
	switch {
	case posts && !comments:
		tags = "story"
	case comments && !posts:
		tags = "comment"
	}
	st, err := sources.Settings[Settings](m)
	if err != nil {
		return nil, err
	}
	// Without a query of its own a manager reads every new item (an empty
	// query), shared by all such managers (see StreamKey), and the matcher
	// picks what its input asks for.
	return []search{{query: strings.Join(strings.Fields(st.Query), " "), tags: tags}}, nil
}

// Poll implements sources.Source.
//
// For each search, a first poll reads back m.Source.BackfillOrDefault();
// later polls read what an earlier poll left in a gap, then everything
// created since the newest item returned, less the overlap, newest first,
// paging while the page budget lasts. Items in a search's seen-set are
// never returned again, nor is an item twice in one poll.
func (s *Source) Poll(ctx context.Context, m *models.Manager, raw json.RawMessage) (sources.Result, error) {
	list, err := searches(m)
	if err != nil {
		return sources.Result{}, err
	}
	name := m.Name
	if name == "" {
		name = m.ID
	}
	log := s.log.With("manager", name)
	now := s.api.Now()

	cur, _ := cursors.Decode[cursor](log, "hackernews", raw, cursorVersion)
	reads := make([]window.Read[models.Post], len(list))
	for i, se := range list {
		reads[i] = window.Read[models.Post]{Key: se.key(), Attrs: []any{"query", se.query}, Read: func(ctx context.Context, r window.Range, budget *int) ([]window.Item[models.Post], bool, error) {
			return s.read(ctx, log, se, r, budget)
		}}
	}
	polled, err := window.PollEach(ctx, log, cur.Windows, reads, now, m.Source.BackfillOrDefault(),
		window.Options{Overlap: overlap, Pages: s.cfg.MaxPages, SeenLimit: seenLimit})
	if err != nil {
		return sources.Result{}, err
	}
	next := cursor{Version: cursorVersion, Windows: polled.Next}
	byID := map[string]models.Post{}
	for _, it := range polled.Fresh {
		byID[it.ID] = it.Value
	}
	posts := slices.Collect(maps.Values(byID))
	slices.SortFunc(posts, func(a, b models.Post) int {
		if c := a.Time.Compare(b.Time.Time); c != 0 {
			return c
		}
		return window.CompareIDs(a.ID, b.ID)
	})
	log.Debug("hackernews poll done", "searches", len(list), "posts", len(posts))
	return cursors.Result("hackernews", posts, next)
}

// read pages through the items of r, newest first.
func (s *Source) read(ctx context.Context, log *slog.Logger, se search, r window.Range, budget *int) ([]window.Item[models.Post], bool, error) {
	filters := "created_at_i>=" + strconv.FormatInt(r.From.Unix(), 10)
	if !r.To.IsZero() {
		filters += ",created_at_i<=" + strconv.FormatInt(r.To.Unix(), 10)
	}
	q := url.Values{}
	q.Set("query", se.query)
	q.Set("tags", se.tags)
	q.Set("numericFilters", filters)
	q.Set("hitsPerPage", strconv.Itoa(pageSize))
	var items []window.Item[models.Post]
	for n := 0; ; n++ {
		q.Set("page", strconv.Itoa(n))
		body, err := s.get(ctx, log, q)
		if err != nil {
			if n > 0 && errors.Is(err, sources.ErrRateLimited) {
				// Keep what was read; the rest waits for the next poll.
				return items, false, nil
			}
			return nil, false, err
		}
		*budget--
		p, err := decodeSearch(body)
		if err != nil {
			return nil, false, s.api.Error(http.MethodGet, searchPath, http.StatusOK, err)
		}
		for _, h := range p.hits {
			items = append(items, window.Item[models.Post]{ID: h.ObjectID, Time: h.created(), Value: h.post()})
		}
		switch {
		case p.capped:
			// The rest is read as a gap, bounded by the oldest item read.
			return items, false, nil
		case !p.more:
			return items, true, nil
		case *budget <= 0:
			return items, false, nil
		}
	}
}

// get makes one search call and returns the body of a 200.
func (s *Source) get(ctx context.Context, log *slog.Logger, q url.Values) ([]byte, error) {
	if err := s.api.CheckBlocked(ctx); err != nil {
		return nil, err
	}
	start := time.Now()
	resp, err := s.api.HTTP.R().SetContext(ctx).SetQueryParamsFromValues(q).Get(s.cfg.BaseURL + searchPath)
	if err != nil {
		return nil, s.api.TransportError(ctx, log, http.MethodGet, searchPath, err)
	}
	code, h, now := resp.StatusCode(), resp.Header(), s.api.Now()
	if code == http.StatusOK {
		log.Debug("hackernews request", "method", http.MethodGet, "path", searchPath, "status", code,
			"bytes", len(resp.Body()), "latency", time.Since(start))
		return resp.Body(), nil
	}
	wait, hasWait := retryafter.Parse(h.Get("Retry-After"), now)
	if code == http.StatusTooManyRequests {
		if !hasWait {
			wait = defaultBlock
		}
		return nil, s.api.RateLimited(ctx, log, searchPath, now.Add(wait))
	}
	// Algolia explains a refusal in {"message": "…", "status": 400}.
	var e struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(resp.Body(), &e)
	why := ""
	if m := fetch.Printable(e.Message, 200); m != "" {
		why = ": " + m
	}
	if code >= 500 {
		if hasWait {
			s.api.Block(ctx, log, now.Add(wait))
		}
		log.Warn("hackernews: server error", "path", searchPath, "status", code)
		return nil, s.api.Error(http.MethodGet, searchPath, code, fmt.Errorf("%w: %s%s", ErrServer, resp.Status(), why))
	}
	return nil, s.api.Error(http.MethodGet, searchPath, code, fmt.Errorf("%w: %s%s", ErrStatus, resp.Status(), why))
}
