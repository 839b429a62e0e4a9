package tracing

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/earshothq/earshot/models"
)

// instrumentation names Earshot's tracer.
const instrumentation = "github.com/earshothq/earshot"

// Tracer starts Earshot's spans and carries their context across
// processes (a delivery task's payload, a webhook's traceparent). A nil
// *Tracer is tracing off: Start returns a span that records nothing and
// Inject writes nothing, at the cost of a nil check.
type Tracer struct {
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
}

// NewTracer returns a Tracer of tp (tests pass an SDK provider with a
// span recorder).
func NewTracer(tp trace.TracerProvider) *Tracer {
	return &Tracer{tracer: tp.Tracer(instrumentation), prop: propagation.TraceContext{}}
}

// On reports whether tracing is on.
func (t *Tracer) On() bool { return t != nil }

var noopSpan trace.Span = noop.Span{}

// Start starts a span (a child of ctx's span, if any).
func (t *Tracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	if t == nil {
		return ctx, noopSpan
	}
	return t.tracer.Start(ctx, name, opts...)
}

// Inject returns the W3C trace context of ctx's span: its traceparent and
// tracestate ("" when ctx has no span or tracing is off).
func (t *Tracer) Inject(ctx context.Context) (traceparent, tracestate string) {
	if t == nil {
		return "", ""
	}
	c := propagation.MapCarrier{}
	t.prop.Inject(ctx, c)
	return c["traceparent"], c["tracestate"]
}

// Extract returns ctx with the remote span context of a traceparent and
// tracestate (Inject's), for the spans started from it to be its children.
// A malformed or empty traceparent leaves ctx as it is.
func (t *Tracer) Extract(ctx context.Context, traceparent, tracestate string) context.Context {
	if t == nil || traceparent == "" {
		return ctx
	}
	c := propagation.MapCarrier{"traceparent": traceparent}
	if tracestate != "" {
		c["tracestate"] = tracestate
	}
	return t.prop.Extract(ctx, c)
}

// InjectHeader sets the traceparent (and tracestate) headers of ctx's span
// on an outgoing request.
func (t *Tracer) InjectHeader(ctx context.Context, h http.Header) {
	if t == nil {
		return
	}
	t.prop.Inject(ctx, propagation.HeaderCarrier(h))
}

// Fail records err on span and marks the span failed.
func Fail(span trace.Span, err error) {
	if err == nil || !span.IsRecording() {
		return
	}
	msg := models.RedactURLs(err.Error())
	span.RecordError(redactedError(msg))
	span.SetStatus(codes.Error, msg)
}

// Note records err on span, without marking it failed.
func Note(span trace.Span, err error) {
	if err == nil || !span.IsRecording() {
		return
	}
	span.RecordError(redactedError(models.RedactURLs(err.Error())))
}

type redactedError string

func (e redactedError) Error() string { return string(e) }

// Provider is the SDK behind a Tracer: the sampler, the batching span
// processor and the OTLP/HTTP exporter. A nil *Provider is tracing off.
type Provider struct {
	tp     *sdktrace.TracerProvider
	tracer *Tracer
}

// Options are what New is built with beyond the configuration.
type Options struct {
	Logger  *slog.Logger
	Version string // service.version
	// BatchTimeout is how long spans wait to be exported together
	// (default 5 s; tests lower it).
	BatchTimeout time.Duration
}

// New returns the Provider of c, or nil when tracing is off. Export
// failures are logged (at most once a minute) without the endpoint's
// credentials or the headers.
func New(ctx context.Context, c Config, opts Options) (*Provider, error) {
	if !c.Enabled() {
		return nil, nil
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	exp, err := otlptracehttp.New(ctx,
		otlptracehttp.WithEndpointURL(c.TracesURL()),
		otlptracehttp.WithHeaders(c.Headers),
	)
	if err != nil {
		return nil, fmt.Errorf("tracing: exporter for %s: %s", models.RedactURL(c.TracesURL()), models.RedactURLs(err.Error()))
	}
	name := c.ServiceName
	if name == "" {
		name = DefaultServiceName
	}
	attrs := []attribute.KeyValue{semconv.ServiceName(name)}
	if opts.Version != "" {
		attrs = append(attrs, semconv.ServiceVersion(opts.Version))
	}
	// OTEL_RESOURCE_ATTRIBUTES (deployment.environment, k8s.pod.name, …)
	// first, so that service.name is always ours.
	res, err := resource.New(ctx, resource.WithTelemetrySDK(), resource.WithFromEnv(), resource.WithAttributes(attrs...))
	if err != nil {
		opts.Logger.Warn("traces: some resource attributes were not read", "error", err)
	}
	if res == nil {
		res = resource.NewSchemaless(attrs...)
	}
	var batch []sdktrace.BatchSpanProcessorOption
	if opts.BatchTimeout > 0 {
		batch = append(batch, sdktrace.WithBatchTimeout(opts.BatchTimeout))
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(c.sampler()),
		sdktrace.WithResource(res),
		sdktrace.WithBatcher(exp, batch...),
	)
	// The SDK reports export failures through otel's one global handler,
	// and its own diagnostics through its one global logger: both go to
	// ours instead of the standard library's log.
	tlog := opts.Logger.With("component", "tracing")
	otel.SetErrorHandler(&errorLog{log: tlog})
	otel.SetLogger(logr.FromSlogHandler(tlog.Handler()))
	opts.Logger.Info("traces on", "endpoint", models.RedactURL(c.TracesURL()), "sampler", c.samplerName(), "service", name)
	return &Provider{tp: tp, tracer: NewTracer(tp)}, nil
}

// Tracer returns the provider's Tracer (nil when p is: tracing off).
func (p *Provider) Tracer() *Tracer {
	if p == nil {
		return nil
	}
	return p.tracer
}

// ForceFlush exports every span ended so far.
func (p *Provider) ForceFlush(ctx context.Context) error {
	if p == nil {
		return nil
	}
	return p.tp.ForceFlush(ctx)
}

// Shutdown exports what is left and stops the exporter.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p == nil {
		return nil
	}
	return p.tp.Shutdown(ctx)
}

func (c Config) sampler() sdktrace.Sampler {
	r := sdktrace.TraceIDRatioBased(c.Ratio())
	switch c.Sampler {
	case "always_on":
		return sdktrace.AlwaysSample()
	case "always_off":
		return sdktrace.NeverSample()
	case "traceidratio":
		return r
	case "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample())
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample())
	}
	return sdktrace.ParentBased(r)
}

func (c Config) samplerName() string {
	if c.Sampler != "" {
		return c.Sampler
	}
	return fmt.Sprintf("parentbased_traceidratio(%g)", c.Ratio())
}

// errorLog logs the SDK's errors, redacted, at most once a minute.
type errorLog struct {
	log  *slog.Logger
	mu   sync.Mutex
	last time.Time
	// dropped counts the errors not logged since the last one.
	dropped int
}

func (e *errorLog) Handle(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if now := time.Now(); now.Sub(e.last) >= time.Minute {
		e.log.Warn("traces: export failed", "error", models.RedactURLs(err.Error()), "errors_since_last", e.dropped)
		e.last, e.dropped = now, 0
		return
	}
	e.dropped++
}
