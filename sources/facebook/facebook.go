package facebook

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
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
	// pageSize is the limit asked for.
	pageSize = 100
	// DefaultTimeout bounds each HTTP request.
	DefaultTimeout = fetch.DefaultTimeout
	// maxBodyBytes caps a response body.
	maxBodyBytes = 8 << 20
	// overlap is how far below the newest post returned the next poll
	// reads again, for posts that reach the feed after their created time
	// (scheduled and edited posts).
	overlap = 5 * time.Minute
	// seenLimit bounds each page's seen-set; it exceeds what a poll reads.
	seenLimit = 1000
	// cursorVersion changes when the cursor's meaning does.
	cursorVersion = 1
	// defaultBlock is the wait after a throttling error or a usage header
	// near its limit that gives no estimate; the Graph API's limits are
	// rolling one-hour windows.
	defaultBlock = 5 * time.Minute
	// highUsage is the usage percentage at which every process holds back.
	highUsage = 95
)

// Source reads Facebook Page posts. It is safe for concurrent use by many
// managers.
type Source struct {
	cfg    Config
	proof  string // appsecret_proof, "" without an app secret
	redact func(string) string
	api    *fetch.Client
	log    *slog.Logger
}

var _ sources.Source = (*Source)(nil)

// New returns a Source for cfg (cfg.WithDefaults is applied).
func New(cfg Config, opts ...sources.Option) *Source {
	cfg = cfg.WithDefaults()
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	proof := appSecretProof(cfg.AppSecret, cfg.AccessToken)
	secrets := []string{cfg.AccessToken, cfg.AppSecret, proof}
	api, o := fetch.New(fetch.Platform{
		Name:    "facebook",
		RateKey: rateKey(cfg),
		Timeout: DefaultTimeout,
		MaxBody: maxBodyBytes,
		Secrets: secrets,
	}, opts)
	return &Source{
		cfg: cfg, proof: proof, redact: fetch.Redactor(secrets...),
		api: api, log: o.Log,
	}
}

// appSecretProof is the hex HMAC-SHA256 of the token keyed by the app
// secret, which proves a call comes from the app's own server.
func appSecretProof(secret, token string) string {
	if secret == "" {
		return ""
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(token))
	return hex.EncodeToString(mac.Sum(nil))
}

// rateKey names the RateState entry: the Graph API limits each app and
// token, so every process with the same token shares one entry. The token
// is hashed so that the key does not reveal it.
func rateKey(cfg Config) string {
	sum := sha256.Sum256([]byte(cfg.AccessToken))
	return "facebook:" + hex.EncodeToString(sum[:6])
}

// cursor is what Poll hands back to be stored: a window per Facebook page.
// Its JSON is opaque to the caller.
type cursor struct {
	Version int `json:"v"`
	// Pages is keyed by the page id or username as the manager names it; a
	// page the manager no longer reads is dropped, a new one starts with a
	// backfill.
	Pages map[string]window.Window `json:"pages"`
}

// Poll implements sources.Source.
//
// For each page, a first poll reads back m.Source.BackfillOrDefault();
// later polls read what an earlier poll left in a gap, then the posts
// created since the newest one returned, less the overlap, following
// paging.next while the page budget lasts. Posts in a page's seen-set are
// never returned again.
func (s *Source) Poll(ctx context.Context, m *models.Manager, raw json.RawMessage) (sources.Result, error) {
	pages, err := feedPages(m)
	if err != nil {
		return sources.Result{}, err
	}
	name := m.Name
	if name == "" {
		name = m.ID
	}
	log := s.log.With("manager", name)
	now := s.api.Now()

	cur, _ := cursors.Decode[cursor](log, "facebook", raw, cursorVersion)
	reads := make([]window.Read[models.Post], len(pages))
	for i, pg := range pages {
		reads[i] = window.Read[models.Post]{Key: pg, Attrs: []any{"page", pg}, Read: func(ctx context.Context, r window.Range, budget *int) ([]window.Item[models.Post], bool, error) {
			return s.read(ctx, log, pg, r, budget)
		}}
	}
	polled, err := window.PollEach(ctx, log, cur.Pages, reads, now, m.Source.BackfillOrDefault(),
		window.Options{Overlap: overlap, Pages: s.cfg.MaxPages, SeenLimit: seenLimit})
	if err != nil {
		return sources.Result{}, err
	}
	next := cursor{Version: cursorVersion, Pages: polled.Next}
	var posts []models.Post
	seen := map[string]bool{}
	for _, it := range polled.Fresh {
		// A post on two pages' feeds (a visitor post, a collaboration)
		// is returned once.
		if !seen[it.ID] {
			seen[it.ID] = true
			posts = append(posts, it.Value)
		}
	}
	slices.SortStableFunc(posts, func(a, b models.Post) int {
		return cmp.Or(a.Time.Compare(b.Time.Time), window.CompareIDs(a.ID, b.ID))
	})
	log.Debug("facebook poll done", "pages", len(pages), "posts", len(posts))
	return cursors.Result("facebook", posts, next)
}

