package pipeline

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/tracing"
)

// The spans of the pipeline (when tracing is on): a read (a poll of a
// source, a batch of a stream, an ingested batch) is the root of its
// trace; its index pass and each matched post's Scan are its children,
// and each Scan's deliveries are the Scan's (see notify.SpanDeliver).
const (
	SpanPoll        = "earshot.poll"
	SpanStreamBatch = "earshot.stream.batch"
	SpanIngest      = "earshot.ingest"
	SpanMatch       = "earshot.match"
	SpanScan        = "earshot.scan"
)

// startRead starts the span of one read.
func (p *Poller) startRead(ctx context.Context, name string, r *Read) (context.Context, trace.Span) {
	if !p.Tracer.On() {
		return p.Tracer.Start(ctx, name)
	}
	attrs := []attribute.KeyValue{
		attribute.String("earshot.read", r.ID),
		attribute.String("earshot.source", r.Type),
		attribute.Bool("earshot.shared", r.Shared),
		attribute.Int("earshot.managers", len(r.Managers)),
	}
	if len(r.Managers) == 1 {
		attrs = append(attrs, attribute.String("earshot.manager", r.Managers[0].Name))
	}
	return p.Tracer.Start(ctx, name, trace.WithAttributes(attrs...))
}

// endRead ends a read's span with what the read did.
func endRead(span trace.Span, st Stats, err error) {
	if span.IsRecording() {
		span.SetAttributes(
			attribute.Int("earshot.posts_read", st.Fetched),
			attribute.Int("earshot.matched", st.Matched),
			attribute.Int("earshot.scans_created", st.New),
			attribute.Int("earshot.duplicates", st.Duplicates),
		)
		var rl *sources.RateLimitError
		if errors.As(err, &rl) {
			// Waiting out a platform's rate limit is not a failure.
			span.SetAttributes(attribute.Bool("earshot.rate_limited", true))
			tracing.Note(span, err)
		} else {
			tracing.Fail(span, err)
		}
	}
	span.End()
}

// startScan starts the span of a matched post's hand-on.
func (p *Poller) startScan(ctx context.Context, manager, scan, post string) (context.Context, trace.Span) {
	if !p.Tracer.On() {
		return p.Tracer.Start(ctx, SpanScan)
	}
	return p.Tracer.Start(ctx, SpanScan, trace.WithAttributes(
		attribute.String("earshot.manager", manager),
		attribute.String("earshot.scan", scan),
		attribute.String("earshot.post", post),
	))
}

var handOutcomes = map[handOutcome]string{handNew: "created", handSeen: "seen", handDuplicate: "listed", handDropped: "dropped"}

// endScan ends a hand-on's span.
func endScan(span trace.Span, out handOutcome, deliveries int, err error) {
	if span.IsRecording() {
		span.SetAttributes(attribute.String("earshot.outcome", handOutcomes[out]), attribute.Int("earshot.deliveries", deliveries))
		tracing.Fail(span, err)
	}
	span.End()
}
