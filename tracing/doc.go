// Package tracing is Earshot's optional OpenTelemetry tracing: the
// `tracing:` section of the configuration (and the standard OTEL_*
// variables), an OTLP/HTTP exporter, and the Tracer the pipeline and the
// notifier start their spans with. Off by default: a nil *Tracer starts no
// span, and nothing is exported or propagated.
package tracing
