package twitter

// Config is the `sources.twitter` section of the configuration file.
type Config struct {
	// BaseURL is the X API's (default https://api.x.com).
	BaseURL string `yaml:"base_url"`
	// BearerToken is an app-only bearer token of a project with access to
	// recent search (the X API's Basic tier or above).
	BearerToken string `yaml:"bearer_token"`
	// MaxPages bounds the search pages (of up to 100 posts) one poll reads
	// (default 5). Every post read counts against the project's monthly
	// cap.
	MaxPages int `yaml:"max_pages"`
}

// Defaults.
const (
	DefaultBaseURL  = "https://api.x.com"
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

// String prints the configuration with the token hidden.
func (c Config) String() string {
	tok := ""
	if c.BearerToken != "" {
		tok = "<secret>"
	}
	return "twitter.Config{BaseURL: " + c.BaseURL + ", BearerToken: " + tok + "}"
}
