package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/earshothq/earshot/internal/retryafter"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/tracing"
)

// SenderOptions configure a Sender.
type SenderOptions struct {
	Timeout             time.Duration // per attempt unless the Message says; default 10 s
	AllowPrivateTargets bool
	RequireHTTPS        bool
	UserAgent           string
	// MaxIdleConnsPerHost is how many kept-alive connections to one
	// receiver are reused (default 128: at least a process's delivery
	// concurrency, or a busy receiver gets a new TCP connection per
	// delivery).
	MaxIdleConnsPerHost int
	// Tracer, when tracing is on, sends the attempt's W3C traceparent
	// (and tracestate) with each request: a header, the signed body is
	// unchanged. Nil: no trace headers.
	Tracer *tracing.Tracer
}

// Sender makes one HTTP attempt of a delivery.
type Sender struct {
	client *http.Client
	opts   SenderOptions
}

// DefaultUserAgent is sent with every delivery.
const DefaultUserAgent = "Earshot-Webhooks/0.1"

// maxKeptBody is how much of a receiver's answer an attempt records.
const maxKeptBody = 1024

// NewSender returns a Sender.
func NewSender(opts SenderOptions) *Sender {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.MaxIdleConnsPerHost <= 0 {
		opts.MaxIdleConnsPerHost = 128
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivateTargets {
		dialer.Control = dialControl
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us and defeat the address check
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4 * opts.MaxIdleConnsPerHost,
		MaxIdleConnsPerHost:   opts.MaxIdleConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &Sender{
		opts: opts,
		client: &http.Client{
			Transport: tr,
			// A redirect is an answer, not an instruction: following it
			// could lead a signed payload somewhere the operator never
			// approved.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// Outcome is the result of one attempt.
type Outcome struct {
	StatusCode int
	Latency    time.Duration
	Body       string // first KiB of the answer
	Err        error  // nil on success
	// Retry says whether a later attempt may succeed.
	Retry bool
	// RetryAfter is the receiver's Retry-After, when it sent one.
	RetryAfter time.Duration
	// Disable, when not empty, says the target is gone for good (a Slack
	// channel archived, a Discord webhook deleted, a Telegram bot kicked
	// from its chat) and why: the connection is disabled, and its
	// deliveries are redriven when it is enabled again.
	Disable string
}

// OK reports a 2xx answer.
func (o Outcome) OK() bool { return o.Err == nil }

// ErrTimeout is the cause given to the attempt's context, so a timeout says
// which timeout fired.
var ErrTimeout = errors.New("notify: delivery timeout")

// ErrInsecureTarget is returned for a connection URL that is not https
// while delivery.require_https is on.
var ErrInsecureTarget = errors.New("notify: delivery.require_https is on and the connection URL is not https")

// Message is one signed request to send.
type Message struct {
	WebhookID string
	Body      []byte
	Secrets   []string // first is current; more while a rotated secret is honoured
	// Timeout bounds the attempt (default: the Sender's).
	Timeout time.Duration
}

// Send makes one attempt of msg to conn.
func (s *Sender) Send(ctx context.Context, conn *models.Connection, msg Message) Outcome {
	if s.opts.RequireHTTPS && !strings.HasPrefix(strings.ToLower(conn.URL), "https://") {
		return Outcome{Err: ErrInsecureTarget}
	}
	timeout := msg.Timeout
	if timeout <= 0 {
		timeout = s.opts.Timeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("%w of %s", ErrTimeout, timeout))
	defer cancel()

	method := conn.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, conn.URL, bytes.NewReader(msg.Body))
	if err != nil {
		return Outcome{Err: fmt.Errorf("notify: build request: %w", err)}
	}
	for k, v := range conn.Headers {
		req.Header.Set(k, v)
	}
	now := time.Now()
	sig, err := Sign(msg.WebhookID, now, msg.Body, msg.Secrets...)
	if err != nil {
		return Outcome{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.opts.UserAgent)
	req.Header.Set(HeaderID, msg.WebhookID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	s.opts.Tracer.InjectHeader(ctx, req.Header)

	start := time.Now()
	resp, err := s.client.Do(req)
	out := Outcome{Latency: time.Since(start)}
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && errors.Is(cause, ErrTimeout) {
			err = cause
		}
		// A refused private address will stay refused.
		out.Retry = !errors.Is(err, ErrPrivateTarget)
		out.Err = fmt.Errorf("notify: %s %s: %w", method, models.RedactURL(conn.URL), publicError(err))
		return out
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxKeptBody))
	// Drain a little more so the connection can be reused, but never read
	// an unbounded answer.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	out.Latency = time.Since(start)
	out.StatusCode = resp.StatusCode
	out.Body = string(head)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return out
	}
	out.Err = fmt.Errorf("notify: receiver answered %d", resp.StatusCode)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		out.Err = fmt.Errorf("notify: receiver answered %d (redirects are not followed; point the connection at the final URL)", resp.StatusCode)
	}
	out.Retry = Retryable(resp.StatusCode)
	out.RetryAfter, _ = retryafter.Parse(resp.Header.Get("Retry-After"), time.Now())
	return out
}

// Retryable classifies a status code once: 408, 429 and 5xx may succeed
// later; any other non-2xx is final.
func Retryable(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

// publicError returns a failed request's error as the connection's owner
// may see it (lastError, :test answers, logs): without the URL net/http
// repeats (its query and user name may be credentials), the address the
// host resolved to when the guard refused it, and the resolver's address
// in a failed lookup. It still wraps ErrPrivateTarget and ErrTimeout.
func publicError(err error) error {
	err = models.WithoutURL(err)
	if errors.Is(err, ErrPrivateTarget) {
		return ErrPrivateTarget
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		reason := "lookup failed"
		switch {
		case dnsErr.IsNotFound:
			reason = "no such host"
		case dnsErr.IsTimeout:
			reason = "lookup timed out"
		}
		return fmt.Errorf("cannot resolve %s: %s", dnsErr.Name, reason)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil && !errors.Is(err, ErrTimeout) {
		return fmt.Errorf("%s: %w", opErr.Op, opErr.Err)
	}
	return err
}

// GuardedClient returns an HTTP client that refuses, at dial time, the
// addresses webhooks may not go to (unless allowPrivate) and gives up after
// timeout: for fetching URLs that API users choose, such as a manager's
// site pages. Redirects are followed: each hop is dialled, and checked, anew.
func GuardedClient(allowPrivate bool, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		dialer.Control = dialControl
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{Proxy: nil, DialContext: dialer.DialContext, TLSHandshakeTimeout: 5 * time.Second},
	}
}
