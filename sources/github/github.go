package github

import (
	"cmp"
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
	pageSize = 100
	// searchPages is how deep search pages: it serves 1000 results.
	searchPages    = 10
	DefaultTimeout = fetch.DefaultTimeout
	maxBodyBytes   = 16 << 20
	// overlap: items reach the search index a little after creation.
	overlap       = 5 * time.Minute
	seenLimit     = 2000
	cursorVersion = 1
	// secondaryBlock is the wait after a secondary rate limit that names
	// none: GitHub asks for at least a minute.
	secondaryBlock = time.Minute
	apiVersion     = "2022-11-28"
)

// Source reads GitHub. It is safe for concurrent use.
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
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	api, o := fetch.New(fetch.Platform{Name: "github", Timeout: DefaultTimeout, MaxBody: maxBodyBytes, Secrets: []string{cfg.Token}}, opts)
	api.HTTP.
		SetHeader("Accept", "application/vnd.github+json").
		SetHeader("X-GitHub-Api-Version", apiVersion)
	if cfg.Token != "" {
		api.HTTP.SetAuthToken(cfg.Token)
	}
	return &Source{cfg: cfg, api: api, log: o.Log}
}

// plan is what a manager reads.
type plan struct {
	query    string   // the issue search; "" when issues are not read
	comments []string // repositories whose comments are read
}

func (s *Source) plan(m *models.Manager) (plan, error) {
	st, err := sources.Settings[Settings](m)
	if err != nil {
		return plan{}, err
	}
	var repos []string
	for _, r := range st.Repos {
		if r = strings.ToLower(strings.TrimSpace(r)); r != "" && !slices.Contains(repos, r) {
			repos = append(repos, r)
		}
	}
	slices.Sort(repos)
	issues, comments := includes(m, st)
	var p plan
	if issues {
		p.query = Query(st.Query, m.Input.Keywords, repos)
		if p.query == "" {
			return plan{}, fmt.Errorf("github: the manager has neither source.query nor input.keywords")
		}
	}
	if comments {
		p.comments = repos
	}
	return p, nil
}

// Query is the issue search of a manager: its query, or its keywords
// (quoted when more than a word) OR'ed, with a repo: qualifier for each
// repository.
func Query(query string, keywords, repos []string) string {
	q := strings.Join(strings.Fields(query), " ")
	if q == "" {
		var terms []string
		for _, k := range keywords {
			k = strings.Join(strings.Fields(k), " ")
			if k == "" {
				continue
			}
			if strings.Contains(k, " ") {
				k = strconv.Quote(k)
			}
			if !slices.Contains(terms, k) {
				terms = append(terms, k)
			}
		}
		q = strings.Join(terms, " OR ")
	}
	if q == "" {
		return ""
	}
	for _, r := range repos {
		q += " repo:" + r
	}
	return q
}

// StreamKey implements sources.Shared.
func (s *Source) StreamKey(m *models.Manager) string {
	p, err := s.plan(m)
	if err != nil {
		return ""
	}
	return Type + " q:" + p.query + " comments:" + strings.Join(p.comments, ",")
}

// Describe implements sources.Describer.
func (s *Source) Describe(m *models.Manager) string {
	p, err := s.plan(m)
	if err != nil {
		return ""
	}
	d := "github:"
	if p.query != "" {
		d += " search " + strconv.Quote(p.query)
	}
	if len(p.comments) > 0 {
		d += " comments of " + strings.Join(p.comments, ", ")
	}
	return d
}

type cursor struct {
	Version int                      `json:"v"`
	Windows map[string]window.Window `json:"windows"`
}

// Poll implements sources.Source.
func (s *Source) Poll(ctx context.Context, m *models.Manager, raw json.RawMessage) (sources.Result, error) {
	p, err := s.plan(m)
	if err != nil {
		return sources.Result{}, err
	}
	log := s.log.With("manager", cmp.Or(m.Name, m.ID))
	cur, _ := cursors.Decode[cursor](log, "github", raw, cursorVersion)
	var reads []window.Read[models.Post]
	if p.query != "" {
		reads = append(reads, window.Read[models.Post]{Key: "search:" + p.query, Attrs: []any{"query", p.query}, Read: func(ctx context.Context, r window.Range, budget *int) ([]window.Item[models.Post], bool, error) {
			return s.search(ctx, log, p.query, r, budget)
		}})
	}
	for _, repo := range p.comments {
		reads = append(reads, window.Read[models.Post]{Key: "comments:" + repo, Attrs: []any{"repo", repo}, Read: func(ctx context.Context, r window.Range, budget *int) ([]window.Item[models.Post], bool, error) {
			return s.comments(ctx, log, repo, r, budget)
		}})
	}
	polled, err := window.PollEach(ctx, log, cur.Windows, reads, s.api.Now(), m.Source.BackfillOrDefault(),
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
		return cmp.Or(a.Time.Compare(b.Time.Time), strings.Compare(a.ID, b.ID))
	})
	return cursors.Result("github", posts, next)
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// search pages through the issues created in r, newest first.
func (s *Source) search(ctx context.Context, log *slog.Logger, query string, r window.Range, budget *int) ([]window.Item[models.Post], bool, error) {
	created := " created:>=" + isoTime(r.From)
	if !r.To.IsZero() {
		created = " created:" + isoTime(r.From) + ".." + isoTime(r.To)
	}
	q := url.Values{}
	q.Set("q", query+created)
	q.Set("sort", "created")
	q.Set("order", "desc")
	q.Set("per_page", strconv.Itoa(pageSize))
	var items []window.Item[models.Post]
	for n := 1; ; n++ {
		q.Set("page", strconv.Itoa(n))
		body, err := s.get(ctx, log, "search", "/search/issues", q)
		if err != nil {
			if len(items) > 0 && errors.Is(err, sources.ErrRateLimited) {
				return items, false, nil
			}
			return nil, false, err
		}
		*budget--
		res, err := decodeSearch(body)
		if err != nil {
			return nil, false, s.api.Error(http.MethodGet, "/search/issues", http.StatusOK, err)
		}
		for _, it := range *res.Items {
			items = append(items, window.Item[models.Post]{ID: it.HTMLURL, Time: it.CreatedAt, Value: it.post()})
		}
		switch {
		case len(*res.Items) < pageSize || n*pageSize >= res.TotalCount:
			return items, true, nil
		case n >= searchPages || *budget <= 0:
			// The rest is read as a gap, bounded by the oldest item.
			return items, false, nil
		}
	}
}

