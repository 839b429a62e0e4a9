// Package notify delivers events (Scans, crisis spikes, connection tests)
// to HTTP connections, as dependably as Svix or Stripe do.
//
// The Enqueuer makes one asynq task per (event, connection), with a
// deterministic TaskID and a delivery record, so handing an event on twice
// delivers it once. The Handler makes one attempt per task — the Sender
// signs it (Standard Webhooks) and sends it through a dialer that refuses
// private targets — classifies the outcome once, records it, and steers
// asynq with the error it returns: a RetryError after the connection's
// schedule, a PostponeError (which uses up no attempt) for a receiver's
// Retry-After or a connection over its rate or concurrency limit, SkipRetry
// for a dead letter. Service adds what the API offers on the records (list,
// retry, redrive), connection tests and secret rotation, and the watcher
// that redrives a connection's held-back deliveries when it is enabled
// again.
package notify
