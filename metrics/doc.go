// Package metrics builds Earshot's Prometheus registry, served at
// GET /metrics.
//
// New returns a Metrics holding its own registry (never the global one, so
// tests and several servers in one process do not collide) with the Go and
// process collectors and one struct of collectors per stage. A stage takes
// its struct as a dependency (notify takes *Delivery); a nil struct means
// "not measured". To measure a new stage, add a struct here with a
// constructor that registers it, and a field on Metrics set by New.
//
// Names follow Prometheus conventions: earshot_<stage>_<what>_<unit>,
// counters end in _total, durations are in seconds. Connections are
// labelled by their resource name (namespaces/{ns}/connections/{id}); there
// are as many as the operator declares, so the cardinality stays small.
package metrics
