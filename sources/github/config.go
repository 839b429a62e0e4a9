package github

// Config is the `sources.github` section of the configuration file.
type Config struct {
	// BaseURL is the REST API's (default https://api.github.com; GitHub
	// Enterprise Server: https://HOST/api/v3).
	BaseURL string `yaml:"base_url"`
	// Token is a personal access token or an app installation token
	// (read access to public repositories suffices). Without one, search
	// allows 10 requests a minute and the core API 60 an hour.
	Token string `yaml:"token"`
	// MaxPages bounds the pages (of 100) one poll reads per search and
	// per repository (default 5; search serves 1000 results at most).
	MaxPages int `yaml:"max_pages"`
}

// Defaults.
const (
	DefaultBaseURL  = "https://api.github.com"
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
	if c.Token != "" {
		tok = "<secret>"
	}
	return "github.Config{BaseURL: " + c.BaseURL + ", Token: " + tok + "}"
}
