// Package server wires Earshot together for `earshot serve`: Redis (or an
// embedded one), the store, the asynq workers for polls and deliveries, the
// scheduler, and the HTTP API.
package server
