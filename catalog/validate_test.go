package catalog_test

import (
	"encoding/base64"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources/facebook"
	"github.com/earshothq/earshot/sources/reddit"
)

func secret(n int) string {
	return models.SecretPrefix + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", n)))
}

func validConnection() models.Connection {
	return models.Connection{
		ID:       "crm",
		Nickname: "CRM receiver",
		Type:     models.ConnectionTypeHTTP,
		URL:      "https://crm.example.com/webhooks/earshot",
		Method:   "POST",
		Headers:  map[string]string{"X-Advite-Webhook-Secret": "s3cret"},
		Secret:   secret(32),
	}
}

func TestConnectionValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *models.Connection)
		want   []models.FieldError
	}{
		{"valid", func(c *models.Connection) {}, nil},
		{"minimal", func(c *models.Connection) {
			*c = models.Connection{Type: models.ConnectionTypeHTTP, URL: "http://localhost:9000/hook"}
		}, nil},
		{"wrong type", func(c *models.Connection) { c.Type = "PAGER_CONNECTION" },
			[]models.FieldError{fe("type", "must be one of HTTP_CONNECTION, SLACK_CONNECTION, DISCORD_CONNECTION, TELEGRAM_CONNECTION, EMAIL_CONNECTION")}},
		{"missing type", func(c *models.Connection) { c.Type = "" },
			[]models.FieldError{fe("type", "must be one of HTTP_CONNECTION, SLACK_CONNECTION, DISCORD_CONNECTION, TELEGRAM_CONNECTION, EMAIL_CONNECTION")}},
		{"email with a webhook's fields", func(c *models.Connection) { c.Type = "EMAIL_CONNECTION" },
			[]models.FieldError{fe("url", "a EMAIL_CONNECTION takes no url"), fe("headers", "a EMAIL_CONNECTION takes no headers"),
				fe("smtp.host", "is required"), fe("from", "is required"), fe("to", "needs at least one address")}},
		{"missing url", func(c *models.Connection) { c.URL = "" },
			[]models.FieldError{fe("url", "is required")}},
		{"relative url", func(c *models.Connection) { c.URL = "/webhooks" },
			[]models.FieldError{fe("url", "must be an absolute URL (https://…)")}},
		{"ftp url", func(c *models.Connection) { c.URL = "ftp://example.com/x" },
			[]models.FieldError{fe("url", "scheme must be http or https")}},
		{"url without host", func(c *models.Connection) { c.URL = "https:///path" },
			[]models.FieldError{fe("url", "must have a host")}},
		{"unparsable url", func(c *models.Connection) { c.URL = "https://exa mple.com/%zz" },
			[]models.FieldError{fe("url", "must be a valid URL")}},
		{"PUT", func(c *models.Connection) { c.Method = "PUT" }, nil},
		{"PATCH", func(c *models.Connection) { c.Method = "PATCH" }, nil},
		{"empty method means POST", func(c *models.Connection) { c.Method = "" }, nil},
		{"GET", func(c *models.Connection) { c.Method = "GET" },
			[]models.FieldError{fe("method", "must be one of POST, PUT, PATCH")}},
		{"lowercase method", func(c *models.Connection) { c.Method = "post" },
			[]models.FieldError{fe("method", "must be one of POST, PUT, PATCH")}},
		{"header name not a token", func(c *models.Connection) { c.Headers = map[string]string{"X Token": "v"} },
			[]models.FieldError{fe(`headers["X Token"]`, "header name must be a valid HTTP token (letters, digits and !#$%&'*+-.^_`|~)")}},
		{"empty header name", func(c *models.Connection) { c.Headers = map[string]string{"": "v"} },
			[]models.FieldError{fe(`headers[""]`, "header name must be a valid HTTP token (letters, digits and !#$%&'*+-.^_`|~)")}},
		{"reserved headers, any case", func(c *models.Connection) {
			c.Headers = map[string]string{"content-type": "x", "Content-Length": "1", "Host": "h", "Webhook-Id": "x", "webhook-timestamp": "1", "WEBHOOK-SIGNATURE": "v1,x"}
		}, []models.FieldError{
			fe(`headers["Content-Length"]`, "header is set by Earshot and cannot be overridden"),
			fe(`headers["Host"]`, "header is set by Earshot and cannot be overridden"),
			fe(`headers["WEBHOOK-SIGNATURE"]`, "header is set by Earshot and cannot be overridden"),
			fe(`headers["Webhook-Id"]`, "header is set by Earshot and cannot be overridden"),
			fe(`headers["content-type"]`, "header is set by Earshot and cannot be overridden"),
			fe(`headers["webhook-timestamp"]`, "header is set by Earshot and cannot be overridden"),
		}},
		{"Authorization is allowed", func(c *models.Connection) { c.Headers = map[string]string{"Authorization": "Bearer x"} }, nil},
		{"header value with a line break", func(c *models.Connection) { c.Headers = map[string]string{"X-A": "a\r\nX-Evil: 1"} },
			[]models.FieldError{fe(`headers["X-A"]`, "header value must not contain line breaks or other control characters")}},
		{"header value with a tab", func(c *models.Connection) { c.Headers = map[string]string{"X-A": "a\tb"} }, nil},
		{"secret 24 bytes", func(c *models.Connection) { c.Secret = secret(24) }, nil},
		{"secret 64 bytes", func(c *models.Connection) { c.Secret = secret(64) }, nil},
		{"secret without prefix", func(c *models.Connection) { c.Secret = strings.TrimPrefix(secret(32), models.SecretPrefix) },
			[]models.FieldError{fe("secret", `must be "whsec_" followed by the base64 encoding of 24 to 64 random bytes`)}},
		{"secret too short", func(c *models.Connection) { c.Secret = secret(23) },
			[]models.FieldError{fe("secret", `must be "whsec_" followed by the base64 encoding of 24 to 64 random bytes`)}},
		{"secret too long", func(c *models.Connection) { c.Secret = secret(65) },
			[]models.FieldError{fe("secret", `must be "whsec_" followed by the base64 encoding of 24 to 64 random bytes`)}},
		{"secret not base64", func(c *models.Connection) { c.Secret = "whsec_not base64!!" },
			[]models.FieldError{fe("secret", `must be "whsec_" followed by the base64 encoding of 24 to 64 random bytes`)}},
		{"empty secret is generated later", func(c *models.Connection) { c.Secret = "" }, nil},
		{"several problems at once", func(c *models.Connection) { c.URL = ""; c.Method = "GET"; c.Secret = "whsec_x" },
			[]models.FieldError{fe("secret", `must be "whsec_" followed by the base64 encoding of 24 to 64 random bytes`), fe("url", "is required"), fe("method", "must be one of POST, PUT, PATCH")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConnection()
			tt.mutate(&c)
			if got := catalog.ValidateConnection(&c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate() =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestConnectionValidateNeverEchoesValues(t *testing.T) {
	c := validConnection()
	c.URL = "ftp://user:hunter2hunter2@example.com"
	c.Secret = "whsec_hunter2hunter2"
	c.Headers = map[string]string{"X-Key": "hunter2hunter2\n"}
	for _, fe := range catalog.ValidateConnection(&c) {
		if strings.Contains(fe.Error(), "hunter2") {
			t.Errorf("field error repeats a secret: %s", fe)
		}
	}
}

func validManager() models.Manager {
	return models.Manager{
		ID:       "reddit-leads",
		Nickname: "My Reddit Monitor",
		Type:     models.ManagerTypeFeed,
		Enable:   true,
		Schedule: "@every 1m",
		Source:   models.Source{Type: "REDDIT", Settings: models.SettingsOf(reddit.Settings{Subreddits: []string{"marketing", "smallbusiness"}})},
		Input: models.Input{
			Type:     models.InputTypeStructured,
			URLs:     []string{"https://mycompany.com"},
			Keywords: []string{"social listening"},
			Focus:    models.Focus{Type: "SALES"},
		},
		Notices: []models.Notice{{Type: models.NoticeTypeHTTP, Connection: "namespaces/acme/connections/crm"}},
	}
}

func ptr[T any](v T) *T { return &v }

func TestManagerValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(m *models.Manager)
		want   []models.FieldError
	}{
		{"valid", func(m *models.Manager) {}, nil},
		{"the Advite guide's manager", func(m *models.Manager) {
			*m = models.Manager{Nickname: "My Reddit Monitor", Type: "FEED_MANAGER", Enable: true, Source: models.Source{Type: "REDDIT"},
				Input:   models.Input{Type: "STRUCTURED", URLs: []string{"https://mycompany.com"}, Focus: models.Focus{Type: "SALES"}},
				Notices: []models.Notice{{Type: "HTTP_REQUEST", Connection: "namespaces/ns/connections/c1"}}}
		}, nil},
		{"wrong type", func(m *models.Manager) { m.Type = "STREAM_MANAGER" },
			[]models.FieldError{fe("type", "must be one of FEED_MANAGER")}},
		{"missing source type", func(m *models.Manager) { m.Source = models.Source{} },
			[]models.FieldError{fe("source.type", "must be one of REDDIT, TWITTER, FACEBOOK, HACKERNEWS, BLUESKY, MASTODON, RSS, YOUTUBE, GITHUB, STACKEXCHANGE, INGEST")}},
		{"unknown source type", func(m *models.Manager) { m.Source.Type = "MYSPACE"; m.Source.Settings = nil },
			[]models.FieldError{fe("source.type", "must be one of REDDIT, TWITTER, FACEBOOK, HACKERNEWS, BLUESKY, MASTODON, RSS, YOUTUBE, GITHUB, STACKEXCHANGE, INGEST")}},
		{"reddit with a query only", func(m *models.Manager) { m.Source.Settings = models.SettingsOf(reddit.Settings{Query: "earshot"}) }, nil},
		{"subreddit with r/ prefix", func(m *models.Manager) {
			m.Source.Settings = models.SettingsOf(reddit.Settings{Subreddits: []string{"marketing", "r/startups"}})
		},
			[]models.FieldError{fe("source.subreddits[1]", `write the subreddit's name without the "r/" prefix`)}},
		{"subreddit with /r/ prefix", func(m *models.Manager) {
			m.Source.Settings = models.SettingsOf(reddit.Settings{Subreddits: []string{"/r/startups"}})
		},
			[]models.FieldError{fe("source.subreddits[0]", `write the subreddit's name without the "r/" prefix`)}},
		{"subreddit too short", func(m *models.Manager) {
			m.Source.Settings = models.SettingsOf(reddit.Settings{Subreddits: []string{"x"}})
		},
			[]models.FieldError{fe("source.subreddits[0]", "must be a subreddit name: 2 to 21 letters, digits or '_'")}},
		{"subreddit too long", func(m *models.Manager) {
			m.Source.Settings = models.SettingsOf(reddit.Settings{Subreddits: []string{strings.Repeat("a", 22)}})
		},
			[]models.FieldError{fe("source.subreddits[0]", "must be a subreddit name: 2 to 21 letters, digits or '_'")}},
		{"subreddit with a dash", func(m *models.Manager) {
			m.Source.Settings = models.SettingsOf(reddit.Settings{Subreddits: []string{"small-business"}})
		},
			[]models.FieldError{fe("source.subreddits[0]", "must be a subreddit name: 2 to 21 letters, digits or '_'")}},
		{"subreddit of 21 with underscore", func(m *models.Manager) {
			m.Source.Settings = models.SettingsOf(reddit.Settings{Subreddits: []string{"Ask_" + strings.Repeat("x", 17)}})
		}, nil},
		{"subreddits on a twitter source", func(m *models.Manager) { m.Source.Type = "TWITTER" },
			[]models.FieldError{fe("source.subreddits", "only a REDDIT source takes subreddits")}},
		{"pages on a facebook source", func(m *models.Manager) {
			m.Source = models.Source{Type: "FACEBOOK", Settings: models.SettingsOf(facebook.Settings{Pages: []string{"earshot"}})}
		}, nil},
		{"pages on a reddit source", func(m *models.Manager) { m.Source.Settings["pages"] = []byte(`["earshot"]`) },
			[]models.FieldError{fe("source.pages", "only a FACEBOOK source takes pages")}},
		{"empty page", func(m *models.Manager) {
			m.Source = models.Source{Type: "FACEBOOK", Settings: models.SettingsOf(facebook.Settings{Pages: []string{" "}})}
		},
			[]models.FieldError{fe("source.pages[0]", "must not be empty")}},
		{"include posts and comments", func(m *models.Manager) { m.Source.Include = []string{"posts", "comments"} }, nil},
		{"include something else", func(m *models.Manager) { m.Source.Include = []string{"posts", "votes"} },
			[]models.FieldError{fe("source.include[1]", "must be one of posts, comments")}},
		{"wrong input type", func(m *models.Manager) { m.Input.Type = "FREEFORM" },
			[]models.FieldError{fe("input.type", "must be one of STRUCTURED")}},
		{"no keywords, urls or query", func(m *models.Manager) { m.Input.URLs = nil; m.Input.Keywords = nil },
			[]models.FieldError{fe("input", "needs at least one of keywords, urls or query")}},
		{"query alone", func(m *models.Manager) {
			m.Input.URLs = nil
			m.Input.Keywords = nil
			m.Input.Query = `"earshot" OR "ear shot"`
		}, nil},
		{"keywords alone", func(m *models.Manager) { m.Input.URLs = nil }, nil},
		{"blank keyword", func(m *models.Manager) { m.Input.Keywords = []string{"ok", "  "} },
			[]models.FieldError{fe("input.keywords[1]", "must not be empty")}},
		{"blank exclude", func(m *models.Manager) { m.Input.Excludes = []string{""} },
			[]models.FieldError{fe("input.excludes[0]", "must not be empty")}},
		{"relative input url", func(m *models.Manager) { m.Input.URLs = []string{"mycompany.com"} },
			[]models.FieldError{fe("input.urls[0]", "must be an absolute URL (https://…)")}},
		{"mailto input url", func(m *models.Manager) { m.Input.URLs = []string{"https://ok.example", "mailto:a@b.c"} },
			[]models.FieldError{fe("input.urls[1]", "scheme must be http or https")}},
		{"missing focus type", func(m *models.Manager) { m.Input.Focus.Type = "" },
			[]models.FieldError{fe("input.focus.type", "must be one of SALES, MENTIONS, SENTIMENT, CRISIS")}},
		{"unknown focus type", func(m *models.Manager) { m.Input.Focus.Type = "LEADS" },
			[]models.FieldError{fe("input.focus.type", "must be one of SALES, MENTIONS, SENTIMENT, CRISIS")}},
		{"minScore bounds", func(m *models.Manager) { m.Input.Focus.MinScore = ptr(0.0) }, nil},
		{"minScore above 1", func(m *models.Manager) { m.Input.Focus.MinScore = ptr(1.5) },
			[]models.FieldError{fe("input.focus.minScore", "must be between 0 and 1")}},
		{"threshold below 0", func(m *models.Manager) { m.Input.Focus = models.Focus{Type: "SENTIMENT", Threshold: ptr(-0.1)} },
			[]models.FieldError{fe("input.focus.threshold", "must be a sentiment magnitude from 0 up to (not including) 1")}},
		{"threshold of 1", func(m *models.Manager) { m.Input.Focus = models.Focus{Type: "SENTIMENT", Threshold: ptr(1.0)} },
			[]models.FieldError{fe("input.focus.threshold", "must be a sentiment magnitude from 0 up to (not including) 1")}},
		{"threshold on a SALES focus", func(m *models.Manager) { m.Input.Focus.Threshold = ptr(0.2) },
			[]models.FieldError{fe("input.focus.threshold", "a SALES focus does not read threshold (it is for SENTIMENT, CRISIS)")}},
		{"crisis window under a minute", func(m *models.Manager) { m.Input.Focus = models.Focus{Type: "CRISIS", Window: models.Duration(30e9)} },
			[]models.FieldError{fe("input.focus.window", "must be at least 1m")}},
		{"keyword of punctuation", func(m *models.Manager) { m.Input.Keywords = []string{"!!!"} },
			[]models.FieldError{fe("input.keywords[0]", "must contain a letter or digit (punctuation alone matches nothing)")}},
		{"NaN minScore", func(m *models.Manager) { m.Input.Focus.MinScore = ptr(math.NaN()) },
			[]models.FieldError{fe("input.focus.minScore", "must be between 0 and 1")}},
		{"infinite factor", func(m *models.Manager) { m.Input.Focus = models.Focus{Type: "CRISIS", Factor: math.Inf(1)} },
			[]models.FieldError{fe("input.focus.factor", "must be a number of at least 1")}},
		{"sentiment positive", func(m *models.Manager) {
			m.Input.Focus = models.Focus{Type: "SENTIMENT", Polarity: "POSITIVE", Threshold: ptr(0.9)}
		}, nil},
		{"sentiment without polarity", func(m *models.Manager) { m.Input.Focus = models.Focus{Type: "SENTIMENT"} }, nil},
		{"sentiment lowercase polarity", func(m *models.Manager) { m.Input.Focus = models.Focus{Type: "SENTIMENT", Polarity: "negative"} },
			[]models.FieldError{fe("input.focus.polarity", "must be one of NEGATIVE, POSITIVE")}},
		{"crisis", func(m *models.Manager) {
			m.Input.Focus = models.Focus{Type: "CRISIS", Window: models.Duration(3600e9), Factor: 3, MinPosts: 0, Cooldown: models.Duration(7200e9)}
		}, nil},
		{"crisis factor exactly 1", func(m *models.Manager) { m.Input.Focus = models.Focus{Type: "CRISIS", Factor: 1} }, nil},
		{"crisis factor below 1", func(m *models.Manager) { m.Input.Focus = models.Focus{Type: "CRISIS", Factor: 0.5} },
			[]models.FieldError{fe("input.focus.factor", "must be a number of at least 1")}},
		{"crisis negative minPosts", func(m *models.Manager) { m.Input.Focus = models.Focus{Type: "CRISIS", MinPosts: -1} },
			[]models.FieldError{fe("input.focus.minPosts", "must be at least 1")}},
		{"no notices", func(m *models.Manager) { m.Notices = nil }, nil},
		{"wrong notice type", func(m *models.Manager) { m.Notices[0].Type = "EMAIL" },
			[]models.FieldError{fe("notices[0].type", "must be one of HTTP_REQUEST, SLACK_MESSAGE, DISCORD_MESSAGE, TELEGRAM_MESSAGE, EMAIL_MESSAGE")}},
		{"notice without connection", func(m *models.Manager) { m.Notices[0].Connection = "" },
			[]models.FieldError{fe("notices[0].connection", "is required")}},
		{"notice with a bare id", func(m *models.Manager) { m.Notices[0].Connection = "crm" },
			[]models.FieldError{fe("notices[0].connection", "must be a connection name (namespaces/{namespace}/connections/{connection})")}},
		{"notice naming a manager", func(m *models.Manager) { m.Notices[0].Connection = "namespaces/acme/managers/crm" },
			[]models.FieldError{fe("notices[0].connection", "must be a connection name (namespaces/{namespace}/connections/{connection})")}},
		{"two notices to one connection", func(m *models.Manager) { m.Notices = append(m.Notices, m.Notices[0]) },
			[]models.FieldError{fe("notices[1].connection", "names the same connection as notices[0]")}},
		{"schedule and connection existence are the caller's", func(m *models.Manager) {
			m.Schedule = "whenever"
			m.Notices[0].Connection = "namespaces/elsewhere/connections/missing"
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validManager()
			tt.mutate(&m)
			if got := catalog.ValidateManager(&m, nil); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate() =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func fe(field, description string) models.FieldError {
	return models.FieldError{Field: field, Description: description}
}
