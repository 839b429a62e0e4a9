package notify_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/metrics"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
)

// TestDeliveryOutcomes drives one delivery against a scripted receiver and
// checks what the receiver got and what the record says.
func TestDeliveryOutcomes(t *testing.T) {
	cases := []struct {
		name     string
		cfg      notify.Config
		script   []reply
		want     string // final state
		attempts int    // attempts recorded
		requests int    // requests the receiver got
		check    func(t *testing.T, d *models.Delivery, got []gotRequest)
	}{
		{
			name:     "500, 500, 200 is delivered after three attempts with one webhook-id",
			cfg:      notify.Config{RetrySchedule: durations(100*time.Millisecond, 100*time.Millisecond, 100*time.Millisecond)},
			script:   []reply{{status: 500}, {status: 500}, {status: 200}},
			want:     models.DeliveryDelivered,
			attempts: 3, requests: 3,
			check: func(t *testing.T, d *models.Delivery, got []gotRequest) {
				for i, code := range []int{500, 500, 200} {
					if d.Attempts[i].StatusCode != code {
						t.Errorf("attempt %d: status %d, want %d", i+1, d.Attempts[i].StatusCode, code)
					}
				}
				if d.Attempts[0].Error == "" || d.Attempts[2].Error != "" {
					t.Errorf("attempt errors = %q, %q", d.Attempts[0].Error, d.Attempts[2].Error)
				}
			},
		},
		{
			name:     "400 is final after one attempt",
			cfg:      notify.Config{RetrySchedule: durations(100 * time.Millisecond)},
			script:   []reply{{status: 400}},
			want:     models.DeliveryFailed,
			attempts: 1, requests: 1,
		},
		{
			name:     "a redirect is not followed and is final",
			cfg:      notify.Config{RetrySchedule: durations(100 * time.Millisecond)},
			script:   []reply{{status: 302, header: map[string]string{"Location": "http://169.254.169.254/latest/meta-data/"}}},
			want:     models.DeliveryFailed,
			attempts: 1, requests: 1,
			check: func(t *testing.T, d *models.Delivery, _ []gotRequest) {
				if !strings.Contains(d.LastError, "redirects are not followed") {
					t.Errorf("last error = %q", d.LastError)
				}
			},
		},
		{
			name:     "a hung receiver times out and is retried",
			cfg:      notify.Config{Timeout: 300 * time.Millisecond, RetrySchedule: durations(100 * time.Millisecond)},
			script:   []reply{{status: 200, delay: 3 * time.Second}, {status: 200}},
			want:     models.DeliveryDelivered,
			attempts: 2, requests: 2,
			check: func(t *testing.T, d *models.Delivery, _ []gotRequest) {
				if !strings.Contains(d.Attempts[0].Error, "delivery timeout of 300ms") {
					t.Errorf("first attempt error = %q, want the timeout named", d.Attempts[0].Error)
				}
			},
		},
		{
			name:     "a dropped connection is retried",
			cfg:      notify.Config{RetrySchedule: durations(100 * time.Millisecond)},
			script:   []reply{{down: true}, {status: 204}},
			want:     models.DeliveryDelivered,
			attempts: 2, requests: 2,
		},
		{
			// With no retries at all, a 429 that used up an attempt would fail.
			name:     "429 with Retry-After is honoured without using up an attempt",
			cfg:      notify.Config{RetrySchedule: []time.Duration{}},
			script:   []reply{{status: 429, header: map[string]string{"Retry-After": "1"}}, {status: 200}},
			want:     models.DeliveryDelivered,
			attempts: 2, requests: 2,
			check: func(t *testing.T, d *models.Delivery, got []gotRequest) {
				if gap := got[1].time.Sub(got[0].time); gap < 950*time.Millisecond {
					t.Errorf("retried after %s, want at least the 1 s Retry-After", gap)
				}
			},
		},
		{
			name:     "503 with Retry-After is honoured without using up an attempt",
			cfg:      notify.Config{RetrySchedule: []time.Duration{}},
			script:   []reply{{status: 503, header: map[string]string{"Retry-After": "1"}}, {status: 503, header: map[string]string{"Retry-After": "1"}}, {status: 200}},
			want:     models.DeliveryDelivered,
			attempts: 3, requests: 3,
		},
		{
			name:     "Retry-After is capped by max_retry_after",
			cfg:      notify.Config{RetrySchedule: []time.Duration{}, MaxRetryAfter: 300 * time.Millisecond},
			script:   []reply{{status: 429, header: map[string]string{"Retry-After": "3600"}}, {status: 200}},
			want:     models.DeliveryDelivered,
			attempts: 2, requests: 2,
		},
		{
			name:     "429 without Retry-After uses the schedule",
			cfg:      notify.Config{RetrySchedule: []time.Duration{}},
			script:   []reply{{status: 429}},
			want:     models.DeliveryFailed,
			attempts: 1, requests: 1,
		},
	}
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					h := newHarness(t, b.URL(t), tc.cfg)
					rcv := newReceiver(t, tc.script...)
					conn := h.connection("crm", rcv.URL)
					id := h.deliver(conn)
					h.waitState(conn, id, tc.want, 10*time.Second)
					time.Sleep(300 * time.Millisecond) // nothing more arrives
					got := rcv.requests()
					if len(got) != tc.requests {
						t.Fatalf("receiver got %d requests, want %d", len(got), tc.requests)
					}
					d := h.waitState(conn, id, tc.want, time.Second)
					if d.AttemptCount != tc.attempts || len(d.Attempts) != tc.attempts {
						t.Fatalf("%d attempts recorded (%d kept), want %d", d.AttemptCount, len(d.Attempts), tc.attempts)
					}
					for i, g := range got {
						if g.header.Get("webhook-id") != id {
							t.Errorf("request %d: webhook-id %q, want %q", i+1, g.header.Get("webhook-id"), id)
						}
					}
					if d.WebhookID != id || d.Name != models.DeliveryName(ns, "crm", id) {
						t.Errorf("record names %q, %q", d.WebhookID, d.Name)
					}
					if tc.want == models.DeliveryFailed && d.LastError == "" {
						t.Error("a dead letter without its last error")
					}
					if tc.check != nil {
						tc.check(t, d, got)
					}
					outcome := map[string]string{models.DeliveryDelivered: "delivered", models.DeliveryFailed: "failed"}[tc.want]
					if v := counterValue(h.metrics.Delivery.Deliveries.WithLabelValues(conn, outcome)); v != 1 {
						t.Errorf("earshot_deliveries_total{outcome=%q} = %v, want 1", outcome, v)
					}
				})
			}
		})
	}
}

