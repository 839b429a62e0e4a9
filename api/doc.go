// Package api is Earshot's REST API: the Advite-style resources
// (namespaces, connections, managers, scans) under /v1, with API keys,
// Google-style errors (AIP-193), standard methods, field masks, etags and
// pagination, and the OpenAPI 3.1 document that describes it.
//
// Handlers write through the store's optimistic transactions, so a request
// either takes effect whole or not at all, and every write bumps the
// version the schedulers of every process watch: a change made here is
// live everywhere at the next tick.
package api
