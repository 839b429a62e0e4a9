package facebook

// Config is the `sources.facebook` section of the configuration file.
type Config struct {
	// BaseURL is the Graph API's, with its version
	// (default https://graph.facebook.com/v21.0).
	BaseURL string `yaml:"base_url"`
	// AccessToken reads the pages' feeds: a Page access token, or an app
	// or user token with Page Public Content Access.
	AccessToken string `yaml:"access_token"`
	// AppSecret, when set, signs every call with appsecret_proof, which
	// apps that require it (Settings › Advanced) insist on.
	AppSecret string `yaml:"app_secret"`
	// MaxPages bounds the feed pages (of up to 100 posts) one poll reads
	// for each Facebook page (default 5).
	MaxPages int `yaml:"max_pages"`
}

// Defaults.
const (
	DefaultBaseURL  = "https://graph.facebook.com/v21.0"
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

// String prints the configuration with the secrets hidden.
func (c Config) String() string {
	hide := func(s string) string {
		if s == "" {
			return ""
		}
		return "<secret>"
	}
	return "facebook.Config{BaseURL: " + c.BaseURL + ", AccessToken: " + hide(c.AccessToken) + ", AppSecret: " + hide(c.AppSecret) + "}"
}
