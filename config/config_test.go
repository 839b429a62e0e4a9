package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/bluesky"
	"github.com/earshothq/earshot/sources/facebook"
	"github.com/earshothq/earshot/sources/github"
	"github.com/earshothq/earshot/sources/hackernews"
	"github.com/earshothq/earshot/sources/mastodon"
	"github.com/earshothq/earshot/sources/reddit"
	"github.com/earshothq/earshot/sources/rss"
	"github.com/earshothq/earshot/sources/stackexchange"
	"github.com/earshothq/earshot/sources/twitter"
	"github.com/earshothq/earshot/sources/youtube"
)

// Values the tests put in the environment. The secrets are long and unusual
// so that finding one in an error message cannot be a coincidence.
const (
	acmeKey       = "acme-0f6b1c2d9e8a7b6c"
	signingSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // 27 bytes
	crmToken      = "crm-token-Zq81mXv02LkP"
)

func envOf(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// exampleEnv is every variable the ARCHITECTURE.md example refers to.
func exampleEnv() map[string]string {
	return map[string]string{
		"REDDIT_CLIENT_ID":      "reddit-client-id",
		"REDDIT_CLIENT_SECRET":  "reddit-client-secret",
		"X_BEARER_TOKEN":        "x-bearer-token",
		"FACEBOOK_ACCESS_TOKEN": "facebook-access-token",
		"ACME_API_KEY":          acmeKey,
		"CRM_TOKEN":             crmToken,
		"CRM_SIGNING_SECRET":    signingSecret,
	}
}

// everyMinuteOnly stands in for the scheduler's check.
func everyMinuteOnly(spec string) error {
	if spec != "@every 1m" && spec != "@every 5m" {
		return errors.New("expected @every 1m or @every 5m")
	}
	return nil
}

func parseFixture(t *testing.T, file string, env map[string]string, opts ...Option) (*Config, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return Parse("earshot.yaml", data, envOf(env), opts...)
}

func mustParse(t *testing.T, file string, env map[string]string, opts ...Option) *Config {
	t.Helper()
	cfg, err := parseFixture(t, file, env, opts...)
	if err != nil {
		t.Fatalf("Parse(%s) failed:\n%v", file, err)
	}
	return cfg
}

func durations(ds ...time.Duration) []models.Duration {
	out := make([]models.Duration, len(ds))
	for i, d := range ds {
		out[i] = models.Duration(d)
	}
	return out
}

func TestParseArchitectureExample(t *testing.T) {
	cfg := mustParse(t, "full.yaml", exampleEnv(), WithScheduleValidator(everyMinuteOnly))
	want := &Config{
		Path:   "earshot.yaml",
		Listen: ":8080",
		Delivery: DeliveryConfig{
			Timeout:       models.Duration(10 * time.Second),
			RetrySchedule: durations(time.Minute, 5*time.Minute, 15*time.Minute, time.Hour, 6*time.Hour),
			Concurrency:   DefaultConcurrency,
		},
		Scans:   ScansConfig{Retention: models.Duration(DefaultScanRetention)},
		Console: ConsoleConfig{SessionTTL: models.Duration(DefaultSessionTTL)},
		Sources: SourcesConfig{
			"reddit": &reddit.Config{
				BaseURL:      "https://oauth.reddit.com",
				TokenURL:     "https://www.reddit.com/api/v1/access_token",
				ClientID:     "reddit-client-id",
				ClientSecret: "reddit-client-secret",
				UserAgent:    "earshot/0.1 (by u/yourname)",
			},
			"twitter":       &twitter.Config{BaseURL: "https://api.x.com", BearerToken: "x-bearer-token", MaxPages: twitter.DefaultMaxPages},
			"facebook":      &facebook.Config{BaseURL: "https://graph.facebook.com/v21.0", AccessToken: "facebook-access-token", MaxPages: facebook.DefaultMaxPages},
			"hackernews":    &hackernews.Config{BaseURL: hackernews.DefaultBaseURL, MaxPages: hackernews.DefaultMaxPages},
			"bluesky":       &bluesky.Config{JetstreamURL: bluesky.DefaultJetstreamURL},
			"mastodon":      &mastodon.Config{BaseURL: mastodon.DefaultBaseURL, MaxPages: mastodon.DefaultMaxPages},
			"rss":           &rss.Config{UserAgent: rss.DefaultUserAgent, MaxItems: rss.DefaultMaxItems},
			"youtube":       &youtube.Config{BaseURL: youtube.DefaultBaseURL, DailyQuota: youtube.DefaultDailyQuota, MaxPages: youtube.DefaultMaxPages, CommentVideos: youtube.DefaultCommentVideos},
			"github":        &github.Config{BaseURL: github.DefaultBaseURL, MaxPages: github.DefaultMaxPages},
			"stackexchange": &stackexchange.Config{BaseURL: stackexchange.DefaultBaseURL, MaxPages: stackexchange.DefaultMaxPages},
		},
		Log:     LogConfig{Level: "info", Format: "text"},
		Metrics: MetricsConfig{Listen: DefaultMetricsListen},
		Namespaces: []Namespace{{
			ID:      "acme",
			APIKeys: []string{acmeKey},
			Connections: []models.Connection{{
				Meta:     models.Meta{Name: "namespaces/acme/connections/crm"},
				ID:       "crm",
				Nickname: "CRM receiver",
				Type:     models.ConnectionTypeHTTP,
				URL:      "https://crm.example.com/webhooks/earshot",
				Method:   "POST",
				Headers:  map[string]string{"X-Advite-Webhook-Secret": crmToken},
				Secret:   signingSecret,
			}},
			Managers: []models.Manager{{
				Meta:     models.Meta{Name: "namespaces/acme/managers/reddit-leads"},
				ID:       "reddit-leads",
				Nickname: "My Reddit Monitor",
				Type:     models.ManagerTypeFeed,
				Enable:   true,
				Schedule: "@every 1m",
				Source: models.Source{
					Type:     "REDDIT",
					Settings: models.SettingsOf(reddit.Settings{Subreddits: []string{"marketing", "smallbusiness"}}),
					Backfill: models.Duration(24 * time.Hour),
				},
				Input: models.Input{
					Type:     models.InputTypeStructured,
					URLs:     []string{"https://mycompany.com"},
					Keywords: []string{"social listening", "brand monitoring"},
					Focus:    models.Focus{Type: "SALES"},
				},
				Notices: []models.Notice{{Type: models.NoticeTypeHTTP, Connection: "namespaces/acme/connections/crm"}},
			}},
		}},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("Parse(full.yaml) =\n%+v\nwant\n%+v", cfg, want)
	}
}

func TestParseDefaults(t *testing.T) {
	defaultRetries := durations(notify.DefaultRetrySchedule...)
	tests := []struct {
		name  string
		yaml  string
		check func(t *testing.T, c *Config)
	}{
		{"empty file", "", func(t *testing.T, c *Config) {
			want := &Config{
				Path:     "earshot.yaml",
				Listen:   ":8080",
				Delivery: DeliveryConfig{Timeout: models.Duration(10 * time.Second), RetrySchedule: defaultRetries, Concurrency: DefaultConcurrency},
				Scans:    ScansConfig{Retention: models.Duration(30 * 24 * time.Hour)},
				Console:  ConsoleConfig{SessionTTL: models.Duration(DefaultSessionTTL)},
				Sources: SourcesConfig{
					// Without credentials, Reddit's public JSON API.
					"reddit":        &reddit.Config{BaseURL: reddit.DefaultPublicBaseURL, TokenURL: reddit.DefaultTokenURL, UserAgent: reddit.DefaultUserAgent},
					"twitter":       &twitter.Config{BaseURL: twitter.DefaultBaseURL, MaxPages: twitter.DefaultMaxPages},
					"facebook":      &facebook.Config{BaseURL: facebook.DefaultBaseURL, MaxPages: facebook.DefaultMaxPages},
					"hackernews":    &hackernews.Config{BaseURL: hackernews.DefaultBaseURL, MaxPages: hackernews.DefaultMaxPages},
					"bluesky":       &bluesky.Config{JetstreamURL: bluesky.DefaultJetstreamURL},
					"mastodon":      &mastodon.Config{BaseURL: mastodon.DefaultBaseURL, MaxPages: mastodon.DefaultMaxPages},
					"rss":           &rss.Config{UserAgent: rss.DefaultUserAgent, MaxItems: rss.DefaultMaxItems},
					"youtube":       &youtube.Config{BaseURL: youtube.DefaultBaseURL, DailyQuota: youtube.DefaultDailyQuota, MaxPages: youtube.DefaultMaxPages, CommentVideos: youtube.DefaultCommentVideos},
					"github":        &github.Config{BaseURL: github.DefaultBaseURL, MaxPages: github.DefaultMaxPages},
					"stackexchange": &stackexchange.Config{BaseURL: stackexchange.DefaultBaseURL, MaxPages: stackexchange.DefaultMaxPages},
				},
				Log:     LogConfig{Level: "info", Format: "text"},
				Metrics: MetricsConfig{Listen: DefaultMetricsListen},
			}
			if !reflect.DeepEqual(c, want) {
				t.Errorf("got\n%+v\nwant\n%+v", c, want)
			}
		}},
		{"comments only", "# nothing yet\n", func(t *testing.T, c *Config) {
			if c.Listen != DefaultListen {
				t.Errorf("listen = %q", c.Listen)
			}
		}},
		{"empty retry schedule means no retries", "delivery: {retry_schedule: []}", func(t *testing.T, c *Config) {
			if c.Delivery.RetrySchedule == nil || len(c.Delivery.RetrySchedule) != 0 {
				t.Errorf("retry_schedule = %v, want none", c.Delivery.RetrySchedule)
			}
		}},
		{"explicit values are kept", "listen: 127.0.0.1:0\ndelivery: {timeout: 3s, retry_schedule: [30s], concurrency: 2}\nscans: {retention: 48h}\nlog: {level: debug, format: json}",
			func(t *testing.T, c *Config) {
				if c.Listen != "127.0.0.1:0" || c.Delivery.Timeout.D() != 3*time.Second || !reflect.DeepEqual(c.Delivery.RetrySchedule, durations(30*time.Second)) ||
					c.Delivery.Concurrency != 2 || c.Scans.Retention.D() != 48*time.Hour || c.Log != (LogConfig{"debug", "json"}) {
					t.Errorf("got %+v", c)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("earshot.yaml", []byte(tt.yaml), nil)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestParseResourceDefaults(t *testing.T) {
	cfg := mustParse(t, "minimal.yaml", nil)
	ns := cfg.Namespaces[0]

	crm, ok := ns.Connection("crm")
	if !ok {
		t.Fatal(`Connection("crm") not found`)
	}
	if crm.Type != models.ConnectionTypeHTTP || crm.Method != "POST" || crm.Name != "namespaces/acme/connections/crm" {
		t.Errorf("connection = %+v; want type HTTP_CONNECTION, method POST and its resource name", crm)
	}
	if _, ok := ns.Connection("nope"); ok {
		t.Error(`Connection("nope") found`)
	}

	leads, _ := ns.Manager("leads")
	if !leads.Enable {
		t.Error("a manager without `enable` is disabled; absent means true")
	}
	if leads.Type != models.ManagerTypeFeed || leads.Input.Type != models.InputTypeStructured ||
		leads.Notices[0].Type != models.NoticeTypeHTTP || leads.Name != "namespaces/acme/managers/leads" {
		t.Errorf("manager = %+v; want the single-valued types filled in and its resource name", leads)
	}
	if paused, _ := ns.Manager("paused"); paused.Enable {
		t.Error("enable: false was not kept")
	}
	if ns, ok := cfg.Namespace("acme"); !ok || ns.ID != "acme" {
		t.Error(`Namespace("acme") not found`)
	}
}

func TestParseMergeKeys(t *testing.T) {
	cfg := mustParse(t, "merge.yaml", nil)
	ns := cfg.Namespaces[0]
	backup, _ := ns.Connection("crm-backup")
	if backup.URL != "https://backup.example.com/hook" || backup.Headers["X-Team"] != "sales" {
		t.Errorf("crm-backup = %+v; want its own url and the merged headers", backup)
	}
	leads2, _ := ns.Manager("leads-2")
	if leads2.Enable || leads2.Source.Type != "REDDIT" || len(leads2.Input.Keywords) != 1 {
		t.Errorf("leads-2 = %+v; want disabled, with the merged source and input", leads2)
	}
	if leads, _ := ns.Manager("leads"); !leads.Enable {
		t.Error("leads lost its default enable")
	}
}

func TestParseInterpolation(t *testing.T) {
	env := map[string]string{
		"DELIVERY_TIMEOUT": "45s",
		"CONCURRENCY":      "5",
		"ACME_API_KEY":     acmeKey,
		"CRM_HOST":         "crm.internal:8443",
		"CRM_PORT":         "8443",
		"CRM_NULL":         "null",
		"LEADS_ENABLED":    "false",
		"MIN_SCORE":        "0.7",
		"KEYWORD":          "", // empty: the default applies, as in a shell
	}
	cfg := mustParse(t, "interpolation.yaml", env)
	conn := cfg.Namespaces[0].Connections[0]
	m := cfg.Namespaces[0].Managers[0]
	tests := []struct {
		name      string
		got, want any
	}{
		{"default of an unset variable", cfg.Listen, "127.0.0.1:9090"},
		{"duration", cfg.Delivery.Timeout.D(), 45 * time.Second},
		{"integer", cfg.Delivery.Concurrency, 5},
		{"inside a string, and the $${ escape", conn.URL, "https://crm.internal:8443/hooks/${literal}"},
		{"a number into a string field", conn.Headers["X-Port"], "8443"},
		{"null into a string field stays text", conn.Headers["X-Null"], "null"},
		{"lone dollars are literal", conn.Headers["X-Price"], "$5 and $$5"},
		{"quoted boolean", m.Enable, false},
		{"empty default", redditSettings(t, m).Query, ""},
		{"default in a flow list", redditSettings(t, m).Subreddits, []string{"marketing"}},
		{"default of an empty variable", m.Input.Keywords, []string{"social listening"}},
		{"quoted number", *m.Input.Focus.MinScore, 0.7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	env := envOf(map[string]string{"A": "alpha", "EMPTY": "", "NESTED": "${A}"})
	tests := []struct {
		name     string
		in       string
		want     string
		problems []string
	}{
		{"no reference", "plain $ text", "plain $ text", nil},
		{"variable", "${A}", "alpha", nil},
		{"in text", "x-${A}-y", "x-alpha-y", nil},
		{"two", "${A}${A}", "alphaalpha", nil},
		{"default unused", "${A:-beta}", "alpha", nil},
		{"default of unset", "${B:-beta}", "beta", nil},
		{"default of empty", "${EMPTY:-beta}", "beta", nil},
		{"empty without default", "${EMPTY}", "", nil},
		{"default with colon and dash", "${B:-http://x:1/a-b}", "http://x:1/a-b", nil},
		{"escape", "$${A}", "${A}", nil},
		{"escape then variable", "$${A}${A}", "${A}alpha", nil},
		{"values are not expanded again", "${NESTED}", "${A}", nil},
		{"unset", "key=${B}", "key=", []string{"environment variable B is not set"}},
		{"bad name", "${1A}", "", []string{`invalid environment variable reference "${1A}" (want ${NAME} or ${NAME:-default})`}},
		{"empty name", "${}", "", []string{`invalid environment variable reference "${}" (want ${NAME} or ${NAME:-default})`}},
		{"unterminated", "x${A", "x${A", []string{`unterminated "${" (write "$${" for a literal "${")`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := expand(tt.in, env)
			if x.value != tt.want || !reflect.DeepEqual(x.problems, tt.problems) {
				t.Errorf("expand(%q) = %q, %q; want %q, %q", tt.in, x.value, x.problems, tt.want, tt.problems)
			}
		})
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  map[string]string
		opts []Option
		want []string
	}{
		{"unknown key at top level", "unknown-top.yaml", nil, nil, []string{
			`earshot.yaml:1: listn: unknown field "listn" (did you mean "listen"?)`,
		}},
		{"unknown keys in a manager", "unknown-nested.yaml", nil, nil, []string{
			`earshot.yaml:10: namespaces[0].managers[0].source.subredits: unknown field "subredits" (did you mean "subreddits"?)`,
			`earshot.yaml:13: namespaces[0].managers[0].input.focus.min_score: unknown field "min_score" (did you mean "minScore"?)`,
			`earshot.yaml:14: namespaces[0].managers[0].notify: unknown field "notify"`,
		}},
		{"bad types", "bad-type.yaml", nil, nil, []string{
			`earshot.yaml:5: namespaces[0].managers[0].enable: must be true or false, not "maybe"`,
			`earshot.yaml:8: namespaces[0].managers[0].source.subreddits: must be a list, not "marketing"`,
			`earshot.yaml:11: namespaces[0].managers[0].input.focus.minPosts: must be an integer, not "2.5"`,
		}},
		{"bad durations", "bad-duration.yaml", nil, nil, []string{
			`earshot.yaml:2: delivery.timeout: invalid duration "5x" (want e.g. 90s, 15m, 24h)`,
			`earshot.yaml:3: delivery.retry_schedule[1]: invalid duration "10" (want e.g. 90s, 15m, 24h)`,
			`earshot.yaml:3: delivery.retry_schedule[2]: must be greater than 0`,
			`earshot.yaml:5: scans.retention: invalid duration "30d" (want e.g. 90s, 15m, 24h)`,
		}},
		{"missing required field", "missing-url.yaml", nil, nil, []string{
			`earshot.yaml:4: namespaces[0].connections[0].url: is required`,
		}},
		{"bad enums and url scheme", "bad-enum.yaml", nil, nil, []string{
			`earshot.yaml:5: namespaces[0].connections[0].type: must be one of HTTP_CONNECTION, SLACK_CONNECTION, DISCORD_CONNECTION, TELEGRAM_CONNECTION, EMAIL_CONNECTION`,
			`earshot.yaml:10: namespaces[0].managers[0].source.type: must be one of REDDIT, TWITTER, FACEBOOK, HACKERNEWS, BLUESKY, MASTODON, RSS, YOUTUBE, GITHUB, STACKEXCHANGE, INGEST`,
			`earshot.yaml:14: namespaces[0].managers[0].input.focus.type: must be one of SALES, MENTIONS, SENTIMENT, CRISIS`,
			`earshot.yaml:16: log.level: must be one of debug, info, warn, error`,
		}},
		{"notices naming missing or foreign connections", "missing-connection.yaml", nil, nil, []string{
			`earshot.yaml:12: namespaces[0].managers[0].notices[1].connection: no connection "slack" in namespace "acme"`,
			`earshot.yaml:13: namespaces[0].managers[0].notices[2].connection: connection belongs to namespace "globex"; a notice may only name a connection of its own namespace`,
			`earshot.yaml:14: namespaces[0].managers[0].notices[3].connection: must be a connection name (namespaces/{namespace}/connections/{connection}) (did you mean "namespaces/acme/connections/crm"?)`,
		}},
		{"duplicate and invalid ids", "duplicates.yaml", nil, nil, []string{
			`earshot.yaml:6: namespaces[0].connections[1].id: duplicate connection id "crm" (first at line 4)`,
			`earshot.yaml:12: namespaces[0].managers[1].id: duplicate manager id "leads" (first at line 9)`,
			`earshot.yaml:15: namespaces[1].id: duplicate namespace id "acme" (first at line 2)`,
			`earshot.yaml:16: namespaces[2].id: invalid id: must hold only lowercase letters, digits and '-', and start with a letter or digit`,
		}},
		{"duplicate keys", "duplicate-key.yaml", nil, nil, []string{
			`earshot.yaml:4: delivery.timeout: duplicate key "timeout" (first at line 3)`,
			`earshot.yaml:5: listen: duplicate key "listen" (first at line 1)`,
		}},
		{"unset variables", "full.yaml", map[string]string{"ACME_API_KEY": acmeKey}, nil, []string{
			`earshot.yaml:12: sources.reddit.client_id: environment variable REDDIT_CLIENT_ID is not set`,
			`earshot.yaml:13: sources.reddit.client_secret: environment variable REDDIT_CLIENT_SECRET is not set`,
			`earshot.yaml:17: sources.twitter.bearer_token: environment variable X_BEARER_TOKEN is not set`,
			`earshot.yaml:20: sources.facebook.access_token: environment variable FACEBOOK_ACCESS_TOKEN is not set`,
			`earshot.yaml:30: namespaces[0].connections[0].headers["X-Advite-Webhook-Secret"]: environment variable CRM_TOKEN is not set`,
			`earshot.yaml:31: namespaces[0].connections[0].secret: environment variable CRM_SIGNING_SECRET is not set`,
		}},
		{"bad references", "bad-reference.yaml", nil, nil, []string{
			`earshot.yaml:1: listen: invalid environment variable reference "${1LISTEN}" (want ${NAME} or ${NAME:-default})`,
			`earshot.yaml:3: redis.url: unterminated "${" (write "$${" for a literal "${")`,
		}},
		{"bad secret from the environment", "full.yaml", func() map[string]string {
			env := exampleEnv()
			env["CRM_SIGNING_SECRET"] = "whsec_c2hvcnQ="
			return env
		}(), nil, []string{
			`earshot.yaml:31: namespaces[0].connections[0].secret: must be "whsec_" followed by the base64 encoding of 24 to 64 random bytes`,
		}},
		{"invalid schedule and query", "env.yaml", map[string]string{"ACME_API_KEY": acmeKey, "CRM_TOKEN": crmToken, "CRM_SIGNING_SECRET": signingSecret, "LEADS_SCHEDULE": "every minute", "LEADS_QUERY": "a AND"},
			[]Option{WithScheduleValidator(everyMinuteOnly)}, []string{
				`earshot.yaml:12: namespaces[0].managers[0].schedule: invalid schedule: expected @every 1m or @every 5m`,
				`earshot.yaml:14: namespaces[0].managers[0].input.query: query: column 6: expected a term, a "phrase" or "(", found end of query`,
			}},
		{"API keys", "api-keys.yaml", nil, nil, []string{
			`earshot.yaml:4: namespaces[0].api_keys[1]: must be at least 16 characters`,
			`earshot.yaml:4: namespaces[0].api_keys[2]: same key as namespaces[0].api_keys[0]`,
			`earshot.yaml:4: namespaces[0].api_keys[3]: must not be empty`,
			`earshot.yaml:6: namespaces[1].api_keys[0]: key is also an API key of namespace "acme"; each key belongs to one namespace`,
			`earshot.yaml:6: namespaces[1].api_keys[1]: key is also an admin API key; each key belongs to one namespace`,
		}},
		{"operator settings", "settings.yaml", nil, nil, []string{
			`earshot.yaml:1: listen: must be host:port, such as :8080 or 127.0.0.1:8080`,
			`earshot.yaml:3: redis.url: must be a redis://, rediss:// or unix:// URL`,
			`earshot.yaml:5: delivery.concurrency: must not be negative`,
			`earshot.yaml:7: sources.reddit: client_id and client_secret must be given together`,
			`earshot.yaml:8: sources.reddit.base_url: must be an absolute URL (https://…)`,
			`earshot.yaml:11: sources.twitter.base_url: scheme must be http or https`,
			`earshot.yaml:13: log.format: must be one of text, json`,
		}},
		{"plain http with require_https", "require-https.yaml", nil, nil, []string{
			`earshot.yaml:9: namespaces[0].connections[1].url: must be an https URL (delivery.require_https is on)`,
		}},
		{"bad REDIS_URL", "minimal.yaml", map[string]string{"REDIS_URL": "https://user:pa55word-redis@example.com"}, nil, []string{
			`earshot.yaml: environment variable REDIS_URL: must be a redis://, rediss:// or unix:// URL`,
		}},
		{"several problems, in line order", "multiple.yaml", nil, nil, []string{
			`earshot.yaml:3: delivery.timeout: invalid duration "forever" (want e.g. 90s, 15m, 24h)`,
			`earshot.yaml:9: namespaces[0].connections[0].secret: must be "whsec_" followed by the base64 encoding of 24 to 64 random bytes`,
			`earshot.yaml:12: namespaces[0].managers[0].source.subreddits[0]: write the subreddit's name without the "r/" prefix`,
			`earshot.yaml:17: namespaces[0].managers[0].notices[0].connection: no connection "slack" in namespace "acme"`,
			`earshot.yaml:18: bogus: unknown field "bogus"`,
		}},
		{"broken list items keep later items in their places", "broken-items.yaml", nil, nil, []string{
			`earshot.yaml:2: delivery.retry_schedule[1]: must not be empty`,
			`earshot.yaml:2: delivery.retry_schedule[2]: must be greater than 0`,
			`earshot.yaml:6: namespaces[0].managers[0]: must be a mapping of keys to values, not "just-a-string"`,
			`earshot.yaml:7: namespaces[0].managers[1]: must not be empty`,
			`earshot.yaml:9: namespaces[0].managers[2].enable: must be true or false, not "nope"`,
			`earshot.yaml:11: namespaces[0].managers[2].input.keywords[1]: must not be empty`,
			`earshot.yaml:12: namespaces[0].managers[3].id: duplicate manager id "leads" (first at line 8)`,
		}},
		// yaml.v3 prints its parser's 0-based line: the problem is on
		// line 4, not 3.
		{"syntax error", "syntax.yaml", nil, nil, []string{
			`earshot.yaml:4: did not find expected key`,
		}},
		{"unclosed flow sequence", "syntax-flow.yaml", nil, nil, []string{
			`earshot.yaml:5: did not find expected node content`,
		}},
		{"not a mapping", "not-a-mapping.yaml", nil, nil, []string{
			`earshot.yaml:1: the configuration must be a mapping of settings (listen: …, namespaces: …)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseFixture(t, tt.file, tt.env, tt.opts...)
			if err == nil {
				t.Fatalf("Parse(%s) succeeded; want problems", tt.file)
			}
			if cfg != nil {
				t.Error("Parse returned a Config with its problems")
			}
			var problems Problems
			if !errors.As(err, &problems) {
				t.Fatalf("error is %T, want Problems", err)
			}
			if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestParseNeverPrintsEnvironmentValues feeds secrets into every kind of
// problem that could quote a value.
func TestParseNeverPrintsEnvironmentValues(t *testing.T) {
	secrets := map[string]string{
		"ACME_API_KEY":       "tooShortSecret", // too short: reported, never shown
		"CRM_TOKEN":          "token-9f8e7d6c5b4a\r\n",
		"CRM_SIGNING_SECRET": "whsec_notbase64-9f8e7d6c5b4a",
		"LEADS_ENABLED":      "enabled-9f8e7d6c5b4a",
		"LEADS_SCHEDULE":     "sched-9f8e7d6c5b4a",
		"BACKFILL":           "backfill-9f8e7d6c5b4a",
		"LEADS_QUERY":        "query-9f8e7d6c5b4a",
		"REDIS_URL":          "redis://:pw-9f8e7d6c5b4a@/x",
	}
	echo := func(v string) error { return errors.New("cannot parse " + v) }
	_, err := parseFixture(t, "env.yaml", secrets, WithScheduleValidator(echo))
	if err == nil {
		t.Fatal("Parse succeeded; want problems")
	}
	out := err.Error()
	for name, v := range secrets {
		if strings.Contains(out, strings.TrimSpace(v)) {
			t.Errorf("the value of %s appears in:\n%s", name, out)
		}
	}
	// LEADS_QUERY's value is a query the matcher accepts (one word).
	if n := len(strings.Split(out, "\n")); n != 7 {
		t.Errorf("%d problems, want one for each of the 7 variables used wrongly:\n%s", n, out)
	}
}

func TestParseREDIS_URLOverrides(t *testing.T) {
	cfg := mustParse(t, "minimal.yaml", map[string]string{"REDIS_URL": "rediss://redis.example.com:6380/2"})
	if cfg.Redis.URL != "rediss://redis.example.com:6380/2" {
		t.Errorf("redis.url = %q, want REDIS_URL's", cfg.Redis.URL)
	}
}

func TestLoad(t *testing.T) {
	for name, v := range exampleEnv() {
		t.Setenv(name, v)
	}
	t.Setenv("REDIS_URL", "")
	data, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "earshot.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != path || cfg.Namespaces[0].APIKeys[0] != acmeKey {
		t.Errorf("Load read %+v", cfg)
	}

	t.Setenv("CRM_SIGNING_SECRET", "bad")
	_, err = Load(path)
	if want := path + ":31: namespaces[0].connections[0].secret: "; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Load with a bad secret: %v; want a problem starting %q", err, want)
	}

	_, err = Load(filepath.Join(t.TempDir(), "missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		name string
		p    Problem
		want string
	}{
		{"full", Problem{"earshot.yaml", 23, "namespaces[0].id", "bad"}, "earshot.yaml:23: namespaces[0].id: bad"},
		{"no line", Problem{"earshot.yaml", 0, "", "bad"}, "earshot.yaml: bad"},
		{"no path", Problem{"earshot.yaml", 4, "", "bad"}, "earshot.yaml:4: bad"},
		{"no file", Problem{"", 4, "listen", "bad"}, "line 4: listen: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	fields := []string{"subreddits", "query", "pages", "include", "backfill", "type", "minScore", "retry_schedule"}
	tests := []struct{ in, want string }{
		{"subredits", "subreddits"},
		{"tpye", "type"},
		{"min_score", "minScore"},
		{"retrySchedule", "retry_schedule"},
		{"Query", "query"},
		{"color", ""},
		{"x", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, fields); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func redditSettings(t *testing.T, m models.Manager) *reddit.Settings {
	t.Helper()
	s, err := sources.Settings[reddit.Settings](&m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
