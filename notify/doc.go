// Package notify delivers events (Scans, spikes, connection tests) to HTTP
// connections: one asynq task per (event, connection) with a deterministic
// TaskID, Standard Webhooks signatures, a retry schedule steered by the
// error each attempt ends with, delivery records with every attempt, and a
// dialer that refuses private network targets.
package notify
