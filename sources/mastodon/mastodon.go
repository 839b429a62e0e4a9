package mastodon

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

	"github.com/go-resty/resty/v2"

	"github.com/earshothq/earshot/internal/retryafter"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/internal/cursors"
	"github.com/earshothq/earshot/sources/internal/fetch"
	"github.com/earshothq/earshot/sources/internal/window"
)

const (
	// pageSize is the limit asked for (the API's maximum for timelines
	// and search).
	pageSize = 40
	// DefaultTimeout bounds each request.
	DefaultTimeout = fetch.DefaultTimeout
	maxBodyBytes   = 8 << 20
	// overlap is how far below the newest status returned the next poll
	// reads again: remote statuses reach an instance after they are
	// written, and are listed by their own time.
	overlap       = 15 * time.Minute
	seenLimit     = 2000
	cursorVersion = 1
	// defaultBlock is the wait after a 429 that says nothing more: the
	// limit is 300 requests per 5 minutes.
	defaultBlock = 5 * time.Minute
)

// ErrNoToken: status search was asked of an instance with no access
// token configured.
var ErrNoToken = errors.New("mastodon: status search needs an access token for the instance (sources.mastodon.access_token or access_tokens)")

// Source reads Mastodon statuses. It is safe for concurrent use.
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
	secrets := []string{cfg.AccessToken}
	for _, t := range cfg.AccessTokens {
		secrets = append(secrets, t)
	}
	api, o := fetch.New(fetch.Platform{Name: "mastodon", Timeout: DefaultTimeout, MaxBody: maxBodyBytes, Secrets: secrets, UserURLs: true}, opts)
	api.HTTP.SetRedirectPolicy(resty.NoRedirectPolicy())
	return &Source{cfg: cfg, api: api, log: o.Log}
}

// read is one hashtag or the query of a manager.
type read struct {
	instance string // scheme://host, no trailing slash
	tag      string // lower case, no "#"
	query    string
}

func (r read) key() string {
	if r.tag != "" {
		return "tag:" + r.tag
	}
	return "q:" + r.query
}

// reads returns the reads of a manager.
func (s *Source) reads(m *models.Manager) ([]read, error) {
	st, err := sources.Settings[Settings](m)
	if err != nil {
		return nil, err
	}
	inst := strings.TrimSuffix(cmp.Or(strings.TrimSpace(st.Instance), s.cfg.BaseURL), "/")
	u, err := url.Parse(inst)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("mastodon: instance %q is not a URL", inst)
	}
	inst = strings.ToLower(u.Scheme + "://" + u.Host)
	var out []read
	for _, h := range st.Hashtags {
		tag := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "#"))
		if tag != "" && !slices.ContainsFunc(out, func(r read) bool { return r.tag == tag }) {
			out = append(out, read{instance: inst, tag: tag})
		}
	}
	if q := strings.Join(strings.Fields(st.Query), " "); q != "" {
		out = append(out, read{instance: inst, query: q})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("mastodon: the manager has neither source.hashtags nor source.query")
	}
	return out, nil
}

// token is the access token of an instance, "" when none is configured.
func (s *Source) token(instance string) string {
	u, err := url.Parse(instance)
	if err != nil {
		return ""
	}
	if t := s.cfg.AccessTokens[u.Host]; t != "" {
		return t
	}
	if b, err := url.Parse(s.cfg.BaseURL); err == nil && strings.EqualFold(b.Host, u.Host) && strings.EqualFold(b.Scheme, u.Scheme) {
		return s.cfg.AccessToken
	}
	return ""
}

// StreamKey implements sources.Shared: managers reading the same hashtags
// and query of one instance share one read.
func (s *Source) StreamKey(m *models.Manager) string {
	list, err := s.reads(m)
	if err != nil {
		return ""
	}
	keys := make([]string, len(list))
	for i, r := range list {
		keys[i] = r.key()
	}
	slices.Sort(keys)
	return Type + " " + list[0].instance + " " + strings.Join(keys, " ")
}

