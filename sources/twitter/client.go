package twitter

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/earshothq/earshot/internal/retryafter"
	"github.com/earshothq/earshot/sources/internal/fetch"
)

const (
	searchPath = "/2/tweets/search/recent"
	// defaultBlock is the wait when X says to wait without saying how
	// long: its rate-limit windows are 15 minutes.
	defaultBlock = 15 * time.Minute
	// cappedBlock is the wait after X says the project's monthly post cap
	// is used up; it lifts only when the month or the plan changes.
	cappedBlock = time.Hour
)

// get makes one search call and returns the body of a 200, and whether the
// rate-limit window is used up (the call went through, but no further call
// may be made before the reset).
func (s *Source) get(ctx context.Context, log *slog.Logger, q url.Values) ([]byte, bool, error) {
	if err := s.api.CheckBlocked(ctx); err != nil {
		return nil, false, err
	}
	start := time.Now()
	resp, err := s.api.HTTP.R().
		SetContext(ctx).
		SetAuthToken(s.cfg.BearerToken).
		SetQueryParamsFromValues(q).
		Get(s.cfg.BaseURL + searchPath)
	exhausted := false
	if resp != nil && resp.RawResponse != nil {
		exhausted = s.observeRate(ctx, log, resp.Header())
	}
	if err != nil {
		return nil, false, s.api.TransportError(ctx, log, http.MethodGet, searchPath, err)
	}
	if resp.StatusCode() != http.StatusOK {
		return nil, false, s.statusError(ctx, log, resp)
	}
	log.Debug("twitter request", "method", http.MethodGet, "path", searchPath, "status", resp.StatusCode(),
		"bytes", len(resp.Body()), "latency", time.Since(start),
		"ratelimit_remaining", resp.Header().Get("X-Rate-Limit-Remaining"))
	return resp.Body(), exhausted, nil
}

// observeRate reads X's rate-limit headers: x-rate-limit-remaining of the
// 15-minute window and x-rate-limit-reset, its end in Unix seconds. When
// the window is used up, every process holds back until the reset, and it
// reports true.
func (s *Source) observeRate(ctx context.Context, log *slog.Logger, h http.Header) bool {
	until, ok := exhaustedUntil(h, s.api.Now())
	if !ok {
		return false
	}
	log.Info("twitter: rate-limit window used up; holding back", "until", until.UTC().Format(time.RFC3339))
	s.api.Block(ctx, log, until)
	return true
}

// exhaustedUntil reports when the used-up window of the headers ends: the
// 15-minute request window, or the app's 24-hour one, whichever is later.
func exhaustedUntil(h http.Header, now time.Time) (time.Time, bool) {
	var until time.Time
	found := false
	for _, prefix := range []string{"X-Rate-Limit-", "X-App-Limit-24hour-"} {
		remaining, err := strconv.Atoi(strings.TrimSpace(h.Get(prefix + "Remaining")))
		if err != nil || remaining > 0 {
			continue
		}
		t, ok := fetch.EpochSeconds(h.Get(prefix+"Reset"), now)
		if !ok {
			t = now.Add(defaultBlock)
		}
		found = true
		if t.After(until) {
			until = t
		}
	}
	return until, found
}

// statusError turns a non-200 answer into an error: a *sources.RateLimitError
// for 429, a *RequestError otherwise, with X's own explanation.
func (s *Source) statusError(ctx context.Context, log *slog.Logger, resp *resty.Response) error {
	code, h, now := resp.StatusCode(), resp.Header(), s.api.Now()
	var p problem
	_ = json.Unmarshal(resp.Body(), &p)
	if code == http.StatusTooManyRequests {
		until, ok := exhaustedUntil(h, now)
		if !ok {
			if d, ok := retryafter.Parse(h.Get("Retry-After"), now); ok {
				until = now.Add(d)
			} else {
				until = now.Add(defaultBlock)
			}
		}
		if strings.Contains(p.Type, "usage-capped") {
			log.Warn("twitter: the project's monthly post cap is used up", "detail", fetch.Printable(p.Detail, 200))
			until = now.Add(cappedBlock)
		}
		return s.api.RateLimited(ctx, log, searchPath, until)
	}

	why := p.explain()
	var err error
	switch {
	case code >= 500:
		err = fmt.Errorf("%w: %s%s", ErrServer, resp.Status(), why)
		if d, ok := retryafter.Parse(h.Get("Retry-After"), now); ok {
			s.api.Block(ctx, log, now.Add(d))
		}
		log.Warn("twitter: server error", "path", searchPath, "status", code)
	case code == http.StatusUnauthorized:
		err = fmt.Errorf("%w: %s%s (check sources.twitter.bearer_token)", ErrAuth, resp.Status(), why)
	case code == http.StatusForbidden:
		err = fmt.Errorf("%w: %s%s (does the token's project have recent search access?)", ErrAuth, resp.Status(), why)
	case code == http.StatusBadRequest:
		err = fmt.Errorf("%w: %s%s (check the manager's source.query)", ErrStatus, resp.Status(), why)
	default:
		err = fmt.Errorf("%w: %s%s", ErrStatus, resp.Status(), why)
	}
	return s.api.Error(http.MethodGet, searchPath, code, err)
}

// explain renders a problem for an error message: X's title, detail and
// the invalid parameters' messages, nothing else from the body.
func (p problem) explain() string {
	var parts []string
	for _, s := range []string{p.Title, p.Detail} {
		if s = fetch.Printable(s, 200); s != "" && !containsFold(parts, s) {
			parts = append(parts, s)
		}
	}
	for i, e := range p.Errors {
		if i == 3 {
			break
		}
		if m := fetch.Printable(e.Message, 200); m != "" && !containsFold(parts, m) {
			parts = append(parts, m)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, ": ")
}

func containsFold(list []string, s string) bool {
	for _, l := range list {
		if strings.EqualFold(l, s) {
			return true
		}
	}
	return false
}
