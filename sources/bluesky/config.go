package bluesky

import "time"

// Config is the `sources.bluesky` section of the configuration file.
type Config struct {
	// JetstreamURL is the subscribe endpoint of a Jetstream instance.
	JetstreamURL string `yaml:"jetstream_url"`
}

// Defaults.
const (
	DefaultJetstreamURL = "wss://jetstream2.us-east.bsky.network/subscribe"
	// rewind is how far before the stored cursor a reconnect asks
	// Jetstream to replay: events are not strictly ordered by time_us
	// across a reconnect, and what was seen is dropped.
	rewind = 3 * time.Second
	// pollWindow is how long a Poll (`earshot poll`) listens.
	pollWindow = 5 * time.Second
	// maxPollPosts bounds the posts of one Poll.
	maxPollPosts = 5000
	// batchPosts and batchWait bound a batch of Stream: it is handed on
	// when it holds batchPosts posts or is batchWait old.
	batchPosts = 500
	batchWait  = 200 * time.Millisecond
	// maxMessage caps one Jetstream message; a post record is a few KiB.
	maxMessage = 1 << 20
	// maxBackoff caps the wait between reconnects.
	maxBackoff = time.Minute
)

// WithDefaults fills the empty fields.
func (c Config) WithDefaults() Config {
	if c.JetstreamURL == "" {
		c.JetstreamURL = DefaultJetstreamURL
	}
	return c
}
