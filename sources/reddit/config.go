package reddit

import "github.com/earshothq/earshot/sources/internal/fetch"

// Config is the `sources.reddit` section of the configuration file.
type Config struct {
	// BaseURL is https://oauth.reddit.com with credentials, and
	// https://www.reddit.com (the public JSON API) without.
	BaseURL      string `yaml:"base_url"`
	TokenURL     string `yaml:"token_url"`
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
	// Username and Password select the password grant (a script app).
	Username  string `yaml:"username"`
	Password  string `yaml:"password"`
	UserAgent string `yaml:"user_agent"`
}

// Defaults.
const (
	DefaultOAuthBaseURL  = "https://oauth.reddit.com"
	DefaultPublicBaseURL = "https://www.reddit.com"
	DefaultTokenURL      = "https://www.reddit.com/api/v1/access_token"
	DefaultUserAgent     = fetch.UserAgent
)

// HasCredentials reports whether OAuth is configured.
func (c Config) HasCredentials() bool { return c.ClientID != "" && c.ClientSecret != "" }

// WithDefaults fills the empty fields.
func (c Config) WithDefaults() Config {
	if c.BaseURL == "" {
		if c.HasCredentials() {
			c.BaseURL = DefaultOAuthBaseURL
		} else {
			c.BaseURL = DefaultPublicBaseURL
		}
	}
	if c.TokenURL == "" {
		c.TokenURL = DefaultTokenURL
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	return c
}
