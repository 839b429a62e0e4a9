// Package bluesky reads Bluesky's public posts from Jetstream, the JSON
// firehose of the network's commits, over one WebSocket per deployment
// (wantedCollections=app.bsky.feed.post). Every BLUESKY manager shares that
// one stream; the matcher picks each manager's posts. The cursor is
// Jetstream's time_us, stored only once what was read is handed on, and a
// reconnect resumes a few seconds before it, dropping what it had seen.
package bluesky