// TestGoneDisablesConnection: a 410 disables the connection; what comes
// next is held back, and enabling the connection again delivers it all
// under the same webhook-ids.
func TestGoneDisablesConnection(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			h := newHarness(t, b.URL(t), notify.Config{RetrySchedule: durations(100 * time.Millisecond)})
			rcv := newReceiver(t, reply{status: 410})
			conn := h.connection("crm", rcv.URL)

			first := h.deliver(conn)
			d := h.waitState(conn, first, models.DeliveryFailed, 10*time.Second)
			if d.AttemptCount != 1 {
				t.Errorf("410: %d attempts, want 1", d.AttemptCount)
			}
			c := h.connectionNow("crm")
			if !c.Disabled || !strings.Contains(c.DisabledReason, "410") || c.DisableTime == nil {
				t.Fatalf("after a 410: disabled=%v reason=%q time=%v", c.Disabled, c.DisabledReason, c.DisableTime)
			}

			second := h.deliver(conn)
			d = h.waitState(conn, second, models.DeliveryFailed, 10*time.Second)
			if d.AttemptCount != 0 || !strings.Contains(d.LastError, "disabled") {
				t.Errorf("delivery to a disabled connection: %d attempts, last error %q", d.AttemptCount, d.LastError)
			}
			if n := len(rcv.requests()); n != 1 {
				t.Fatalf("receiver got %d requests while disabled, want only the 410", n)
			}

			h.setDisabled("crm", false)
			h.waitState(conn, first, models.DeliveryDelivered, 10*time.Second)
			d = h.waitState(conn, second, models.DeliveryDelivered, 10*time.Second)
			if d.RedriveCount != 1 {
				t.Errorf("redrive count %d, want 1", d.RedriveCount)
			}
			if len(rcv.requestsFor(first)) != 2 || len(rcv.requestsFor(second)) != 1 {
				t.Errorf("requests: %d for the first, %d for the second; want 2 and 1", len(rcv.requestsFor(first)), len(rcv.requestsFor(second)))
			}
			if c := h.connectionNow("crm"); c.Disabled || c.DisableTime != nil || c.DisabledReason != "" {
				t.Errorf("enabled connection still says disabled: %+v", c)
			}
		})
	}
}

