package hackernews

// Config is the `sources.hackernews` section of the configuration file.
// The Algolia HN Search API needs no credentials.
type Config struct {
	// BaseURL is the HN Search API's (default https://hn.algolia.com/api/v1).
	BaseURL string `yaml:"base_url"`
	// MaxPages bounds the result pages (of up to 100 items) one poll reads
	// for each query (default 10; the API serves 1000 results at most).
	MaxPages int `yaml:"max_pages"`
}

// Defaults.
const (
	DefaultBaseURL  = "https://hn.algolia.com/api/v1"
	DefaultMaxPages = 10
)

// WithDefaults fills the empty fields.
func (c Config) WithDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.MaxPages <= 0 {
		c.MaxPages = DefaultMaxPages
	}
	return c
}
