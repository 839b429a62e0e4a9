package reddit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/earshothq/earshot/sources"
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
		return page{}, &RequestError{Method: http.MethodGet, Path: path, StatusCode: http.StatusOK, Err: err}
	}
	return p, nil
}

// get makes one API call (two when a 401 says the cached token went stale)
// and returns the body of a 200.
func (s *Source) get(ctx context.Context, log *slog.Logger, path string, q url.Values) ([]byte, error) {
	for attempt := 1; ; attempt++ {
		if err := s.checkBlocked(ctx); err != nil {
			return nil, err
		}
		req := s.http.R().SetContext(ctx).SetQueryParamsFromValues(q)
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
			return nil, s.transportError(ctx, log, http.MethodGet, path, err)
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

// checkBlocked refuses to call Reddit while a block recorded by any process
// lasts.
func (s *Source) checkBlocked(ctx context.Context) error {
	until, err := s.rate.BlockedUntil(ctx, s.rateKey)
	if err != nil {
		return fmt.Errorf("reddit: reading rate-limit state: %w", err)
	}
	if until.After(s.now()) {
		return &sources.RateLimitError{Source: "reddit", Until: until}
	}
	return nil
}

func (s *Source) block(ctx context.Context, log *slog.Logger, until time.Time) {
	if err := s.rate.Block(ctx, s.rateKey, until); err != nil {
		log.Warn("recording rate-limit block failed", "error", err)
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
	wait, ok := seconds(h.Get("X-Ratelimit-Reset"))
	if !ok {
		wait = defaultBlock
	}
	until := s.now().Add(wait)
	log.Warn("rate limit nearly used up; holding back", "remaining", remaining, "until", until.UTC().Format(time.RFC3339))
	s.block(ctx, log, until)
}

// statusError turns a non-200 answer into an error: a *sources.RateLimitError
// for 429, a *RequestError otherwise.
func (s *Source) statusError(ctx context.Context, log *slog.Logger, method, path string, resp *resty.Response) error {
	code, h := resp.StatusCode(), resp.Header()
	now := s.now()
	wait, hasWait := retryAfter(h.Get("Retry-After"), now)
	if code == http.StatusTooManyRequests {
		if !hasWait {
			wait, hasWait = seconds(h.Get("X-Ratelimit-Reset"))
		}
		if !hasWait {
			wait = defaultBlock
		}
		until := now.Add(wait)
		log.Warn("rate limited", "method", method, "path", path, "until", until.UTC().Format(time.RFC3339))
		s.block(ctx, log, until)
		return &sources.RateLimitError{Source: "reddit", Until: until}
	}

	var err error
	switch {
	case code >= 500:
		err = fmt.Errorf("%w: %s", ErrServer, resp.Status())
		if hasWait { // 503 with Retry-After: everyone waits
			s.block(ctx, log, now.Add(wait))
		}
		log.Warn("server error", "method", method, "path", path, "status", code)
	case code == http.StatusUnauthorized:
		err = fmt.Errorf("%w: %s", ErrAuth, resp.Status())
	case code == http.StatusForbidden:
		err = fmt.Errorf("%w: %s (private, quarantined or banned subreddit?)", ErrStatus, resp.Status())
	case code == http.StatusNotFound:
		err = fmt.Errorf("%w: %s (no such subreddit, or banned?)", ErrStatus, resp.Status())
	case code >= 300 && code < 400:
		err = fmt.Errorf("%w: %s (Reddit redirects unknown subreddits to a search)", ErrStatus, resp.Status())
	default:
		err = fmt.Errorf("%w: %s", ErrStatus, resp.Status())
	}
	return &RequestError{Method: method, Path: path, StatusCode: code, Err: err}
}

// transportError reports a call that got no usable response. The URL
// (which carries the query) is left out; the path says which call it was.
func (s *Source) transportError(ctx context.Context, log *slog.Logger, method, path string, err error) error {
	if errors.Is(err, resty.ErrResponseBodyTooLarge) {
		err = fmt.Errorf("%w: over %d bytes", ErrTooLarge, s.maxBody)
		return &RequestError{Method: method, Path: path, StatusCode: http.StatusOK, Err: err}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() && ctx.Err() == nil {
			err = fmt.Errorf("no response within the %s request timeout: %w", s.timeout, ue.Err)
		} else {
			err = ue.Err
		}
	}
	if ctx.Err() == nil {
		log.Warn("request failed", "method", method, "path", path, "error", err)
	}
	return &RequestError{Method: method, Path: path, Err: err}
}

// retryAfter parses Retry-After: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if d, ok := seconds(v); ok {
		return d, true
	}
	if t, err := http.ParseTime(strings.TrimSpace(v)); err == nil && t.After(now) {
		return t.Sub(now), true
	}
	return 0, false
}

// seconds parses a positive number of seconds ("60", "59.0").
func seconds(v string) (time.Duration, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f <= 0 || f > 24*3600 {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

// restyLogger sends resty's own messages (e.g. its warning about basic auth
// over plain HTTP in tests) to slog at Debug. resty logs no bodies or
// headers unless its debug mode is on, which it never is here.
type restyLogger struct{ log *slog.Logger }

func (l restyLogger) Errorf(format string, v ...any) {
	l.log.Debug("resty: " + fmt.Sprintf(format, v...))
}
func (l restyLogger) Warnf(format string, v ...any) {
	l.log.Debug("resty: " + fmt.Sprintf(format, v...))
}
func (l restyLogger) Debugf(format string, v ...any) {
	l.log.Debug("resty: " + fmt.Sprintf(format, v...))
}
