package reddit

import (
	"context"
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
	// lowRemaining: with fewer requests left than this in Reddit's window,
	// every process holds back until the window resets. Above zero because
	// processes sharing a client id read the header concurrently.
	lowRemaining = 2
	// defaultBlock is the wait when Reddit asks for one without saying how
	// long.
	defaultBlock = 60 * time.Second
)

// list GETs one listing page and keeps its children of kind. path is the
// OAuth API's; the public API's has ".json" appended.
func (s *Source) list(ctx context.Context, log *slog.Logger, path string, q url.Values, kind string) (page, error) {
	if !s.oauth {
		path += ".json"
	}
	body, err := s.get(ctx, log, path, q)
	if err != nil {
		return page{}, err
	}
	p, err := decodeListing(body, kind)
	if err != nil {
		return page{}, s.api.Error(http.MethodGet, path, http.StatusOK, err)
	}
	return p, nil
}

// get makes one API call (two when a 401 says the cached token went stale)
// and returns the body of a 200.
func (s *Source) get(ctx context.Context, log *slog.Logger, path string, q url.Values) ([]byte, error) {
	for attempt := 1; ; attempt++ {
		if err := s.api.CheckBlocked(ctx); err != nil {
			return nil, err
		}
		req := s.api.HTTP.R().SetContext(ctx).SetQueryParamsFromValues(q)
		var tok string
		if s.oauth {
			var err error
			if tok, err = s.token(ctx, log); err != nil {
				return nil, err
			}
			req.SetHeader("Authorization", "bearer "+tok)
		}
		start := time.Now()
		resp, err := req.Get(s.cfg.BaseURL + path)
		if resp != nil && resp.RawResponse != nil {
			s.observeRate(ctx, log, resp.Header())
		}
		if err != nil {
			return nil, s.api.TransportError(ctx, log, http.MethodGet, path, err)
		}
		code := resp.StatusCode()
		if code == http.StatusUnauthorized && tok != "" && attempt == 1 {
			log.Warn("access token refused; fetching a new one", "path", path)
			s.dropToken(ctx, tok)
			continue
		}
		if code != http.StatusOK {
			return nil, s.statusError(ctx, log, http.MethodGet, path, resp)
		}
		log.Debug("request done", "method", http.MethodGet, "path", path, "status", code,
			"bytes", len(resp.Body()), "latency", time.Since(start),
			"ratelimit_remaining", resp.Header().Get("X-Ratelimit-Remaining"))
		return resp.Body(), nil
	}
}

// observeRate reads Reddit's rate-limit headers (X-Ratelimit-Remaining is a
// float such as "99.0"; X-Ratelimit-Reset is seconds until the window
// resets) and blocks every process when the window is nearly used up.
func (s *Source) observeRate(ctx context.Context, log *slog.Logger, h http.Header) {
	remaining, err := strconv.ParseFloat(strings.TrimSpace(h.Get("X-Ratelimit-Remaining")), 64)
	if err != nil || remaining >= lowRemaining {
		return
	}
	wait, ok := retryafter.Seconds(h.Get("X-Ratelimit-Reset"))
	if !ok {
		wait = defaultBlock
	}
	until := s.api.Now().Add(wait)
	log.Warn("rate limit nearly used up; holding back", "remaining", remaining, "until", until.UTC().Format(time.RFC3339))
	s.api.Block(ctx, log, until)
}

// statusError turns a non-200 answer into an error: a *sources.RateLimitError
// for 429, a *fetch.RequestError otherwise.
func (s *Source) statusError(ctx context.Context, log *slog.Logger, method, path string, resp *resty.Response) error {
	code, h := resp.StatusCode(), resp.Header()
	now := s.api.Now()
	wait, hasWait := retryafter.Parse(h.Get("Retry-After"), now)
	if code == http.StatusTooManyRequests {
		if !hasWait {
			wait, hasWait = retryafter.Seconds(h.Get("X-Ratelimit-Reset"))
		}
		if !hasWait {
			wait = defaultBlock
		}
		return s.api.RateLimited(ctx, log, path, now.Add(wait))
	}

	var err error
	switch {
	case code >= 500:
		err = fmt.Errorf("%w: %s", fetch.ErrServer, resp.Status())
		if hasWait { // 503 with Retry-After: everyone waits
			s.api.Block(ctx, log, now.Add(wait))
		}
		log.Warn("server error", "method", method, "path", path, "status", code)
	case code == http.StatusUnauthorized:
		err = fmt.Errorf("%w: %s", fetch.ErrAuth, resp.Status())
	case code == http.StatusForbidden:
		err = fmt.Errorf("%w: %s (private, quarantined or banned subreddit?)", fetch.ErrStatus, resp.Status())
	case code == http.StatusNotFound:
		err = fmt.Errorf("%w: %s (no such subreddit, or banned?)", fetch.ErrStatus, resp.Status())
	case code >= 300 && code < 400:
		err = fmt.Errorf("%w: %s (Reddit redirects unknown subreddits to a search)", fetch.ErrStatus, resp.Status())
	default:
		err = fmt.Errorf("%w: %s", fetch.ErrStatus, resp.Status())
	}
	return s.api.Error(method, path, code, err)
}
