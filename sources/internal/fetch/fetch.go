// Package fetch is what the platform adapters of sources/ share to call an
// API politely: the options every Source is built with and New, which
// builds a platform's Client from them; one HTTP client configuration
// (size cap, no redirects, no cookies), the errors every adapter reports, a
// shared rate-limit block read before each call and written when a platform
// says to wait, and the parsing of the headers that say how long.
package fetch

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
	"unicode"

	"github.com/go-resty/resty/v2"

	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/sources"
)

// Sentinel errors, always wrapped in a *RequestError naming the call that
// failed, so errors.Is tells the kind and the message tells the endpoint:
//
//	twitter: GET /2/tweets/search/recent: malformed response: unexpected end of JSON input
var (
	// ErrMalformed: the body is not JSON, or not in the endpoint's shape.
	ErrMalformed = errors.New("malformed response")
	// ErrTooLarge: the body exceeds the response size cap.
	ErrTooLarge = errors.New("response too large")
	// ErrAuth: the platform refused the credentials.
	ErrAuth = errors.New("authentication failed")
	// ErrServer: the platform answered 5xx; worth retrying later.
	ErrServer = errors.New("server error")
	// ErrPrivateTarget: a URL a user gave points at a loopback, private,
	// link-local or metadata address.
	ErrPrivateTarget = errors.New("address is not public")
	// ErrStatus: any other unexpected answer; retrying will not help until
	// the manager, the credentials or the platform change.
	ErrStatus = errors.New("unexpected status")
)

// RequestError is a failed call to a platform. Path is the URL path only:
// it never holds a query string, a credential or a token.
type RequestError struct {
	Source string
	Method string
	Path   string
	// StatusCode is the HTTP status, 0 when no response was read.
	StatusCode int
	Err        error
}

func (e *RequestError) Error() string {
	return e.Source + ": " + e.Method + " " + e.Path + ": " + e.Err.Error()
}

func (e *RequestError) Unwrap() error { return e.Err }

// Client calls one platform's API for every manager of its source type.
type Client struct {
	// Source names the platform in errors and logs ("twitter").
	Source string
	HTTP   *resty.Client
	// Rate holds the "do not call before" time under RateKey, shared by
	// every process using the same credentials.
	Rate    sources.RateState
	RateKey string
	Now     func() time.Time
	Timeout time.Duration
	MaxBody int
}

// NewHTTP returns the resty client an adapter calls its API with. It
// follows no redirects (an API that redirects is misconfigured, and a
// redirect must never carry a credential to another host), keeps no cookies,
// caps response bodies at maxBody bytes and sends resty's own messages to
// log at Debug, with every one of secrets replaced by <secret>.
func NewHTTP(timeout time.Duration, maxBody int, userAgent string, log *slog.Logger, secrets ...string) *resty.Client {
	return configure(resty.NewWithClient(&http.Client{}), timeout, maxBody, userAgent, log, secrets)
}

// NewGuardedHTTP is NewHTTP for calls to URLs that users give (a feed, a
// Mastodon instance): the connection is refused, at dial time, to
// loopback, private, link-local and metadata addresses unless
// allowPrivate (`sources.allow_private_targets`), through the same guard
// as webhook deliveries.
func NewGuardedHTTP(allowPrivate bool, timeout time.Duration, maxBody int, userAgent string, log *slog.Logger, secrets ...string) *resty.Client {
	return configure(resty.NewWithClient(notify.GuardedClient(allowPrivate, timeout)), timeout, maxBody, userAgent, log, secrets)
}

func configure(c *resty.Client, timeout time.Duration, maxBody int, userAgent string, log *slog.Logger, secrets []string) *resty.Client {
	return c.
		SetTimeout(timeout).
		SetHeader("User-Agent", userAgent).
		SetHeader("Accept", "application/json").
		SetResponseBodyLimit(maxBody).
		SetLogger(restyLogger{log, Redactor(secrets...)}).
		SetRedirectPolicy(resty.RedirectPolicyFunc(func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}))
}

// CheckBlocked refuses to call the platform while a block recorded by any
// process lasts.
func (c *Client) CheckBlocked(ctx context.Context) error {
	until, err := c.Rate.BlockedUntil(ctx, c.RateKey)
	if err != nil {
		return fmt.Errorf("%s: reading rate-limit state: %w", c.Source, err)
	}
	if until.After(c.Now()) {
		return &sources.RateLimitError{Source: c.Source, Until: until}
	}
	return nil
}

// Block makes every process wait until until before calling again. A
// failure to record it is logged, not returned: the call it follows has
// already been answered.
func (c *Client) Block(ctx context.Context, log *slog.Logger, until time.Time) {
	if err := c.Rate.Block(ctx, c.RateKey, until); err != nil {
		log.Warn(c.Source+": recording rate-limit block failed", "error", err)
	}
}

// RateLimited blocks every process until until and returns the error a
// poll ends with.
func (c *Client) RateLimited(ctx context.Context, log *slog.Logger, path string, until time.Time) error {
	log.Warn(c.Source+": rate limited", "path", path, "until", until.UTC().Format(time.RFC3339))
	c.Block(ctx, log, until)
	return &sources.RateLimitError{Source: c.Source, Until: until}
}