// TestReceiverDownThenRedrive: a receiver down for the whole schedule
// leaves a dead letter; once it is back, a redrive delivers it with the
// same webhook-id.
func TestReceiverDownThenRedrive(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			h := newHarness(t, b.URL(t), notify.Config{RetrySchedule: durations(100*time.Millisecond, 200*time.Millisecond)})
			rcv := newReceiver(t)
			rcv.setAlways(&reply{down: true})
			conn := h.connection("crm", rcv.URL)
			ids := []string{h.deliver(conn), h.deliver(conn)}
			for _, id := range ids {
				d := h.waitState(conn, id, models.DeliveryFailed, 10*time.Second)
				if d.AttemptCount != 3 {
					t.Errorf("%s: %d attempts, want 3 (1 + 2 retries)", id, d.AttemptCount)
				}
				if !strings.Contains(d.LastError, "retries exhausted") {
					t.Errorf("%s: last error %q", id, d.LastError)
				}
			}
			ctx := context.Background()
			page, _, err := h.svc.ListDeliveries(ctx, ns, "crm", storeQuery(models.DeliveryFailed))
			if err != nil || len(page) != 2 {
				t.Fatalf("dead letters listed: %d, %v; want 2", len(page), err)
			}

			rcv.setAlways(nil)
			n, err := h.svc.Redrive(ctx, ns, "crm", time.Time{})
			if err != nil || n != 2 {
				t.Fatalf("redrive: %d, %v; want 2", n, err)
			}
			for _, id := range ids {
				d := h.waitState(conn, id, models.DeliveryDelivered, 10*time.Second)
				if d.AttemptCount != 4 || d.RedriveCount != 1 {
					t.Errorf("%s: %d attempts, %d redrives; want 4 and 1", id, d.AttemptCount, d.RedriveCount)
				}
				got := rcv.requestsFor(id)
				if len(got) != 4 || got[3].status != 200 {
					t.Errorf("%s: receiver got %d requests with this webhook-id, want 4 ending in a 200", id, len(got))
				}
			}
			// Nothing left to redrive.
			if n, err := h.svc.Redrive(ctx, ns, "crm", time.Time{}); err != nil || n != 0 {
				t.Errorf("second redrive: %d, %v; want 0", n, err)
			}
		})
	}
}

// TestRetryOne: a dead letter retried alone is delivered; a delivered one
// is sent again with the same webhook-id.
func TestRetryOne(t *testing.T) {
	h := newHarness(t, testredis.Embedded(t), notify.Config{RetrySchedule: []time.Duration{}})
	rcv := newReceiver(t, reply{status: 500})
	conn := h.connection("crm", rcv.URL)
	id := h.deliver(conn)
	h.waitState(conn, id, models.DeliveryFailed, 10*time.Second)
	ctx := context.Background()
	if _, err := h.svc.Retry(ctx, ns, "crm", id); err != nil {
		t.Fatal(err)
	}
	h.waitState(conn, id, models.DeliveryDelivered, 10*time.Second)
	if _, err := h.svc.Retry(ctx, ns, "crm", id); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(fakes.MinWait)
	for len(rcv.requestsFor(id)) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(rcv.requestsFor(id)); n != 3 {
		t.Fatalf("receiver got %d requests for %s, want 3", n, id)
	}
	d := h.waitState(conn, id, models.DeliveryDelivered, 5*time.Second)
	if d.RedriveCount != 2 || d.AttemptCount != 3 {
		t.Errorf("redrives %d, attempts %d; want 2, 3", d.RedriveCount, d.AttemptCount)
	}
}