// comments pages through a repository's issue comments created in r,
// newest first.
func (s *Source) comments(ctx context.Context, log *slog.Logger, repo string, r window.Range, budget *int) ([]window.Item[models.Post], bool, error) {
	path := "/repos/" + repo + "/issues/comments"
	q := url.Values{}
	q.Set("sort", "created")
	q.Set("direction", "desc")
	q.Set("since", isoTime(r.From)) // updated since: a superset
	q.Set("per_page", strconv.Itoa(pageSize))
	var items []window.Item[models.Post]
	for n := 1; ; n++ {
		q.Set("page", strconv.Itoa(n))
		body, err := s.get(ctx, log, "core", path, q)
		if err != nil {
			if len(items) > 0 && errors.Is(err, sources.ErrRateLimited) {
				return items, false, nil
			}
			return nil, false, err
		}
		*budget--
		list, err := decodeComments(body)
		if err != nil {
			return nil, false, s.api.Error(http.MethodGet, path, http.StatusOK, err)
		}
		reached := len(list) < pageSize
		for _, c := range list {
			items = append(items, window.Item[models.Post]{ID: c.HTMLURL, Time: c.CreatedAt, Value: c.post()})
			if c.CreatedAt.Before(r.From) {
				reached = true
			}
		}
		if reached {
			return items, true, nil
		}
		if *budget <= 0 {
			return items, false, nil
		}
	}
}

// get makes one call under the rate limits of resource ("search",
// "core") and returns the body of a 200.
func (s *Source) get(ctx context.Context, log *slog.Logger, resource, path string, q url.Values) ([]byte, error) {
	api := *s.api
	api.RateKey = "github:" + resource
	if err := api.CheckBlocked(ctx); err != nil {
		return nil, err
	}
	start := time.Now()
	resp, err := s.api.HTTP.R().SetContext(ctx).SetQueryParamsFromValues(q).Get(s.cfg.BaseURL + path)
	if err != nil {
		return nil, api.TransportError(ctx, log, http.MethodGet, path, err)
	}
	code, h, now := resp.StatusCode(), resp.Header(), s.api.Now()
	reset, hasReset := fetch.EpochSeconds(h.Get("X-RateLimit-Reset"), now)
	exhausted := h.Get("X-RateLimit-Remaining") == "0"
	if code == http.StatusOK {
		log.Debug("github request", "path", path, "status", code, "bytes", len(resp.Body()),
			"remaining", h.Get("X-RateLimit-Remaining"), "latency", time.Since(start))
		if exhausted && hasReset {
			api.Block(ctx, log, reset)
		}
		return resp.Body(), nil
	}
	var e apiError
	_ = json.Unmarshal(resp.Body(), &e)
	msg := fetch.Printable(e.Message, 300)
	if code == http.StatusForbidden || code == http.StatusTooManyRequests {
		if wait, ok := retryafter.Parse(h.Get("Retry-After"), now); ok {
			return nil, api.RateLimited(ctx, log, path, now.Add(wait)) // secondary limit
		}
		if exhausted && hasReset {
			return nil, api.RateLimited(ctx, log, path, reset) // primary limit
		}
		if code == http.StatusTooManyRequests || strings.Contains(strings.ToLower(msg), "rate limit") {
			return nil, api.RateLimited(ctx, log, path, now.Add(secondaryBlock))
		}
	}
	why := ""
	if msg != "" {
		why = ": " + msg
	}
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return nil, api.Error(http.MethodGet, path, code, fmt.Errorf("%w: %s%s", fetch.ErrAuth, resp.Status(), why))
	case code >= 500:
		return nil, api.Error(http.MethodGet, path, code, fmt.Errorf("%w: %s%s", fetch.ErrServer, resp.Status(), why))
	}
	return nil, api.Error(http.MethodGet, path, code, fmt.Errorf("%w: %s%s", fetch.ErrStatus, resp.Status(), why))
}
