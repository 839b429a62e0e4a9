// Package sources defines the Source interface that every platform adapter
// implements, and what they share: cursors, rate-limit state kept across
// processes, and the errors a poll can end with. Each platform is a
// subpackage (sources/reddit, …).
package sources
