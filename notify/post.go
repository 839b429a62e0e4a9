package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/earshothq/earshot/models"
	"strings"
	"time"

	"github.com/earshothq/earshot/internal/retryafter"
)

// Request is one HTTP request a channel makes with a body of its own (a
// Slack message, a Telegram sendMessage call): unsigned, through the same
// SSRF guard, timeout and connection pool as the webhooks.
type Request struct {
	Method string // default POST
	URL    string
	// ContentType defaults to application/json.
	ContentType string
	Header      http.Header
	Body        []byte
	// Timeout bounds the attempt (default: the Sender's).
	Timeout time.Duration
	// Redact, when set, is applied to every error text the attempt
	// returns, so a credential in the URL's path (a Telegram bot token, a
	// Slack webhook's key) is never recorded nor logged.
	Redact func(string) string
}

// Reply is a platform's answer to a Request.
type Reply struct {
	StatusCode int
	Header     http.Header
	// Body is the first KiB of the answer (error answers are short JSON).
	Body    []byte
	Latency time.Duration
}

// Do makes one attempt of req. The error is a network failure, a timeout
// (ErrTimeout), a refused address (ErrPrivateTarget) or an insecure target
// (ErrInsecureTarget); it names the target's scheme and host only, as the
// paths of chat webhooks are their credentials. Any HTTP answer, whatever
// its status, is a Reply, for the channel to classify.
func (s *Sender) Do(ctx context.Context, req Request) (Reply, error) {
	target := hostOnly(req.URL)
	fail := func(err error) error { return Redacted(err, req.Redact) }
	if s.opts.RequireHTTPS && !strings.HasPrefix(strings.ToLower(req.URL), "https://") {
		return Reply{}, ErrInsecureTarget
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = s.opts.Timeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("%w of %s", ErrTimeout, timeout))
	defer cancel()
	method := req.Method
	if method == "" {
		method = http.MethodPost
	}
	hr, err := http.NewRequestWithContext(ctx, method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return Reply{}, fail(fmt.Errorf("notify: build request to %s: %w", target, models.WithoutURL(err)))
	}
	for k, vs := range req.Header {
		hr.Header[k] = vs
	}
	ct := req.ContentType
	if ct == "" {
		ct = "application/json"
	}
	hr.Header.Set("Content-Type", ct)
	hr.Header.Set("User-Agent", s.opts.UserAgent)

	start := time.Now()
	resp, err := s.client.Do(hr)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && errors.Is(cause, ErrTimeout) {
			err = cause
		}
		return Reply{Latency: time.Since(start)}, fail(fmt.Errorf("notify: %s %s: %w", method, target, publicError(err)))
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxKeptBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return Reply{StatusCode: resp.StatusCode, Header: resp.Header, Body: head, Latency: time.Since(start)}, nil
}

// Redacted returns err with redact applied to its text (err itself when
// redact is nil); it unwraps to err.
func Redacted(err error, redact func(string) string) error {
	if err == nil || redact == nil {
		return err
	}
	return &redactedError{msg: redact(err.Error()), err: err}
}

// redactedError is an error whose text has had credentials taken out; it
// still unwraps to the cause, so errors.Is(err, ErrTimeout) holds.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// PublicError is a failed attempt's error as the connection's owner may
// see it (see publicError), for channels that dial themselves (SMTP).
func PublicError(err error) error { return publicError(err) }

// hostOnly is scheme://host of a URL, for error messages.
func hostOnly(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "<invalid URL>"
	}
	return u.Scheme + "://" + u.Host
}

// Failed returns the Outcome of an attempt that got no answer: retried
// unless the address is refused, which stays refused.
func Failed(rep Reply, err error) Outcome {
	return Outcome{Latency: rep.Latency, Err: err,
		Retry: !errors.Is(err, ErrPrivateTarget) && !errors.Is(err, ErrInsecureTarget)}
}

// Answered returns the Outcome of an HTTP answer, classified as for a
// webhook (2xx succeeds; 408, 429 and 5xx are retried; Retry-After is
// honoured): channels start from it and add their platform's own meaning
// of an answer. what names the platform in the error ("slack").
func Answered(what string, rep Reply) Outcome {
	out := Outcome{StatusCode: rep.StatusCode, Latency: rep.Latency, Body: string(rep.Body)}
	if rep.StatusCode >= 200 && rep.StatusCode < 300 {
		return out
	}
	out.Err = fmt.Errorf("notify: %s answered %d", what, rep.StatusCode)
	out.Retry = Retryable(rep.StatusCode)
	out.RetryAfter, _ = retryafter.Parse(rep.Header.Get("Retry-After"), time.Now())
	return out
}
