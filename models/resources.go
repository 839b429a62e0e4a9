package models

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Resource type and enum values of the API. They are the Advite API's own.
const (
	ConnectionTypeHTTP  = "HTTP_CONNECTION"
	ManagerTypeFeed     = "FEED_MANAGER"
	InputTypeStructured = "STRUCTURED"
	NoticeTypeHTTP      = "HTTP_REQUEST"

	// Source, focus and channel types are not listed here: each is a kind
	// of its own package (sources/…, matcher, notify/…), registered in
	// package catalog.
)

// Meta is carried by every resource: its resource name, times and etag.
type Meta struct {
	Name       string    `json:"name,omitempty" yaml:"-"`
	CreateTime time.Time `json:"createTime,omitzero" yaml:"-"`
	UpdateTime time.Time `json:"updateTime,omitzero" yaml:"-"`
	Etag       string    `json:"etag,omitempty" yaml:"-"`
}

// Namespace isolates a team's connections, managers and API keys.
type Namespace struct {
	Meta
	ID string `json:"-" yaml:"id"`
}

// Connection is a webhook receiver.
type Connection struct {
	Meta
	ID       string            `json:"-" yaml:"id"`
	Nickname string            `json:"nickname,omitempty" yaml:"nickname"`
	Type     string            `json:"type" yaml:"type"`
	URL      string            `json:"url,omitempty" yaml:"url"`
	Method   string            `json:"method,omitempty" yaml:"method"`
	Headers  map[string]string `json:"headers,omitempty" yaml:"headers"`
	// Secret signs deliveries (Standard Webhooks, whsec_ prefix). Generated
	// when empty.
	Secret string `json:"secret,omitempty" yaml:"secret"`
	// Disabled connections receive nothing; their deliveries are kept (as
	// FAILED) and redriven when the connection is enabled again.
	Disabled bool `json:"disabled,omitempty" yaml:"disabled"`

	// Delivery overrides of the global `delivery:` settings; zero keeps the
	// global value.
	//
	// RetrySchedule is the delay before each retry (an empty list given
	// explicitly is not distinguishable from none: use the global one).
	RetrySchedule []Duration `json:"retrySchedule,omitempty" yaml:"retrySchedule"`
	// Timeout bounds one attempt.
	Timeout Duration `json:"timeout,omitempty" yaml:"timeout"`
	// RateLimit is the most deliveries per minute sent to this connection,
	// by all processes together (0: delivery.rate_limit, or the channel's
	// own platform limit when that is lower).
	RateLimit int `json:"rateLimit,omitempty" yaml:"rateLimit"`
	// Concurrency is the most deliveries in flight to this connection at
	// once, by all processes together.
	Concurrency int `json:"concurrency,omitempty" yaml:"concurrency"`

	// Output only, kept by the store.
	//
	// PreviousSecrets still sign deliveries (a second `v1,` signature) until
	// they expire, 24 h after they were replaced, so receivers can switch
	// secrets without rejecting anything.
	PreviousSecrets []PreviousSecret `json:"previousSecrets,omitempty" yaml:"-"`
	// DisableTime is when the connection was disabled.
	DisableTime *time.Time `json:"disableTime,omitempty" yaml:"-"`
	// DisabledReason says why Earshot disabled it ("" when a user did).
	DisabledReason string `json:"disabledReason,omitempty" yaml:"-"`

	// Settings are the fields of the connection's channel kind (a Telegram
	// connection's chatId), written beside these in JSON and YAML.
	Settings Settings `json:"-" yaml:"-"`
}

// connectionFields is Connection without its methods, for the codecs below.
type connectionFields Connection

// MarshalJSON writes the common fields and the kind's settings as one object.
func (c Connection) MarshalJSON() ([]byte, error) {
	return marshalWithSettings(connectionFields(c), c.Settings)
}

// UnmarshalJSON keeps the fields it does not know as the kind's settings.
func (c *Connection) UnmarshalJSON(b []byte) error {
	return unmarshalWithSettings(b, (*connectionFields)(c), &c.Settings)
}

// UnmarshalYAML keeps the keys it does not know as the kind's settings.
func (c *Connection) UnmarshalYAML(n *yaml.Node) error {
	return unmarshalYAMLWithSettings(n, (*connectionFields)(c), &c.Settings)
}

// PreviousSecret is a replaced signing secret that still signs until ExpireTime.
type PreviousSecret struct {
	Secret     string    `json:"secret"`
	ExpireTime time.Time `json:"expireTime"`
}

// Limits on the delivery overrides of a connection.
const (
	MaxConnectionTimeout   = 60 * time.Second
	MaxRetryScheduleLength = 50
)

