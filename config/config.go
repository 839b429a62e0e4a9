package config

import (
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/tracing"
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
	Metrics      MetricsConfig  `yaml:"metrics"`
	Tracing      TracingConfig  `yaml:"tracing"`
	Namespaces   []Namespace    `yaml:"namespaces"`
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

// SourcesConfig holds the operator settings of each source kind
// (`sources.reddit`, …), by section, each of the kind's own type with its
// defaults applied (see Kind.Configure). A kind left out of the file has
// its defaults.
type SourcesConfig map[string]any

// UnmarshalYAML decodes each section into its kind's settings. The strict
// pass has already reported unknown sections and dropped them.
func (s *SourcesConfig) UnmarshalYAML(n *yaml.Node) error {
	*s = SourcesConfig{}
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == allowPrivateTargetsKey {
			var allow bool
			if err := n.Content[i+1].Decode(&allow); err != nil {
				return err
			}
			(*s)[allowPrivateTargetsKey] = allow
			continue
		}
		k := kindOfSection(n.Content[i].Value)
		if k == nil {
			continue
		}
		v := k.NewConfig()
		if err := n.Content[i+1].Decode(v); err != nil {
			return err
		}
		(*s)[k.Section] = v
	}
	return nil
}

// For returns the operator settings of kind k (nil when it has none).
func (s SourcesConfig) For(k *sources.Kind) any { return s[k.Section] }

// allowPrivateTargetsKey is the one key of `sources:` that is no kind's
// section: whether user-given URLs (a feed, a Mastodon instance) may
// point at loopback, private and link-local addresses.
const allowPrivateTargetsKey = "allow_private_targets"

// AllowPrivateTargets is `sources.allow_private_targets` (default false):
// true only for local development and tests.
func (s SourcesConfig) AllowPrivateTargets() bool {
	allow, _ := s[allowPrivateTargetsKey].(bool)
	return allow
}

func kindOfSection(section string) *sources.Kind {
	for _, k := range catalog.Sources.All() {
		if k.Section == section && k.ConfigType() != nil {
			return k
		}
	}
	return nil
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

// MetricsConfig says where the Prometheus metrics are served. They name
// every namespace's connections and managers, so they have a listener of
// their own, on loopback unless the operator says otherwise, and not the
// API's (which anyone who can reach the API could read without a key).
type MetricsConfig struct {
	// Listen is the address of GET /metrics (default 127.0.0.1:9090);
	// "off" serves no metrics.
	Listen string `yaml:"listen"`
}

// TracingConfig is the `tracing:` section: OpenTelemetry traces, off
// unless an OTLP endpoint is named here or by the OTEL_* variables (see
// package tracing).
type TracingConfig = tracing.Config

// MetricsOff is the metrics.listen that turns the metrics listener off.
const MetricsOff = "off"

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
	DefaultMetricsListen   = "127.0.0.1:9090"
	DefaultDeliveryTimeout = 10 * time.Second
	DefaultScanRetention   = 30 * 24 * time.Hour
	DefaultConcurrency     = 20
	DefaultLogLevel        = "info"
	DefaultLogFormat       = "text"
)
