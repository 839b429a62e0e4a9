package tracing

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func TestNilTracerIsOff(t *testing.T) {
	var tr *Tracer
	ctx, span := tr.Start(context.Background(), "x")
	if tr.On() || span.IsRecording() || span.SpanContext().IsValid() {
		t.Error("a nil Tracer made a span")
	}
	if tp, ts := tr.Inject(ctx); tp != "" || ts != "" {
		t.Errorf("a nil Tracer injected %q %q", tp, ts)
	}
	h := http.Header{}
	tr.InjectHeader(ctx, h)
	if len(h) != 0 {
		t.Errorf("a nil Tracer set headers %v", h)
	}
	if got := tr.Extract(ctx, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", ""); got != ctx {
		t.Error("a nil Tracer extracted a context")
	}
	span.End()
}

func TestInjectExtract(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tr := NewTracer(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	ctx, parent := tr.Start(context.Background(), "parent")
	ts, err := trace.ParseTraceState("vendor=abc")
	if err != nil {
		t.Fatal(err)
	}
	ctx = trace.ContextWithSpanContext(ctx, parent.SpanContext().WithTraceState(ts))
	tp, state := tr.Inject(ctx)
	if !strings.HasPrefix(tp, "00-"+parent.SpanContext().TraceID().String()+"-"+parent.SpanContext().SpanID().String()) || state != "vendor=abc" {
		t.Fatalf("inject = %q %q", tp, state)
	}
	// In another process, later: the child continues the trace.
	_, child := tr.Start(tr.Extract(context.Background(), tp, state), "child")
	child.End()
	parent.End()
	got := rec.Ended()[0]
	if got.Name() != "child" || got.Parent().SpanID() != parent.SpanContext().SpanID() || !got.Parent().IsRemote() || got.SpanContext().TraceState().Get("vendor") != "abc" {
		t.Errorf("child span: parent %v, tracestate %v", got.Parent(), got.SpanContext().TraceState())
	}
	if c := tr.Extract(context.Background(), "garbage", ""); trace.SpanContextFromContext(c).IsValid() {
		t.Error("a malformed traceparent gave a span context")
	}
}

func TestSampler(t *testing.T) {
	half, zero := 0.5, 0.0
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{}, "ParentBased{root:TraceIDRatioBased{1}"},
		{Config{SampleRatio: &half}, "ParentBased{root:TraceIDRatioBased{0.5}"},
		{Config{SampleRatio: &zero, Sampler: "always_on"}, "AlwaysOnSampler"},
		{Config{Sampler: "parentbased_always_off"}, "ParentBased{root:AlwaysOffSampler"},
		{Config{SampleRatio: &half, Sampler: "traceidratio"}, "TraceIDRatioBased{0.5}"},
	}
	for _, tt := range tests {
		if got := tt.cfg.sampler().Description(); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%+v: sampler %s, want %s", tt.cfg, got, tt.want)
		}
	}
}

func TestNewIsNilWhenOff(t *testing.T) {
	for _, c := range []Config{{}, {OTLPEndpoint: "http://c:4318", Disabled: true}} {
		p, err := New(context.Background(), c, Options{})
		if p != nil || err != nil || p.Tracer() != nil || p.ForceFlush(context.Background()) != nil || p.Shutdown(context.Background()) != nil {
			t.Errorf("%+v: New = %v, %v; want nil, nil", c, p, err)
		}
	}
}

// TestCredentialsNeverLogged: the endpoint's user info and query, and the
// headers, appear in no log line, the start's nor an export failure's.
func TestCredentialsNeverLogged(t *testing.T) {
	const secret = "hunter2-secret"
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	c := Config{OTLPEndpoint: "http://user:" + secret + "@127.0.0.1:1/otlp?key=" + secret, Headers: map[string]string{"Authorization": "Bearer " + secret}}
	p, err := New(context.Background(), c, Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	if !strings.Contains(buf.String(), "traces on") || !strings.Contains(buf.String(), "127.0.0.1:1") {
		t.Errorf("no start line naming the collector: %s", buf.String())
	}
	el := &errorLog{log: log}
	el.Handle(errors.New(`traces export: Post "http://user:` + secret + `@127.0.0.1:1/otlp/v1/traces?key=` + secret + `": connection refused`))
	el.Handle(errors.New("second, within a minute: not logged"))
	if strings.Contains(buf.String(), secret) {
		t.Errorf("log prints a secret:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "connection refused") || strings.Contains(buf.String(), "second, within") {
		t.Errorf("want the first export failure logged, the next one counted:\n%s", buf.String())
	}
}