// Manager is a monitor: what to read, what to look for, whom to tell.
type Manager struct {
	Meta
	ID       string   `json:"-" yaml:"id"`
	Nickname string   `json:"nickname,omitempty" yaml:"nickname"`
	Type     string   `json:"type" yaml:"type"`
	Enable   bool     `json:"enable" yaml:"enable"`
	Schedule string   `json:"schedule,omitempty" yaml:"schedule"`
	Source   Source   `json:"source" yaml:"source"`
	Input    Input    `json:"input" yaml:"input"`
	Notices  []Notice `json:"notices,omitempty" yaml:"notices"`

	// Status is output only: how the manager's polls are going. It is
	// kept apart from the resource (it changes without a write, and not
	// its etag) and filled in when the API reads the manager.
	Status *ManagerStatus `json:"status,omitempty" yaml:"-"`
}

// Manager health states.
const (
	ManagerHealthy  = "HEALTHY"
	ManagerFailing  = "FAILING"
	ManagerDisabled = "DISABLED"
)

// ManagerStates lists the health states, in documentation order.
var ManagerStates = []string{ManagerHealthy, ManagerFailing, ManagerDisabled}

// ManagerStatus is a manager's health, as its polls (or ingests) left it.
type ManagerStatus struct {
	// State is DISABLED for a manager not enabled, FAILING when its last
	// poll failed, HEALTHY otherwise.
	State string `json:"state"`
	// LastPollTime is when the source was last read, successfully or not.
	LastPollTime *time.Time `json:"lastPollTime,omitempty"`
	// LastSuccessTime is when the source was last read successfully.
	LastSuccessTime *time.Time `json:"lastSuccessTime,omitempty"`
	// LastError is the error of the last failed poll, while it is failing.
	LastError string `json:"lastError,omitempty"`
	// ConsecutiveFailures counts the failed polls since the last success.
	ConsecutiveFailures int `json:"consecutiveFailures,omitempty"`
	// NextPollTime is, while the source is failing, the earliest time it
	// is read again: failing sources back off exponentially.
	NextPollTime *time.Time `json:"nextPollTime,omitempty"`
	// PostsRead24h and Matches24h count the posts read and the Scans
	// created in the last 24 hours.
	PostsRead24h int64 `json:"postsRead24h"`
	Matches24h   int64 `json:"matches24h"`
}

// Source says where a manager reads posts. Type names a source kind;
// the kind's own fields (a Reddit source's subreddits, a Facebook source's
// pages) are its Settings, written beside these in JSON and YAML.
type Source struct {
	Type string `json:"type" yaml:"type"`
	// Include chooses the kinds of item read (posts, comments, …), among
	// those the kind offers; empty reads its default.
	Include []string `json:"include,omitempty" yaml:"include"`
	// Backfill bounds how far back the first poll reaches (default 24h).
	Backfill Duration `json:"backfill,omitempty" yaml:"backfill"`
	// Settings are the kind's own fields.
	Settings Settings `json:"-" yaml:"-"`
}

// sourceFields is Source without its methods, for the codecs below.
type sourceFields Source

// MarshalJSON writes the common fields and the kind's settings as one object.
func (s Source) MarshalJSON() ([]byte, error) {
	return marshalWithSettings(sourceFields(s), s.Settings)
}

// UnmarshalJSON keeps the fields it does not know as the kind's settings.
func (s *Source) UnmarshalJSON(b []byte) error {
	return unmarshalWithSettings(b, (*sourceFields)(s), &s.Settings)
}

// UnmarshalYAML keeps the keys it does not know as the kind's settings.
func (s *Source) UnmarshalYAML(n *yaml.Node) error {
	return unmarshalYAMLWithSettings(n, (*sourceFields)(s), &s.Settings)
}

// Input says what a manager looks for.
type Input struct {
	Type     string   `json:"type" yaml:"type"`
	URLs     []string `json:"urls,omitempty" yaml:"urls"`
	Keywords []string `json:"keywords,omitempty" yaml:"keywords"`
	Excludes []string `json:"excludes,omitempty" yaml:"excludes"`
	Query    string   `json:"query,omitempty" yaml:"query"`
	Focus    Focus    `json:"focus" yaml:"focus"`
}

// Focus selects the scorer and its thresholds.
type Focus struct {
	Type      string   `json:"type" yaml:"type"`
	MinScore  *float64 `json:"minScore,omitempty" yaml:"minScore"`
	Polarity  string   `json:"polarity,omitempty" yaml:"polarity"`
	Threshold *float64 `json:"threshold,omitempty" yaml:"threshold"`
	Window    Duration `json:"window,omitempty" yaml:"window"`
	Factor    float64  `json:"factor,omitempty" yaml:"factor"`
	MinPosts  int      `json:"minPosts,omitempty" yaml:"minPosts"`
	Cooldown  Duration `json:"cooldown,omitempty" yaml:"cooldown"`
	// Model is the sentiment model SENTIMENT and CRISIS read:
	// SentimentModelLearned (empty) or SentimentModelVADER.
	Model string `json:"model,omitempty" yaml:"model"`
	// Stages are the purchase-intent stages a SALES focus matches; empty
	// means all of IntentStages.
	Stages []string `json:"stages,omitempty" yaml:"stages"`
	// AllowPromotions turns off the spam and promotion filter of SALES.
	AllowPromotions bool `json:"allowPromotions,omitempty" yaml:"allowPromotions"`
}

