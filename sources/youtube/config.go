package youtube

// Config is the `sources.youtube` section of the configuration file.
type Config struct {
	// BaseURL is the Data API's (default https://www.googleapis.com/youtube/v3).
	BaseURL string `yaml:"base_url"`
	// APIKey is a Google Cloud API key with the YouTube Data API v3
	// enabled.
	APIKey string `yaml:"api_key"`
	// DailyQuota is the project's daily quota in units (default 10,000),
	// shared by every manager and process using the key.
	DailyQuota int `yaml:"daily_quota"`
	// MaxPages bounds the search pages (of 50 videos, 100 units each) one
	// poll reads per search (default 1).
	MaxPages int `yaml:"max_pages"`
	// CommentVideos is how many of the newest videos found have their
	// comments read at each poll (default 10; 1 unit each).
	CommentVideos int `yaml:"comment_videos"`
}

// Defaults.
const (
	DefaultBaseURL       = "https://www.googleapis.com/youtube/v3"
	DefaultDailyQuota    = 10000
	DefaultMaxPages      = 1
	DefaultCommentVideos = 10
)

// WithDefaults fills the empty fields.
func (c Config) WithDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.DailyQuota <= 0 {
		c.DailyQuota = DefaultDailyQuota
	}
	if c.MaxPages <= 0 {
		c.MaxPages = DefaultMaxPages
	}
	if c.CommentVideos <= 0 {
		c.CommentVideos = DefaultCommentVideos
	}
	return c
}

// String prints the configuration with the key hidden.
func (c Config) String() string {
	key := ""
	if c.APIKey != "" {
		key = "<secret>"
	}
	return "youtube.Config{BaseURL: " + c.BaseURL + ", APIKey: " + key + "}"
}