// Describe implements sources.Describer.
func (s *Source) Describe(m *models.Manager) string {
	list, err := s.reads(m)
	if err != nil {
		return ""
	}
	var what []string
	for _, r := range list {
		if r.tag != "" {
			what = append(what, "#"+r.tag)
		} else {
			what = append(what, "search "+strconv.Quote(r.query))
		}
	}
	return "mastodon: " + list[0].instance + ": " + strings.Join(what, ", ")
}

type cursor struct {
	Version int `json:"v"`
	// Instance is the instance read; a manager moved to another starts
	// over.
	Instance string                   `json:"instance"`
	Windows  map[string]window.Window `json:"windows"`
}

// Poll implements sources.Source.
func (s *Source) Poll(ctx context.Context, m *models.Manager, raw json.RawMessage) (sources.Result, error) {
	list, err := s.reads(m)
	if err != nil {
		return sources.Result{}, err
	}
	log := s.log.With("manager", cmp.Or(m.Name, m.ID))
	cur, _ := cursors.Decode[cursor](log, "mastodon", raw, cursorVersion)
	if cur.Instance != list[0].instance {
		cur = cursor{}
	}
	reads := make([]window.Read[models.Post], len(list))
	for i, r := range list {
		reads[i] = window.Read[models.Post]{Key: r.key(), Attrs: []any{"read", r.key()}, Read: func(ctx context.Context, rg window.Range, budget *int) ([]window.Item[models.Post], bool, error) {
			if r.query != "" && s.token(r.instance) == "" {
				return nil, false, ErrNoToken
			}
			return s.read(ctx, log, r, rg, budget)
		}}
	}
	polled, err := window.PollEach(ctx, log, cur.Windows, reads, s.api.Now(), m.Source.BackfillOrDefault(),
		window.Options{Overlap: overlap, Pages: s.cfg.MaxPages, SeenLimit: seenLimit})
	if err != nil {
		return sources.Result{}, err
	}
	next := cursor{Version: cursorVersion, Instance: list[0].instance, Windows: polled.Next}
	byID := map[string]models.Post{}
	for _, it := range polled.Fresh {
		byID[it.ID] = it.Value
	}
	posts := slices.Collect(maps.Values(byID))
	slices.SortFunc(posts, func(a, b models.Post) int {
		return cmp.Or(a.Time.Compare(b.Time.Time), strings.Compare(a.ID, b.ID))
	})
	log.Debug("mastodon poll done", "reads", len(list), "posts", len(posts))
	return cursors.Result("mastodon", posts, next)
}

// snowflake is the lowest Mastodon id of a status created at t: ids are
// milliseconds since the epoch shifted 16 bits left.
func snowflake(t time.Time) string {
	return strconv.FormatUint(uint64(t.UnixMilli())<<16, 10)
}