// Notice sends a manager's events to a connection.
type Notice struct {
	Type       string `json:"type" yaml:"type"`
	Connection string `json:"connection" yaml:"connection"`
	// Events chooses the event types the notice receives (SCAN, SPIKE);
	// empty: both.
	Events []string `json:"events,omitempty" yaml:"events"`
	// MinScore leaves out the SCANs whose match scores below it; unset:
	// every match of the manager (whose own minScore applies first).
	MinScore *float64 `json:"minScore,omitempty" yaml:"minScore"`
	// Intents leaves out the SCANs whose match.intent (the purchase-intent
	// stage of a SALES match) is not one of them; a match without a stage
	// is left out too. Empty: every SCAN.
	Intents []string `json:"intents,omitempty" yaml:"intents"`
	// Digest, on a channel that offers it (email), collects the period's
	// SCANs and sends them as one message instead of one per SCAN.
	Digest *Digest `json:"digest,omitempty" yaml:"digest"`
}

// Digest says when a notice's digest is sent.
type Digest struct {
	// Every is the period: 1h, 24h or 168h.
	Every Duration `json:"every" yaml:"every"`
	// At is the local time of day ("09:00") a daily or weekly digest is
	// sent (weekly: on Mondays); for an hourly one only its minutes
	// count. Default "00:00".
	At string `json:"at,omitempty" yaml:"at"`
	// TimeZone is an IANA zone ("Europe/Berlin"); default UTC.
	TimeZone string `json:"timeZone,omitempty" yaml:"timeZone"`
}

// Wants reports whether the notice receives an event of the type; m is a
// SCAN's match (nil for other events).
func (n Notice) Wants(eventType string, m *Match) bool {
	if len(n.Events) > 0 && !slices.Contains(n.Events, eventType) {
		return false
	}
	if eventType != EventScan {
		return true
	}
	var score float64
	var intent string
	if m != nil {
		score, intent = m.Score, m.Intent
	}
	if n.MinScore != nil && score < *n.MinScore {
		return false
	}
	return len(n.Intents) == 0 || slices.Contains(n.Intents, intent)
}

// Resource names, AIP style.

func NamespaceName(ns string) string { return "namespaces/" + ns }

func ConnectionName(ns, id string) string { return "namespaces/" + ns + "/connections/" + id }

func ManagerName(ns, id string) string { return "namespaces/" + ns + "/managers/" + id }

func ScanName(ns, manager, id string) string {
	return "namespaces/" + ns + "/managers/" + manager + "/scans/" + id
}

// ParseConnectionName splits "namespaces/{ns}/connections/{id}".
func ParseConnectionName(name string) (ns, id string, err error) {
	p := strings.Split(name, "/")
	if len(p) != 4 || p[0] != "namespaces" || p[2] != "connections" || p[1] == "" || p[3] == "" {
		return "", "", fmt.Errorf("%q is not a connection name (want namespaces/{namespace}/connections/{connection})", name)
	}
	return p[1], p[3], nil
}

// ParseManagerName splits "namespaces/{ns}/managers/{id}".
func ParseManagerName(name string) (ns, id string, err error) {
	p := strings.Split(name, "/")
	if len(p) != 4 || p[0] != "namespaces" || p[2] != "managers" || p[1] == "" || p[3] == "" {
		return "", "", fmt.Errorf("%q is not a manager name (want namespaces/{namespace}/managers/{manager})", name)
	}
	return p[1], p[3], nil
}

// DefaultBackfill is how far back a manager's first poll reaches.
const DefaultBackfill = 24 * time.Hour

// DefaultSchedule polls every manager once a minute.
const DefaultSchedule = "@every 1m"

// BackfillOrDefault returns the source's backfill window.
func (s Source) BackfillOrDefault() time.Duration {
	if s.Backfill <= 0 {
		return DefaultBackfill
	}
	return s.Backfill.D()
}

// ScheduleOrDefault returns the manager's schedule.
func (m *Manager) ScheduleOrDefault() string {
	if strings.TrimSpace(m.Schedule) == "" {
		return DefaultSchedule
	}
	return m.Schedule
}

// ParseScanName splits "namespaces/{ns}/managers/{m}/scans/{id}".
func ParseScanName(name string) (ns, manager, id string, err error) {
	p := strings.Split(name, "/")
	if len(p) != 6 || p[0] != "namespaces" || p[2] != "managers" || p[4] != "scans" || p[1] == "" || p[3] == "" || p[5] == "" {
		return "", "", "", fmt.Errorf("%q is not a scan name (want namespaces/{namespace}/managers/{manager}/scans/{scan})", name)
	}
	return p[1], p[3], p[5], nil
}
