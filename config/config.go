package config

import (
	"time"

	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources/facebook"
	"github.com/earshothq/earshot/sources/hackernews"
	"github.com/earshothq/earshot/sources/reddit"
	"github.com/earshothq/earshot/sources/twitter"
)

// Config is the whole configuration file. Operator settings are snake_case;
// the resources under Namespaces use the API's JSON field names.
type Config struct {
	// Path is the file the configuration was read from ("" when parsed from memory).
	Path string `yaml:"-"`

	Listen       string         `yaml:"listen"`
	AdminAPIKeys []string       `yaml:"admin_api_keys"`
	Redis        RedisConfig    `yaml:"redis"`
	Delivery     DeliveryConfig `yaml:"delivery"`
	Scans        ScansConfig    `yaml:"scans"`
	Sources      SourcesConfig  `yaml:"sources"`
	Matcher      MatcherConfig  `yaml:"matcher"`
	Log          LogConfig      `yaml:"log"`
	Console      ConsoleConfig  `yaml:"console"`
	Namespaces   []Namespace    `yaml:"namespaces"`
}

// RedisConfig says where state lives.
type RedisConfig struct {
	// URL is a redis:// or rediss:// URL; empty runs an embedded, in-memory
	// Redis (not durable). The REDIS_URL environment variable overrides it.
	URL string `yaml:"url"`
}

// DeliveryConfig governs webhook delivery.
type DeliveryConfig struct {
	Timeout             models.Duration   `yaml:"timeout"`
	RetrySchedule       []models.Duration `yaml:"retry_schedule"`
	AllowPrivateTargets bool              `yaml:"allow_private_targets"`
	RequireHTTPS        bool              `yaml:"require_https"`
	// Concurrency is the number of deliveries one process makes at once.
	Concurrency int `yaml:"concurrency"`

	// The fields below default in package notify (zero means default);
	// connections may override rate_limit, connection_concurrency, timeout
	// and retry_schedule with their own fields.
	//
	// MaxRetryAfter caps a receiver's Retry-After (default 1h).
	MaxRetryAfter models.Duration `yaml:"max_retry_after"`
	// RateLimit is the most deliveries per minute to one connection, all
	// processes together (default 600).
	RateLimit int `yaml:"rate_limit"`
	// ConnectionConcurrency is the most deliveries in flight to one
	// connection, all processes together (default 10).
	ConnectionConcurrency int `yaml:"connection_concurrency"`
	// Retention is how long delivery records and dead letters are kept
	// (default 336h, 14 days).
	Retention models.Duration `yaml:"retention"`
	// DisableAfter disables a connection failing without a success for
	// this long (default 72h).
	DisableAfter models.Duration `yaml:"disable_after"`
}

// ScansConfig governs stored Scans.
type ScansConfig struct {
	Retention models.Duration `yaml:"retention"`
}

// SourcesConfig holds each platform's credentials and endpoints.
type SourcesConfig struct {
	Reddit     reddit.Config     `yaml:"reddit"`
	Twitter    twitter.Config    `yaml:"twitter"`
	Facebook   facebook.Config   `yaml:"facebook"`
	HackerNews hackernews.Config `yaml:"hackernews"`
}

// MatcherConfig configures the matcher.
type MatcherConfig struct {
	// LLM, when set, lets an OpenAI-compatible model judge the candidates
	// that pass the offline stage.
	LLM *matcher.LLMConfig `yaml:"llm"`
}

// ConsoleConfig configures the web console served at /.
type ConsoleConfig struct {
	// SecureCookies marks the session cookie Secure even when Earshot
	// itself is reached over plain HTTP: behind a TLS-terminating proxy.
	// (It is Secure anyway on a TLS connection.)
	SecureCookies bool `yaml:"secure_cookies"`
	// SessionTTL is how long a sign-in lasts (default 12h).
	SessionTTL models.Duration `yaml:"session_ttl"`
}

// DefaultSessionTTL is how long a console sign-in lasts.
const DefaultSessionTTL = 12 * time.Hour

// LogConfig sets the log level and format.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info (default), warn, error
	Format string `yaml:"format"` // text (default) or json
}

// Namespace is a namespace with the resources declared in it.
type Namespace struct {
	ID          string              `yaml:"id"`
	APIKeys     []string            `yaml:"api_keys"`
	Connections []models.Connection `yaml:"connections"`
	Managers    []models.Manager    `yaml:"managers"`
}

// Defaults.
const (
	DefaultListen          = ":8080"
	DefaultDeliveryTimeout = 10 * time.Second
	DefaultScanRetention   = 30 * 24 * time.Hour
	DefaultConcurrency     = 20
	DefaultLogLevel        = "info"
	DefaultLogFormat       = "text"
	DefaultTwitterBaseURL  = "https://api.x.com"
	DefaultFacebookBaseURL = "https://graph.facebook.com/v21.0"
)

// DefaultRetrySchedule is the delay before each retry of a failed delivery.
var DefaultRetrySchedule = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 6 * time.Hour}
