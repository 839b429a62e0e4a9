// Package store keeps Earshot's state in Redis: namespaces, connections and
// managers (the API's resources), API key hashes, Scans, source cursors,
// delivery records, and the small locks and rate-limit marks that let any
// number of processes share one Redis. Nothing lives only in memory.
package store
