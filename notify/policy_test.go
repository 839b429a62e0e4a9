package notify

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/earshothq/earshot/models"
)

func TestPolicy(t *testing.T) {
	cfg, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		conn models.Connection
		want Policy
	}{
		{"defaults", models.Connection{}, Policy{Schedule: DefaultRetrySchedule, Timeout: 10 * time.Second, RateLimit: 600, Concurrency: 10}},
		{"connection overrides", models.Connection{RetrySchedule: []models.Duration{models.Duration(time.Second)}, Timeout: models.Duration(3 * time.Second), RateLimit: 60, Concurrency: 2},
			Policy{Schedule: []time.Duration{time.Second}, Timeout: 3 * time.Second, RateLimit: 60, Concurrency: 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := cfg.PolicyFor(&tc.conn)
			if p.Timeout != tc.want.Timeout || p.RateLimit != tc.want.RateLimit || p.Concurrency != tc.want.Concurrency || len(p.Schedule) != len(tc.want.Schedule) {
				t.Fatalf("policy %+v, want %+v", p, tc.want)
			}
			for n := range len(p.Schedule) + 2 {
				base := p.Schedule[min(n, len(p.Schedule)-1)]
				for range 50 {
					d := p.RetryDelay(n)
					if d < base*9/10 || d > base*11/10 {
						t.Fatalf("retry %d: %s outside %s ±10 %%", n, d, base)
					}
				}
			}
		})
	}
	if _, err := (Config{Timeout: 2 * time.Minute}).withDefaults(); err == nil {
		t.Error("a 2 min delivery timeout is accepted")
	}
	if _, err := (Config{RetrySchedule: []time.Duration{0}}).withDefaults(); err == nil {
		t.Error("a zero retry delay is accepted")
	}
}

// TestPolicyOfKind: a kind's own rate limit (a platform's limit per
// target) applies to its connections that set none, unless
// delivery.rate_limit is lower; a connection's rateLimit wins.
func TestPolicyOfKind(t *testing.T) {
	limited := &ChannelKind{ConnectionType: "LIMITED_CONNECTION", RateLimit: 30}
	cases := []struct {
		name   string
		global int // delivery.rate_limit (0: the default)
		kind   *ChannelKind
		conn   int
		want   int
	}{
		{"no kind limit", 0, Webhook, 0, DefaultRateLimit},
		{"unknown kind", 0, nil, 0, DefaultRateLimit},
		{"the kind's limit", 0, limited, 0, 30},
		{"delivery.rate_limit lower", 12, limited, 0, 12},
		{"the connection's own", 0, limited, 120, 120},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Config{RateLimit: tc.global}.withDefaults()
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.PolicyOf(&models.Connection{RateLimit: tc.conn}, tc.kind).RateLimit; got != tc.want {
				t.Errorf("rate limit %d, want %d", got, tc.want)
			}
		})
	}
}

// TestRetryDelayNeverEarly: asynq stores a retry time truncated to the
// whole second, so a delay it is handed as is fires up to a second early
// (0.34 s for a 1 s delay). Every delay is rounded up instead: never
// early, at most a second late (the handler's own wake-up makes it exact).
func TestRetryDelayNeverEarly(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want time.Duration // at least
	}{
		{"Retry-After 1.5 s", &PostponeError{After: 1500 * time.Millisecond, NotEarly: true}, 1500 * time.Millisecond},
		{"schedule 1 s", &RetryError{Err: errors.New("x"), After: time.Second}, time.Second},
		{"schedule 300 ms", &RetryError{Err: errors.New("x"), After: 300 * time.Millisecond}, 300 * time.Millisecond},
		{"rate-limit turn 2.2 s", &PostponeError{Reason: "rate limit", After: 2200 * time.Millisecond}, 2200 * time.Millisecond},
		{"tiny delay", &RetryError{Err: errors.New("x"), After: 10 * time.Millisecond}, minDelay},
		{"lease expired", asynq.ErrLeaseExpired, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for range 20 {
				asked := time.Now()
				d := RetryDelay(0, tc.err, nil)
				// What asynq does with it.
				at := time.Now().Add(d).Truncate(time.Second)
				if at.Before(asked.Add(tc.want)) {
					t.Fatalf("delay %s would run at %s, before %s", d, at.Sub(asked), tc.want)
				}
				if late := at.Sub(asked) - tc.want; late > 1100*time.Millisecond {
					t.Fatalf("delay %s: %s late", d, late)
				}
			}
		})
	}
	if IsFailure(asynq.ErrLeaseExpired) {
		t.Error("a task whose process died used up a retry")
	}
	if !IsFailure(errors.New("500")) || IsFailure(&PostponeError{}) {
		t.Error("IsFailure misclassifies")
	}
}

// TestSenderKeepsFirstKiB: an attempt records the first KiB of the
// answer, drains a little more, and parses Retry-After in both forms.
func TestSenderKeepsFirstKiB(t *testing.T) {
	when := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/date" {
			w.Header().Set("Retry-After", when)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(strings.Repeat("x", 5000)))
	}))
	defer srv.Close()
	s := NewSender(SenderOptions{AllowPrivateTargets: true})
	out := s.Send(context.Background(), &models.Connection{URL: srv.URL}, Message{WebhookID: "msg_x", Body: []byte("{}"), Secrets: []string{models.NewSecret()}})
	if len(out.Body) != 1024 || out.StatusCode != 429 || !out.Retry || out.RetryAfter != 7*time.Second {
		t.Fatalf("outcome: body %d bytes, status %d, retry %v, retry-after %s", len(out.Body), out.StatusCode, out.Retry, out.RetryAfter)
	}
	out = s.Send(context.Background(), &models.Connection{URL: srv.URL + "/date"}, Message{WebhookID: "msg_x", Body: []byte("{}"), Secrets: []string{models.NewSecret()}})
	if out.RetryAfter < 80*time.Second || out.RetryAfter > 91*time.Second {
		t.Fatalf("HTTP-date Retry-After → %s", out.RetryAfter)
	}
}