// feedPages returns the manager's pages, trimmed, each once.
func feedPages(m *models.Manager) ([]string, error) {
	st, err := sources.Settings[Settings](m)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range st.Pages {
		p = strings.Trim(strings.TrimSpace(p), "/")
		if p == "" || slices.Contains(out, p) {
			continue
		}
		if strings.ContainsAny(p, "/?#") {
			return nil, fmt.Errorf("facebook: %q is not a page id or username", p)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("facebook: the manager's source names no pages")
	}
	return out, nil
}

// read pages through the posts of a page's feed in r, newest first,
// following paging.next until the end of the feed, a post older than r,
// or the page budget.
func (s *Source) read(ctx context.Context, log *slog.Logger, pg string, r window.Range, budget *int) ([]window.Item[models.Post], bool, error) {
	path := "/" + url.PathEscape(pg) + "/feed"
	q := url.Values{}
	q.Set("fields", feedFields)
	q.Set("limit", strconv.Itoa(pageSize))
	// A second either side: whether the Graph API's bounds are inclusive
	// is not documented; the window drops what is outside r.
	q.Set("since", strconv.FormatInt(r.From.Unix()-1, 10))
	if !r.To.IsZero() {
		q.Set("until", strconv.FormatInt(r.To.Unix()+1, 10))
	}
	var items []window.Item[models.Post]
	for n := 0; ; n++ {
		body, err := s.get(ctx, log, path, q)
		if err != nil {
			if n > 0 && errors.Is(err, sources.ErrRateLimited) {
				// Keep what was read; the rest waits for the next poll.
				return items, false, nil
			}
			return nil, false, err
		}
		*budget--
		p, err := decodeFeed(body)
		if err != nil {
			return nil, false, s.api.Error(http.MethodGet, path, http.StatusOK, err)
		}
		reached := false
		for i, fp := range p.posts {
			items = append(items, window.Item[models.Post]{ID: fp.ID, Time: p.times[i], Value: fp.post(p.times[i])})
			reached = reached || p.times[i].Before(r.From)
		}
		switch {
		case reached || p.next == nil:
			return items, true, nil
		case *budget <= 0:
			return items, false, nil
		}
		// Only the paging parameters are taken from paging.next: the
		// credentials are ours, and the host is the configured one.
		q = p.next
	}
}

// get makes one Graph API call and returns the body of a 200.
func (s *Source) get(ctx context.Context, log *slog.Logger, path string, q url.Values) ([]byte, error) {
	if err := s.api.CheckBlocked(ctx); err != nil {
		return nil, err
	}
	q = cloneValues(q)
	q.Set("access_token", s.cfg.AccessToken)
	if s.proof != "" {
		q.Set("appsecret_proof", s.proof)
	}
	start := time.Now()
	resp, err := s.api.HTTP.R().SetContext(ctx).SetQueryParamsFromValues(q).Get(s.cfg.BaseURL + path)
	if resp != nil && resp.RawResponse != nil {
		s.observeUsage(ctx, log, resp.Header())
	}
	if err != nil {
		return nil, s.api.TransportError(ctx, log, http.MethodGet, path, err)
	}
	if resp.StatusCode() == http.StatusOK {
		log.Debug("facebook request", "method", http.MethodGet, "path", path, "status", resp.StatusCode(),
			"bytes", len(resp.Body()), "latency", time.Since(start))
		return resp.Body(), nil
	}
	return nil, s.statusError(ctx, log, path, resp)
}

func cloneValues(q url.Values) url.Values {
	c := make(url.Values, len(q)+2)
	for k, v := range q {
		c[k] = slices.Clone(v)
	}
	return c
}

// statusError turns a non-200 answer into an error: a
// *sources.RateLimitError for a throttling code or a 429, a *RequestError
// wrapping the *GraphError otherwise.
func (s *Source) statusError(ctx context.Context, log *slog.Logger, path string, resp *resty.Response) error {
	code, now := resp.StatusCode(), s.api.Now()
	var body struct {
		Error *GraphError `json:"error"`
	}
	if json.Unmarshal(resp.Body(), &body) != nil || body.Error == nil {
		kind := ErrStatus
		if code >= 500 {
			kind = ErrServer
		}
		if code == http.StatusTooManyRequests {
			return s.api.RateLimited(ctx, log, path, now.Add(s.estimate(resp.Header(), now)))
		}
		return s.api.Error(http.MethodGet, path, code, fmt.Errorf("%w: %s", kind, resp.Status()))
	}
	ge := body.Error
	ge.Message = s.redact(fetch.Printable(ge.Message, 300))
	ge.Type = fetch.Printable(ge.Type, 64)
	ge.FBTraceID = fetch.Printable(ge.FBTraceID, 64)
	if throttled(ge.Code) || code == http.StatusTooManyRequests {
		log.Warn("facebook: throttled", "code", ge.Code, "subcode", ge.Subcode, "message", ge.Message)
		return s.api.RateLimited(ctx, log, path, now.Add(s.estimate(resp.Header(), now)))
	}
	ge.classify(code)
	if ge.kind == ErrServer {
		log.Warn("facebook: server error", "path", path, "status", code, "code", ge.Code)
	}
	return s.api.Error(http.MethodGet, path, code, ge)
}

// usage is a Graph API usage header's object: percentages of the limits
// used, and for page and business use case limits the minutes until access
// returns once blocked.
type usage struct {
	CallCount     float64 `json:"call_count"`
	TotalCPUTime  float64 `json:"total_cputime"`
	TotalTime     float64 `json:"total_time"`
	EstimatedTime float64 `json:"estimated_time_to_regain_access"`
}

func (u usage) peak() float64 { return max(u.CallCount, u.TotalCPUTime, u.TotalTime) }

// usages reads X-App-Usage, X-Page-Usage and X-Ad-Account-Usage (one
// object each) and X-Business-Use-Case-Usage (a list per business id).
func usages(h http.Header) []usage {
	var out []usage
	for _, name := range []string{"X-App-Usage", "X-Page-Usage", "X-Ad-Account-Usage"} {
		var u usage
		if v := h.Get(name); v != "" && json.Unmarshal([]byte(v), &u) == nil {
			out = append(out, u)
		}
	}
	var buc map[string][]usage
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" && json.Unmarshal([]byte(v), &buc) == nil {
		for _, list := range buc {
			out = append(out, list...)
		}
	}
	return out
}

// estimate is how long to hold back: the longest wait a usage header
// estimates, else Retry-After, else defaultBlock.
func (s *Source) estimate(h http.Header, now time.Time) time.Duration {
	var wait time.Duration
	for _, u := range usages(h) {
		if d := time.Duration(u.EstimatedTime * float64(time.Minute)); d > wait && d <= 24*time.Hour {
			wait = d
		}
	}
	if wait > 0 {
		return wait
	}
	if d, ok := retryafter.Parse(h.Get("Retry-After"), now); ok {
		return d
	}
	return defaultBlock
}

// observeUsage holds every process back when a usage header says a limit
// is nearly used up, before the Graph API starts refusing calls.
func (s *Source) observeUsage(ctx context.Context, log *slog.Logger, h http.Header) {
	peak := 0.0
	for _, u := range usages(h) {
		peak = max(peak, u.peak())
	}
	if peak < highUsage {
		return
	}
	until := s.api.Now().Add(s.estimate(h, s.api.Now()))
	log.Warn("facebook: rate limit nearly used up; holding back", "usage_percent", peak, "until", until.UTC().Format(time.RFC3339))
	s.api.Block(ctx, log, until)
}