// TransportError reports a call that got no usable response. The URL,
// which carries the query and perhaps a token, is left out; the path says
// which call it was.
func (c *Client) TransportError(ctx context.Context, log *slog.Logger, method, path string, err error) error {
	if errors.Is(err, notify.ErrPrivateTarget) {
		return &RequestError{Source: c.Source, Method: method, Path: path, Err: fmt.Errorf("%w (sources.allow_private_targets is off)", ErrPrivateTarget)}
	}
	if errors.Is(err, resty.ErrResponseBodyTooLarge) {
		err = fmt.Errorf("%w: over %d bytes", ErrTooLarge, c.MaxBody)
		return &RequestError{Source: c.Source, Method: method, Path: path, StatusCode: http.StatusOK, Err: err}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() && ctx.Err() == nil {
			err = fmt.Errorf("no response within the %s request timeout: %w", c.Timeout, ue.Err)
		} else {
			err = ue.Err
		}
	}
	if ctx.Err() == nil {
		log.Warn(c.Source+": request failed", "method", method, "path", path, "error", err)
	}
	return &RequestError{Source: c.Source, Method: method, Path: path, Err: err}
}

// Error wraps err as the failure of a call that was answered with code.
func (c *Client) Error(method, path string, code int, err error) error {
	return &RequestError{Source: c.Source, Method: method, Path: path, StatusCode: code, Err: err}
}

// EpochSeconds parses a reset time given as Unix seconds ("1718280600"),
// accepting only one in the next day: a clock far off, or a value in
// another unit, must not hold a source back for longer.
func EpochSeconds(v string, now time.Time) (time.Time, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	t := time.Unix(n, 0)
	if !t.After(now) || t.Sub(now) > 24*time.Hour {
		return time.Time{}, false
	}
	return t, true
}

// Printable returns s fit for an error message: control characters
// replaced, cut to max runes. Platforms' error messages are shown to
// operators, but they come from the network.
func Printable(s string, max int) string {
	r := []rune(strings.TrimSpace(s))
	cut := len(r) > max
	if cut {
		r = r[:max]
	}
	for i, c := range r {
		if !unicode.IsPrint(c) {
			r[i] = ' '
		}
	}
	if cut {
		return string(r) + "…"
	}
	return string(r)
}

// Redactor returns a function that replaces every non-empty secret in a
// string with <secret>, and the query of every URL-looking word with
// <redacted>: a token may travel in a query string.
func Redactor(secrets ...string) func(string) string {
	var pairs []string
	for _, s := range secrets {
		if s != "" {
			pairs = append(pairs, s, "<secret>")
		}
	}
	r := strings.NewReplacer(pairs...)
	return func(s string) string {
		if len(pairs) > 0 {
			s = r.Replace(s)
		}
		return redactQueries(s)
	}
}

// redactQueries cuts the query off every http(s) URL in s.
func redactQueries(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "http")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := strings.IndexAny(s[i:], " \t\n\"'")
		if end < 0 {
			end = len(s) - i
		}
		word := s[i : i+end]
		if q := strings.IndexByte(word, '?'); q >= 0 && (strings.HasPrefix(word, "http://") || strings.HasPrefix(word, "https://")) {
			word = word[:q] + "?<redacted>"
		}
		b.WriteString(s[:i])
		b.WriteString(word)
		s = s[i+end:]
	}
}

// restyLogger sends resty's own messages to slog at Debug. resty logs no
// bodies or headers unless its debug mode is on, which it never is here,
// but its error messages may hold a request URL.
type restyLogger struct {
	log    *slog.Logger
	redact func(string) string
}

func (l restyLogger) Errorf(format string, v ...any) { l.print(format, v) }
func (l restyLogger) Warnf(format string, v ...any)  { l.print(format, v) }
func (l restyLogger) Debugf(format string, v ...any) { l.print(format, v) }

func (l restyLogger) print(format string, v []any) {
	l.log.Debug("resty: " + l.redact(fmt.Sprintf(format, v...)))
}

// NextLink returns the rel="next" URL of an RFC 8288 Link header (as
// Mastodon and GitHub page with), "" when there is none.
func NextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			segs := strings.Split(part, ";")
			target := strings.TrimSpace(segs[0])
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for _, p := range segs[1:] {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "rel") && slicesContainsFold(strings.Fields(strings.Trim(val, `"`)), "next") {
					return target[1 : len(target)-1]
				}
			}
		}
	}
	return ""
}

func slicesContainsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// SameOrigin reports whether next (a paging link a platform sent) is on
// the scheme and host of base: a link elsewhere must never be followed
// with a credential.
func SameOrigin(base, next string) bool {
	b, err1 := url.Parse(base)
	n, err2 := url.Parse(next)
	return err1 == nil && err2 == nil && strings.EqualFold(b.Scheme, n.Scheme) && strings.EqualFold(b.Host, n.Host)
}