// TestFailingConnectionIsDisabled: a connection failing without a success
// for disable_after is disabled; its deliveries are kept and delivered once
// it is enabled again.
func TestFailingConnectionIsDisabled(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			schedule := make([]time.Duration, 20)
			for i := range schedule {
				schedule[i] = 150 * time.Millisecond
			}
			h := newHarness(t, b.URL(t), notify.Config{RetrySchedule: schedule, DisableAfter: 700 * time.Millisecond})
			rcv := newReceiver(t)
			rcv.setAlways(&reply{status: 502})
			conn := h.connection("crm", rcv.URL)
			ids := []string{h.deliver(conn), h.deliver(conn)}
			deadline := time.Now().Add(fakes.MinWait)
			for !h.connectionNow("crm").Disabled && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			c := h.connectionNow("crm")
			if !c.Disabled || !strings.Contains(c.DisabledReason, "failed since") {
				t.Fatalf("connection failing for longer than disable_after: disabled=%v reason=%q", c.Disabled, c.DisabledReason)
			}
			for _, id := range ids {
				h.waitState(conn, id, models.DeliveryFailed, 10*time.Second)
			}
			later := h.deliver(conn)
			h.waitState(conn, later, models.DeliveryFailed, 10*time.Second)

			rcv.setAlways(nil)
			h.setDisabled("crm", false)
			for _, id := range append(ids, later) {
				h.waitState(conn, id, models.DeliveryDelivered, 10*time.Second)
			}
		})
	}
}

// TestLimitsPostponeNeverFail: over a connection's rate or concurrency
// limit a delivery waits; it never fails, and never uses up an attempt.
func TestLimitsPostponeNeverFail(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*models.Connection)
		reply reply
		n     int
		check func(t *testing.T, rcv *receiver, got []gotRequest)
	}{
		{
			name:  "concurrency",
			edit:  func(c *models.Connection) { c.Concurrency = 2 },
			reply: reply{status: 200, delay: 150 * time.Millisecond},
			n:     10,
			check: func(t *testing.T, rcv *receiver, _ []gotRequest) {
				if m := rcv.maxIn.Load(); m > 2 {
					t.Errorf("%d deliveries in flight at once, want at most 2", m)
				}
			},
		},
		{
			// 600 a minute: a burst of ten, then one every 100 ms. Before,
			// refused attempts stayed counted and starved the backlog.
			name:  "rate",
			edit:  func(c *models.Connection) { c.RateLimit = 600 },
			reply: reply{status: 200},
			n:     40,
			check: func(t *testing.T, _ *receiver, got []gotRequest) {
				times := make([]time.Time, len(got))
				for i, g := range got {
					times[i] = g.time
				}
				slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
				// Never faster than the limit: by t after the first, at most
				// the burst and one per 100 ms, and five more: a receipt is
				// later than its grant by however long the machine takes to
				// send it, the first one too.
				for k, at := range times {
					if allowed := 15 + int(at.Sub(times[0])/(100*time.Millisecond)); k+1 > allowed {
						t.Fatalf("%d deliveries %s after the first, want at most %d", k+1, at.Sub(times[0]), allowed)
					}
				}
			},
		},
	}
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					// No retries: a postponement that used up an attempt would fail.
					h := newHarness(t, b.URL(t), notify.Config{RetrySchedule: []time.Duration{}})
					rcv := newReceiver(t)
					rcv.setAlways(&tc.reply)
					conn := h.connection("crm", rcv.URL, tc.edit)
					var ids []string
					for range tc.n {
						ids = append(ids, h.deliver(conn))
					}
					for _, id := range ids {
						// Generous: a busy machine is slow, not wrong.
						d := h.waitState(conn, id, models.DeliveryDelivered, time.Minute)
						if d.AttemptCount != 1 {
							t.Errorf("%s: %d attempts, want 1", id, d.AttemptCount)
						}
					}
					got := rcv.requests()
					if len(got) != tc.n {
						t.Errorf("receiver got %d, want %d", len(got), tc.n)
					}
					tc.check(t, rcv, got)
					if v := counterValue(h.metrics.Delivery.Postponed.WithLabelValues(conn, map[string]string{"rate": "rate_limit", "concurrency": "concurrency"}[tc.name])); v == 0 {
						t.Error("no postponement counted")
					}
				})
			}
		})
	}
}

