package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/pipeline"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/tracing"
)

// traced gives a Poller and its Enqueuer a Tracer recording every span.
func traced(t *testing.T, e env) *tracetest.SpanRecorder {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tracer := tracing.NewTracer(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	client := asynq.NewClientFromRedisClient(e.st.Redis())
	t.Cleanup(func() { client.Close() })
	svc, err := notify.New(notify.Options{Store: e.st, Client: client, Tracer: tracer})
	if err != nil {
		t.Fatal(err)
	}
	e.poller.Enqueuer = svc.Enqueuer()
	e.poller.Tracer = tracer
	return rec
}

func named(spans []sdktrace.ReadOnlySpan, name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

func attr(s sdktrace.ReadOnlySpan, key string) attribute.Value {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

// TestPollSpans: a poll is the root of its trace, its index pass and each
// Scan are its children, and each delivery task carries the trace context
// of the Scan that enqueued it.
func TestPollSpans(t *testing.T) {
	posts := []models.Post{post("t3_a", "Looking for a social listening tool"), post("t3_b", "Unrelated"),
		post("t3_c", "Any social listening tool under $50?")}
	e := setup(t, sources.Func(func(ctx context.Context, m *models.Manager, cur json.RawMessage) (sources.Result, error) {
		return sources.Result{Posts: posts}, nil
	}))
	rec := traced(t, e)
	if _, err := e.poller.Poll(context.Background(), "acme", "leads"); err != nil {
		t.Fatal(err)
	}
	spans := rec.Ended()
	polls := named(spans, pipeline.SpanPoll)
	if len(polls) != 1 {
		t.Fatalf("%d poll spans, want 1 (spans: %v)", len(polls), spans)
	}
	poll := polls[0]
	if poll.Parent().IsValid() {
		t.Error("the poll span has a parent; it should be the root of its trace")
	}
	for key, want := range map[string]int64{"earshot.posts_read": 3, "earshot.matched": 2, "earshot.scans_created": 2} {
		if got := attr(poll, key).AsInt64(); got != want {
			t.Errorf("poll %s = %d, want %d", key, got, want)
		}
	}
	if got := attr(poll, "earshot.source").AsString(); got != "REDDIT" {
		t.Errorf("poll earshot.source = %q", got)
	}
	if got := attr(poll, "earshot.manager").AsString(); got != "namespaces/acme/managers/leads" {
		t.Errorf("poll earshot.manager = %q", got)
	}
	match := named(spans, pipeline.SpanMatch)
	if len(match) != 1 || match[0].Parent().SpanID() != poll.SpanContext().SpanID() || attr(match[0], "earshot.posts").AsInt64() != 3 {
		t.Errorf("match spans %v: want one child of the poll over 3 posts", match)
	}
	scans := named(spans, pipeline.SpanScan)
	if len(scans) != 2 {
		t.Fatalf("%d scan spans, want 2", len(scans))
	}
	scanSpans := map[trace.SpanID]bool{}
	for _, s := range scans {
		if s.Parent().SpanID() != poll.SpanContext().SpanID() || s.SpanContext().TraceID() != poll.SpanContext().TraceID() {
			t.Errorf("scan span %s is not a child of the poll", attr(s, "earshot.scan").AsString())
		}
		if attr(s, "earshot.outcome").AsString() != "created" || attr(s, "earshot.deliveries").AsInt64() != 1 {
			t.Errorf("scan span attributes %v", s.Attributes())
		}
		scanSpans[s.SpanContext().SpanID()] = true
	}

	tasks, err := asynq.NewInspectorFromRedisClient(e.st.Redis()).ListPendingTasks(notify.QueueDeliveries)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 2 {
		t.Fatalf("%d delivery tasks, want 2", len(tasks))
	}
	for _, task := range tasks {
		var p notify.DeliverPayload
		if err := json.Unmarshal(task.Payload, &p); err != nil {
			t.Fatal(err)
		}
		sc := remote(t, p.Traceparent)
		if sc.TraceID() != poll.SpanContext().TraceID() || !scanSpans[sc.SpanID()] {
			t.Errorf("task of %s carries traceparent %q: want the poll's trace and its Scan's span", p.Event, p.Traceparent)
		}
	}

	// Read again: the Scans exist; their spans say so.
	rec2 := traced(t, e)
	if _, err := e.poller.Poll(context.Background(), "acme", "leads"); err != nil {
		t.Fatal(err)
	}
	for _, s := range named(rec2.Ended(), pipeline.SpanScan) {
		if attr(s, "earshot.outcome").AsString() != "seen" {
			t.Errorf("second read: scan outcome %q, want seen", attr(s, "earshot.outcome").AsString())
		}
	}
}

// remote parses a traceparent as a receiver would.
func remote(t *testing.T, traceparent string) trace.SpanContext {
	t.Helper()
	ctx := tracing.NewTracer(sdktrace.NewTracerProvider()).Extract(context.Background(), traceparent, "")
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		t.Fatalf("traceparent %q is not a valid W3C trace context", traceparent)
	}
	return sc
}

// TestFailedPollSpan: a source that fails marks its poll's span failed,
// with the error and without the credentials of a URL in it.
func TestFailedPollSpan(t *testing.T) {
	const token = "s3cret-api-token"
	e := setup(t, sources.Func(func(ctx context.Context, m *models.Manager, cur json.RawMessage) (sources.Result, error) {
		return sources.Result{}, errors.New("reddit: GET https://oauth.reddit.com/r/x/new?access_token=" + token + ": 503")
	}))
	rec := traced(t, e)
	if _, err := e.poller.Poll(context.Background(), "acme", "leads"); err == nil {
		t.Fatal("poll of a failing source succeeded")
	}
	polls := named(rec.Ended(), pipeline.SpanPoll)
	if len(polls) != 1 {
		t.Fatalf("%d poll spans, want 1", len(polls))
	}
	s := polls[0]
	if s.Status().Code != codes.Error || !strings.Contains(s.Status().Description, "503") {
		t.Errorf("status %+v, want an error naming the 503", s.Status())
	}
	if len(s.Events()) == 0 || s.Events()[0].Name != "exception" {
		t.Errorf("events %v, want the error recorded", s.Events())
	}
	for _, ev := range s.Events() {
		for _, kv := range ev.Attributes {
			if strings.Contains(kv.Value.Emit(), token) {
				t.Errorf("span event prints the token: %s", kv.Value.Emit())
			}
		}
	}
	if strings.Contains(s.Status().Description, token) {
		t.Errorf("span status prints the token: %s", s.Status().Description)
	}
}

// TestPollWithoutTracerCarriesNoTraceContext: tracing off, the delivery
// tasks carry no trace context.
func TestPollWithoutTracerCarriesNoTraceContext(t *testing.T) {
	e := setup(t, sources.Func(func(ctx context.Context, m *models.Manager, cur json.RawMessage) (sources.Result, error) {
		return sources.Result{Posts: []models.Post{post("t3_a", "Looking for a social listening tool")}}, nil
	}))
	// A span in the caller's context must not leak into the task either.
	ctx, span := tracing.NewTracer(sdktrace.NewTracerProvider()).Start(context.Background(), "caller")
	defer span.End()
	if _, err := e.poller.Poll(ctx, "acme", "leads"); err != nil {
		t.Fatal(err)
	}
	tasks, err := asynq.NewInspectorFromRedisClient(e.st.Redis()).ListPendingTasks(notify.QueueDeliveries)
	if err != nil || len(tasks) != 1 {
		t.Fatalf("tasks %d, %v", len(tasks), err)
	}
	if strings.Contains(string(tasks[0].Payload), "traceparent") {
		t.Errorf("payload %s carries a trace context with tracing off", tasks[0].Payload)
	}
}

// batchStream is a streamed source handing on one batch, then waiting.
type batchStream struct{ posts []models.Post }

func (s batchStream) Poll(context.Context, *models.Manager, json.RawMessage) (sources.Result, error) {
	return sources.Result{}, errors.New("streamed, not polled")
}
func (s batchStream) StreamKey(*models.Manager) string { return "all" }
func (s batchStream) Stream(ctx context.Context, m *models.Manager, cur json.RawMessage, hand func(context.Context, sources.Result) error) error {
	if err := hand(ctx, sources.Result{Posts: s.posts, Cursor: json.RawMessage(`"1"`)}); err != nil {
		return err
	}
	<-ctx.Done()
	return ctx.Err()
}

// TestStreamBatchSpan: a stream's batch is one span, the root of the
// Scans of its posts.
func TestStreamBatchSpan(t *testing.T) {
	src := batchStream{posts: []models.Post{post("s1", "earshot is neat"), post("s2", "nothing"), post("s3", "earshot again")}}
	e := newStreamEnv(t, sources.Registry{"FAKESTREAM": src})
	rec := tracetest.NewSpanRecorder()
	tracer := tracing.NewTracer(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	e.poller.Tracer = tracer
	e.put(t, "fire", models.Source{Type: "FAKESTREAM"}, "earshot")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.poller.RunStreams(ctx, 50*time.Millisecond) }()
	defer func() { cancel(); <-done }()

	var batch sdktrace.ReadOnlySpan
	for deadline := time.Now().Add(fakes.MinWait); batch == nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b := named(rec.Ended(), pipeline.SpanStreamBatch); len(b) > 0 {
			batch = b[0]
		}
	}
	if batch == nil {
		t.Fatal("no stream batch span")
	}
	if attr(batch, "earshot.posts_read").AsInt64() != 3 || attr(batch, "earshot.matched").AsInt64() != 2 || attr(batch, "earshot.source").AsString() != "FAKESTREAM" {
		t.Errorf("batch span attributes %v", batch.Attributes())
	}
	scans := 0
	for _, s := range named(rec.Ended(), pipeline.SpanScan) {
		if s.Parent().SpanID() == batch.SpanContext().SpanID() {
			scans++
		}
	}
	if scans != 2 {
		t.Errorf("%d scan spans under the batch, want 2", scans)
	}
}

// TestRateLimitedPollSpan: waiting out a platform's rate limit is noted on
// the poll's span, not marked a failure.
func TestRateLimitedPollSpan(t *testing.T) {
	e := setup(t, sources.Func(func(ctx context.Context, m *models.Manager, cur json.RawMessage) (sources.Result, error) {
		return sources.Result{}, &sources.RateLimitError{Source: "reddit", Until: time.Now().Add(time.Minute)}
	}))
	rec := traced(t, e)
	_, _ = e.poller.Poll(context.Background(), "acme", "leads")
	polls := named(rec.Ended(), pipeline.SpanPoll)
	if len(polls) != 1 {
		t.Fatalf("%d poll spans, want 1", len(polls))
	}
	if s := polls[0]; s.Status().Code == codes.Error || !attr(s, "earshot.rate_limited").AsBool() || len(s.Events()) == 0 {
		t.Errorf("status %v, attributes %v, events %v: want the rate limit noted, not an error", s.Status(), s.Attributes(), s.Events())
	}
}
