package notify

import (
	"context"
	"errors"

	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/earshothq/earshot/tracing"
)

// SpanDeliver is the span of one processing of a delivery task: an
// attempt (or its postponement), a child of the span that enqueued it.
const SpanDeliver = "earshot.deliver"

// Outcomes of a delivery attempt, as its span's earshot.outcome says.
const (
	OutcomeDelivered = "delivered"
	OutcomeRetrying  = "retrying"
	OutcomePostponed = "postponed"
	OutcomeFailed    = "failed"
	OutcomeDiscarded = "discarded"
)

// startSpan starts the attempt's span when tracing is on, as a child of
// the context its task carries: the attempts of one delivery, retries by
// any process included, are siblings under the Scan's creation.
func (a *attempt) startSpan(ctx context.Context) (context.Context, trace.Span) {
	t := a.h.tracer
	if !t.On() {
		return ctx, nil
	}
	ctx = t.Extract(ctx, a.p.Traceparent, a.p.Tracestate)
	ctx, span := t.Start(ctx, SpanDeliver, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("earshot.connection", a.name),
		attribute.String("earshot.delivery", a.p.Delivery),
		attribute.String("earshot.event_type", a.p.EventType),
		attribute.String("earshot.event", a.p.Event),
		attribute.Int("earshot.attempt", a.retried+1),
	))
	a.span = span
	return ctx, span
}

// sent notes what the receiver answered.
func (a *attempt) sent(out Outcome) {
	if a.span == nil || !a.span.IsRecording() {
		return
	}
	if out.StatusCode > 0 {
		a.span.SetAttributes(attribute.Int("http.response.status_code", out.StatusCode))
	}
	a.span.SetAttributes(attribute.Int64("earshot.latency_ms", out.Latency.Milliseconds()))
}

// endSpan ends the attempt's span with its outcome, as the handler's
// error tells it to asynq.
func (a *attempt) endSpan(span trace.Span, err error) {
	if span == nil {
		return
	}
	defer span.End()
	if !span.IsRecording() {
		return
	}
	if a.ce != nil {
		span.SetAttributes(attribute.String("earshot.channel", a.ce.conn.Type))
	}
	var p *PostponeError
	var r *RetryError
	outcome := OutcomeDelivered
	switch {
	case err == nil:
	case errors.As(err, &p):
		outcome = OutcomePostponed
		span.SetAttributes(attribute.String("earshot.postponed_reason", p.Reason))
		if p.Err != nil {
			// Redis failed it: not the receiver's failure, but worth seeing.
			tracing.Note(span, p.Err)
		}
	case errors.As(err, &r):
		outcome = OutcomeRetrying
		tracing.Fail(span, err)
	case errors.Is(err, asynq.RevokeTask):
		outcome = OutcomeDiscarded
	default:
		outcome = OutcomeFailed
		tracing.Fail(span, err)
	}
	span.SetAttributes(attribute.String("earshot.outcome", outcome))
}