// TestEnqueueIsIdempotent: handing the same event on twice makes one
// delivery.
func TestEnqueueIsIdempotent(t *testing.T) {
	h := newHarness(t, testredis.Embedded(t), notify.Config{})
	rcv := newReceiver(t)
	conn := h.connection("crm", rcv.URL)
	scan := h.scan()
	ctx := context.Background()
	for range 3 {
		if err := h.svc.Enqueuer().Enqueue(ctx, models.EventScan, scan, conn); err != nil {
			t.Fatal(err)
		}
	}
	id := notify.WebhookID(scan, conn)
	h.waitState(conn, id, models.DeliveryDelivered, 10*time.Second)
	if err := h.svc.Enqueuer().Enqueue(ctx, models.EventScan, scan, conn); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(rcv.requests()); n != 1 {
		t.Fatalf("receiver got %d requests, want 1", n)
	}
}

// TestOtherEventTypes: a SPIKE stored with EnqueueEvent is delivered in the
// same envelope.
func TestOtherEventTypes(t *testing.T) {
	h := newHarness(t, testredis.Embedded(t), notify.Config{})
	rcv := newReceiver(t)
	conn := h.connection("crm", rcv.URL)
	spike := &models.Spike{ID: "1700000000", Name: models.SpikeName(ns, "crisis", "1700000000"), Count: 42, Baseline: 3, TopPosts: []models.Post{}}
	ev := models.Event{Type: models.EventSpike, Name: spike.Name, Spike: spike}
	if err := h.svc.Enqueuer().EnqueueEvent(context.Background(), ev, conn); err != nil {
		t.Fatal(err)
	}
	id := notify.WebhookID(spike.Name, conn)
	d := h.waitState(conn, id, models.DeliveryDelivered, 10*time.Second)
	if d.EventType != models.EventSpike {
		t.Errorf("event type %q", d.EventType)
	}
	got := rcv.requestsFor(id)
	if len(got) != 1 || !strings.Contains(string(got[0].body), `"type":"SPIKE"`) || !strings.Contains(string(got[0].body), `"count":42`) {
		t.Fatalf("spike body: %s", got[0].body)
	}
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

// TestMetricsExposed: after deliveries, the registry serves the delivery
// metrics, the dead letters held and the queue depth.
func TestMetricsExposed(t *testing.T) {
	h := newHarness(t, testredis.Embedded(t), notify.Config{RetrySchedule: []time.Duration{}})
	rcv := newReceiver(t, reply{status: 200}, reply{status: 400})
	conn := h.connection("crm", rcv.URL)
	h.waitState(conn, h.deliver(conn), models.DeliveryDelivered, 10*time.Second)
	h.waitState(conn, h.deliver(conn), models.DeliveryFailed, 10*time.Second)
	h.metrics.Registry.MustRegister(h.svc.Collector(),
		metrics.NewQueueCollector(asynq.NewInspectorFromRedisClient(h.rdb), notify.QueueDeliveries))
	srv := httptest.NewServer(h.metrics.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`earshot_deliveries_total{connection="namespaces/acme/connections/crm",outcome="delivered"} 1`,
		`earshot_deliveries_total{connection="namespaces/acme/connections/crm",outcome="failed"} 1`,
		`earshot_delivery_attempts_total{connection="namespaces/acme/connections/crm",result="4xx"} 1`,
		`earshot_delivery_attempt_duration_seconds_count{connection="namespaces/acme/connections/crm"} 2`,
		`earshot_delivery_dead_letters_total{connection="namespaces/acme/connections/crm"} 1`,
		`earshot_delivery_dead_letters{connection="namespaces/acme/connections/crm"} 1`,
		`earshot_queue_tasks{queue="deliveries",state="archived"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
