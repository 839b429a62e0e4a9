package notify_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/tracing"
)

func withTracer(t *tracing.Tracer) harnessOption {
	return func(s *harnessSetup) { s.tracer = t }
}

func spanAttr(s sdktrace.ReadOnlySpan, key string) attribute.Value {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

func parseTraceparent(t *testing.T, tp string) trace.SpanContext {
	t.Helper()
	sc := trace.SpanContextFromContext(tracing.NewTracer(sdktrace.NewTracerProvider()).Extract(context.Background(), tp, ""))
	if !sc.IsValid() {
		t.Fatalf("traceparent %q is not a valid W3C trace context", tp)
	}
	return sc
}

// TestDeliveryAttemptSpans: each attempt of a delivery, its retry
// included, is a span under the one that enqueued it, and its request
// carries that attempt's traceparent; the signed body is the same as with
// tracing off.
func TestDeliveryAttemptSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tracer := tracing.NewTracer(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	h := newHarness(t, testredis.Embedded(t), notify.Config{RetrySchedule: durations(time.Second)}, withTracer(tracer))
	rcv := newReceiver(t, reply{status: http.StatusInternalServerError})
	conn := h.connection("crm", rcv.URL)

	ctx, parent := tracer.Start(context.Background(), "earshot.scan")
	name := h.scan()
	if err := h.svc.Enqueuer().Enqueue(ctx, models.EventScan, name, conn); err != nil {
		t.Fatal(err)
	}
	parent.End()
	id := notify.WebhookID(name, conn)
	h.waitState(conn, id, models.DeliveryDelivered, 10*time.Second)

	var attempts []sdktrace.ReadOnlySpan
	for deadline := time.Now().Add(fakes.MinWait); len(attempts) < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		attempts = attempts[:0]
		for _, s := range rec.Ended() {
			if s.Name() == notify.SpanDeliver {
				attempts = append(attempts, s)
			}
		}
	}
	if len(attempts) != 2 {
		t.Fatalf("%d attempt spans, want 2", len(attempts))
	}
	reqs := rcv.requestsFor(id)
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	wantStatus := []int64{500, 200}
	wantOutcome := []string{notify.OutcomeRetrying, notify.OutcomeDelivered}
	for i, s := range attempts {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
			t.Errorf("attempt %d is not a child of the span that enqueued it", i+1)
		}
		if s.SpanKind() != trace.SpanKindClient {
			t.Errorf("attempt %d: kind %v, want client", i+1, s.SpanKind())
		}
		for key, want := range map[string]any{
			"earshot.attempt": int64(i + 1), "http.response.status_code": wantStatus[i], "earshot.outcome": wantOutcome[i],
			"earshot.connection": conn, "earshot.channel": models.ConnectionTypeHTTP, "earshot.delivery": id,
		} {
			if got := spanAttr(s, key).AsInterface(); got != want {
				t.Errorf("attempt %d: %s = %v, want %v", i+1, key, got, want)
			}
		}
		wantCode := map[int]codes.Code{0: codes.Error, 1: codes.Unset}[i]
		if s.Status().Code != wantCode {
			t.Errorf("attempt %d: status %v, want %v", i+1, s.Status(), wantCode)
		}
		// The request of this attempt names this attempt's span.
		sc := parseTraceparent(t, reqs[i].header.Get("traceparent"))
		if sc.TraceID() != parent.SpanContext().TraceID() || sc.SpanID() != s.SpanContext().SpanID() || !sc.IsSampled() {
			t.Errorf("request %d: traceparent %q, want trace %s span %s", i+1, reqs[i].header.Get("traceparent"), parent.SpanContext().TraceID(), s.SpanContext().SpanID())
		}
	}
	if bytes.Contains(reqs[0].body, []byte("trace")) {
		t.Errorf("the body carries the trace context: %s", reqs[0].body)
	}
	if !bytes.Equal(reqs[0].body, reqs[1].body) {
		t.Error("the retry's body differs")
	}
}

// TestNoTraceparentWithTracingOff: with tracing off no request carries a
// traceparent, even when the enqueuer's context has a span.
func TestNoTraceparentWithTracingOff(t *testing.T) {
	h := newHarness(t, testredis.Embedded(t), notify.Config{})
	rcv := newReceiver(t)
	conn := h.connection("crm", rcv.URL)
	ctx, span := tracing.NewTracer(sdktrace.NewTracerProvider()).Start(context.Background(), "caller")
	defer span.End()
	name := h.scan()
	if err := h.svc.Enqueuer().Enqueue(ctx, models.EventScan, name, conn); err != nil {
		t.Fatal(err)
	}
	id := notify.WebhookID(name, conn)
	h.waitState(conn, id, models.DeliveryDelivered, 10*time.Second)
	for _, r := range rcv.requestsFor(id) {
		if v := r.header.Get("traceparent"); v != "" {
			t.Errorf("traceparent %q sent with tracing off", v)
		}
		if v := r.header.Get("tracestate"); v != "" {
			t.Errorf("tracestate %q sent with tracing off", v)
		}
	}
}
