package rss

import "github.com/earshothq/earshot/sources/internal/fetch"

// Config is the `sources.rss` section of the configuration file.
type Config struct {
	// UserAgent is sent with every fetch; some hosts refuse clients
	// that do not name themselves.
	UserAgent string `yaml:"user_agent"`
	// MaxItems bounds the items one feed yields per poll, newest first
	// (default 200).
	MaxItems int `yaml:"max_items"`
}

// Defaults.
const (
	DefaultUserAgent = fetch.UserAgent
	DefaultMaxItems  = 200
)

// WithDefaults fills the empty fields.
func (c Config) WithDefaults() Config {
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.MaxItems <= 0 {
		c.MaxItems = DefaultMaxItems
	}
	return c
}
