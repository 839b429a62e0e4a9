package stackexchange

// Config is the `sources.stackexchange` section of the configuration file.
type Config struct {
	// BaseURL is the API's (default https://api.stackexchange.com/2.3).
	BaseURL string `yaml:"base_url"`
	// Key is an app key from stackapps.com (optional): it raises the
	// daily quota from 300 requests per address to 10,000. It is not a
	// secret to Stack Exchange, but it is kept out of logs all the same.
	Key string `yaml:"key"`
	// MaxPages bounds the pages (of 100) one poll reads per method
	// (default 5).
	MaxPages int `yaml:"max_pages"`
}

// Defaults.
const (
	DefaultBaseURL  = "https://api.stackexchange.com/2.3"
	DefaultMaxPages = 5
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
