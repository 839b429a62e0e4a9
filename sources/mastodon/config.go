package mastodon

// Config is the `sources.mastodon` section of the configuration file.
type Config struct {
	// BaseURL is the instance of managers that name none (default
	// https://mastodon.social).
	BaseURL string `yaml:"base_url"`
	// AccessToken is a token of an account on BaseURL's instance (scope
	// read:search); it lets managers search statuses there. Optional.
	AccessToken string `yaml:"access_token"`
	// AccessTokens are tokens for other instances, by host
	// ("fosstodon.org"). A token is sent to its own instance only.
	AccessTokens map[string]string `yaml:"access_tokens"`
	// MaxPages bounds the pages (of 40 statuses) one poll reads for each
	// hashtag and query (default 5).
	MaxPages int `yaml:"max_pages"`
}

// Defaults.
const (
	DefaultBaseURL  = "https://mastodon.social"
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

// String prints the configuration with the tokens hidden.
func (c Config) String() string {
	tok := ""
	if c.AccessToken != "" {
		tok = "<secret>"
	}
	return "mastodon.Config{BaseURL: " + c.BaseURL + ", AccessToken: " + tok + "}"
}
