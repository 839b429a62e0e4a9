package notify

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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

func TestRetryDelayHonoursRetryAfterToTheSecond(t *testing.T) {
	for range 20 {
		asked := time.Now()
		d := RetryDelay(0, &PostponeError{After: 1500 * time.Millisecond, NotEarly: true}, nil)
		// asynq then stores time.Now()+d truncated to the second: it must
		// not be earlier than the Retry-After.
		if at := time.Now().Add(d).Truncate(time.Second); at.Before(asked.Add(1500 * time.Millisecond)) {
			t.Fatalf("delay %s would retry at %s, before the Retry-After", d, at)
		}
		if d > 2600*time.Millisecond {
			t.Fatalf("delay %s: more than a second late", d)
		}
	}
	if d := RetryDelay(0, &RetryError{Err: errors.New("x"), After: 10 * time.Millisecond}, nil); d != minDelay {
		t.Errorf("tiny delay → %s, want %s", d, minDelay)
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