// read pages through the statuses of rg, newest first.
func (s *Source) read(ctx context.Context, log *slog.Logger, r read, rg window.Range, budget *int) ([]window.Item[models.Post], bool, error) {
	var path string
	q := url.Values{}
	q.Set("limit", strconv.Itoa(pageSize))
	if r.tag != "" {
		path = "/api/v1/timelines/tag/" + url.PathEscape(r.tag)
	} else {
		path = "/api/v2/search"
		q.Set("q", r.query)
		q.Set("type", "statuses")
		q.Set("resolve", "false")
		q.Set("min_id", snowflake(rg.From.Add(-time.Millisecond)))
	}
	if !rg.To.IsZero() {
		q.Set("max_id", snowflake(rg.To.Add(time.Second)))
	}
	next := r.instance + path + "?" + q.Encode()
	var items []window.Item[models.Post]
	offset := 0
	for {
		body, h, err := s.get(ctx, log, r, path, next)
		if err != nil {
			if len(items) > 0 && errors.Is(err, sources.ErrRateLimited) {
				return items, false, nil
			}
			return nil, false, err
		}
		*budget--
		list, err := decodeStatuses(body, r.query != "")
		if err != nil {
			return nil, false, s.api.Error(http.MethodGet, path, http.StatusOK, err)
		}
		reached := len(list) == 0
		for _, st := range list {
			items = append(items, window.Item[models.Post]{ID: st.URI, Time: st.CreatedAt, Value: st.post()})
			if st.CreatedAt.Before(rg.From) {
				reached = true
			}
		}
		if reached {
			return items, true, nil
		}
		if r.query != "" {
			if len(list) < pageSize {
				return items, true, nil
			}
			offset += len(list)
			q.Set("offset", strconv.Itoa(offset))
			next = r.instance + path + "?" + q.Encode()
		} else {
			next = fetch.NextLink(h)
			if next == "" {
				return items, true, nil
			}
			if !fetch.SameOrigin(r.instance, next) {
				return nil, false, s.api.Error(http.MethodGet, path, http.StatusOK, fmt.Errorf("%w: a Link to another host", fetch.ErrMalformed))
			}
		}
		if *budget <= 0 {
			return items, false, nil
		}
	}
}

// get makes one call and returns the body and headers of a 200.
func (s *Source) get(ctx context.Context, log *slog.Logger, r read, path, u string) ([]byte, http.Header, error) {
	host := strings.TrimPrefix(strings.TrimPrefix(r.instance, "https://"), "http://")
	api := *s.api
	api.Source = "mastodon " + host
	api.RateKey = "mastodon:" + host
	if err := api.CheckBlocked(ctx); err != nil {
		return nil, nil, err
	}
	req := s.api.HTTP.R().SetContext(ctx)
	if tok := s.token(r.instance); tok != "" {
		req.SetAuthToken(tok)
	}
	start := time.Now()
	resp, err := req.Get(u)
	if err != nil {
		return nil, nil, api.TransportError(ctx, log, http.MethodGet, path, err)
	}
	code, h, now := resp.StatusCode(), resp.Header(), s.api.Now()
	reset := resetTime(h.Get("X-RateLimit-Reset"), now)
	if code == http.StatusOK {
		log.Debug("mastodon request", "instance", host, "path", path, "status", code, "bytes", len(resp.Body()),
			"remaining", h.Get("X-RateLimit-Remaining"), "latency", time.Since(start))
		if rem, err := strconv.Atoi(h.Get("X-RateLimit-Remaining")); err == nil && rem <= 0 && !reset.IsZero() {
			// This answer is good; the next call would be refused.
			api.Block(ctx, log, reset)
		}
		return resp.Body(), h, nil
	}
	if code == http.StatusTooManyRequests {
		until := reset
		if w, ok := retryafter.Parse(h.Get("Retry-After"), now); ok {
			until = now.Add(w)
		}
		if until.IsZero() {
			until = now.Add(defaultBlock)
		}
		return nil, nil, api.RateLimited(ctx, log, path, until)
	}
	var e apiError
	_ = json.Unmarshal(resp.Body(), &e)
	why := ""
	if m := fetch.Printable(e.Error, 200); m != "" {
		why = ": " + m
	}
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return nil, nil, api.Error(http.MethodGet, path, code, fmt.Errorf("%w: %s%s", fetch.ErrAuth, resp.Status(), why))
	case code >= 500:
		return nil, nil, api.Error(http.MethodGet, path, code, fmt.Errorf("%w: %s%s", fetch.ErrServer, resp.Status(), why))
	}
	return nil, nil, api.Error(http.MethodGet, path, code, fmt.Errorf("%w: %s%s", fetch.ErrStatus, resp.Status(), why))
}

// resetTime parses X-RateLimit-Reset, an ISO 8601 time, accepting one in
// the next hour only.
func resetTime(v string, now time.Time) time.Time {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(v))
	if err != nil || !t.After(now) || t.Sub(now) > time.Hour {
		return time.Time{}
	}
	return t
}
