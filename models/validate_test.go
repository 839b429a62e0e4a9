package models

import (
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
)

// secret returns a well-formed signing secret of n random-looking bytes.
func secret(n int) string {
	return SecretPrefix + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", n)))
}

func validConnection() Connection {
	return Connection{
		ID:       "crm",
		Nickname: "CRM receiver",
		Type:     ConnectionTypeHTTP,
		URL:      "https://crm.example.com/webhooks/earshot",
		Method:   "POST",
		Headers:  map[string]string{"X-Advite-Webhook-Secret": "s3cret"},
		Secret:   secret(32),
	}
}

func TestConnectionValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Connection)
		want   []FieldError
	}{
		{"valid", func(c *Connection) {}, nil},
		{"minimal", func(c *Connection) { *c = Connection{Type: ConnectionTypeHTTP, URL: "http://localhost:9000/hook"} }, nil},
		{"wrong type", func(c *Connection) { c.Type = "EMAIL_CONNECTION" },
			[]FieldError{{"type", "must be one of HTTP_CONNECTION"}}},
		{"missing type", func(c *Connection) { c.Type = "" },
			[]FieldError{{"type", "must be one of HTTP_CONNECTION"}}},
		{"missing url", func(c *Connection) { c.URL = "" },
			[]FieldError{{"url", "is required"}}},
		{"relative url", func(c *Connection) { c.URL = "/webhooks" },
			[]FieldError{{"url", "must be an absolute URL (https://…)"}}},
		{"ftp url", func(c *Connection) { c.URL = "ftp://example.com/x" },
			[]FieldError{{"url", "scheme must be http or https"}}},
		{"url without host", func(c *Connection) { c.URL = "https:///path" },
			[]FieldError{{"url", "must have a host"}}},
		{"unparsable url", func(c *Connection) { c.URL = "https://exa mple.com/%zz" },
			[]FieldError{{"url", "must be a valid URL"}}},
		{"PUT", func(c *Connection) { c.Method = "PUT" }, nil},
		{"PATCH", func(c *Connection) { c.Method = "PATCH" }, nil},
		{"empty method means POST", func(c *Connection) { c.Method = "" }, nil},
		{"GET", func(c *Connection) { c.Method = "GET" },
			[]FieldError{{"method", "must be one of POST, PUT, PATCH"}}},
		{"lowercase method", func(c *Connection) { c.Method = "post" },
			[]FieldError{{"method", "must be one of POST, PUT, PATCH"}}},
		{"header name not a token", func(c *Connection) { c.Headers = map[string]string{"X Token": "v"} },
			[]FieldError{{`headers["X Token"]`, "header name must be a valid HTTP token (letters, digits and !#$%&'*+-.^_`|~)"}}},
		{"empty header name", func(c *Connection) { c.Headers = map[string]string{"": "v"} },
			[]FieldError{{`headers[""]`, "header name must be a valid HTTP token (letters, digits and !#$%&'*+-.^_`|~)"}}},
		{"reserved headers, any case", func(c *Connection) {
			c.Headers = map[string]string{"content-type": "x", "Content-Length": "1", "Host": "h", "Webhook-Id": "x", "webhook-timestamp": "1", "WEBHOOK-SIGNATURE": "v1,x"}
		}, []FieldError{
			{`headers["Content-Length"]`, "header is set by Earshot and cannot be overridden"},
			{`headers["Host"]`, "header is set by Earshot and cannot be overridden"},
			{`headers["WEBHOOK-SIGNATURE"]`, "header is set by Earshot and cannot be overridden"},
			{`headers["Webhook-Id"]`, "header is set by Earshot and cannot be overridden"},
			{`headers["content-type"]`, "header is set by Earshot and cannot be overridden"},
			{`headers["webhook-timestamp"]`, "header is set by Earshot and cannot be overridden"},
		}},
		{"Authorization is allowed", func(c *Connection) { c.Headers = map[string]string{"Authorization": "Bearer x"} }, nil},
		{"header value with a line break", func(c *Connection) { c.Headers = map[string]string{"X-A": "a\r\nX-Evil: 1"} },
			[]FieldError{{`headers["X-A"]`, "header value must not contain line breaks or other control characters"}}},
		{"header value with a tab", func(c *Connection) { c.Headers = map[string]string{"X-A": "a\tb"} }, nil},
		{"secret 24 bytes", func(c *Connection) { c.Secret = secret(24) }, nil},
		{"secret 64 bytes", func(c *Connection) { c.Secret = secret(64) }, nil},
		{"secret without prefix", func(c *Connection) { c.Secret = strings.TrimPrefix(secret(32), SecretPrefix) },
			[]FieldError{{"secret", `must be "whsec_" followed by the base64 encoding of 24 to 64 random bytes`}}},
		{"secret too short", func(c *Connection) { c.Secret = secret(23) },
			[]FieldError{{"secret", `must be "whsec_" followed by the base64 encoding of 24 to 64 random bytes`}}},
		{"secret too long", func(c *Connection) { c.Secret = secret(65) },
			[]FieldError{{"secret", `must be "whsec_" followed by the base64 encoding of 24 to 64 random bytes`}}},
		{"secret not base64", func(c *Connection) { c.Secret = "whsec_not base64!!" },
			[]FieldError{{"secret", `must be "whsec_" followed by the base64 encoding of 24 to 64 random bytes`}}},
		{"empty secret is generated later", func(c *Connection) { c.Secret = "" }, nil},
		{"several problems at once", func(c *Connection) { c.Type = ""; c.URL = ""; c.Method = "GET" },
			[]FieldError{{"type", "must be one of HTTP_CONNECTION"}, {"url", "is required"}, {"method", "must be one of POST, PUT, PATCH"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConnection()
			tt.mutate(&c)
			if got := c.Validate(); !reflect.DeepEqual(got, tt.want) {
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
	for _, fe := range c.Validate() {
		if strings.Contains(fe.Error(), "hunter2") {
			t.Errorf("field error repeats a secret: %s", fe)
		}
	}
}

func validManager() Manager {
	return Manager{
		ID:       "reddit-leads",
		Nickname: "My Reddit Monitor",
		Type:     ManagerTypeFeed,
		Enable:   true,
		Schedule: "@every 1m",
		Source:   Source{Type: SourceReddit, Subreddits: []string{"marketing", "smallbusiness"}},
		Input: Input{
			Type:     InputTypeStructured,
			URLs:     []string{"https://mycompany.com"},
			Keywords: []string{"social listening"},
			Focus:    Focus{Type: FocusSales},
		},
		Notices: []Notice{{Type: NoticeTypeHTTP, Connection: "namespaces/acme/connections/crm"}},
	}
}

func ptr[T any](v T) *T { return &v }

func TestManagerValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(m *Manager)
		want   []FieldError
	}{
		{"valid", func(m *Manager) {}, nil},
		{"the Advite guide's manager", func(m *Manager) {
			*m = Manager{Nickname: "My Reddit Monitor", Type: "FEED_MANAGER", Enable: true, Source: Source{Type: "REDDIT"},
				Input:   Input{Type: "STRUCTURED", URLs: []string{"https://mycompany.com"}, Focus: Focus{Type: "SALES"}},
				Notices: []Notice{{Type: "HTTP_REQUEST", Connection: "namespaces/ns/connections/c1"}}}
		}, nil},
		{"wrong type", func(m *Manager) { m.Type = "STREAM_MANAGER" },
			[]FieldError{{"type", "must be one of FEED_MANAGER"}}},
		{"missing source type", func(m *Manager) { m.Source = Source{} },
			[]FieldError{{"source.type", "must be one of REDDIT, TWITTER, FACEBOOK, HACKERNEWS, INGEST"}}},
		{"unknown source type", func(m *Manager) { m.Source.Type = "MASTODON"; m.Source.Subreddits = nil },
			[]FieldError{{"source.type", "must be one of REDDIT, TWITTER, FACEBOOK, HACKERNEWS, INGEST"}}},
		{"reddit with a query only", func(m *Manager) { m.Source.Subreddits = nil; m.Source.Query = "earshot" }, nil},
		{"subreddit with r/ prefix", func(m *Manager) { m.Source.Subreddits = []string{"marketing", "r/startups"} },
			[]FieldError{{"source.subreddits[1]", `write the subreddit's name without the "r/" prefix`}}},
		{"subreddit with /r/ prefix", func(m *Manager) { m.Source.Subreddits = []string{"/r/startups"} },
			[]FieldError{{"source.subreddits[0]", `write the subreddit's name without the "r/" prefix`}}},
		{"subreddit too short", func(m *Manager) { m.Source.Subreddits = []string{"x"} },
			[]FieldError{{"source.subreddits[0]", "must be a subreddit name: 2 to 21 letters, digits or '_'"}}},
		{"subreddit too long", func(m *Manager) { m.Source.Subreddits = []string{strings.Repeat("a", 22)} },
			[]FieldError{{"source.subreddits[0]", "must be a subreddit name: 2 to 21 letters, digits or '_'"}}},
		{"subreddit with a dash", func(m *Manager) { m.Source.Subreddits = []string{"small-business"} },
			[]FieldError{{"source.subreddits[0]", "must be a subreddit name: 2 to 21 letters, digits or '_'"}}},
		{"subreddit of 21 with underscore", func(m *Manager) { m.Source.Subreddits = []string{"Ask_" + strings.Repeat("x", 17)} }, nil},
		{"subreddits on a twitter source", func(m *Manager) { m.Source.Type = SourceTwitter },
			[]FieldError{{"source.subreddits", "only a REDDIT source takes subreddits"}}},
		{"pages on a facebook source", func(m *Manager) { m.Source = Source{Type: SourceFacebook, Pages: []string{"earshot"}} }, nil},
		{"pages on a reddit source", func(m *Manager) { m.Source.Pages = []string{"earshot"} },
			[]FieldError{{"source.pages", "only a FACEBOOK source takes pages"}}},
		{"empty page", func(m *Manager) { m.Source = Source{Type: SourceFacebook, Pages: []string{" "}} },
			[]FieldError{{"source.pages[0]", "must not be empty"}}},
		{"include posts and comments", func(m *Manager) { m.Source.Include = []string{"posts", "comments"} }, nil},
		{"include something else", func(m *Manager) { m.Source.Include = []string{"posts", "votes"} },
			[]FieldError{{"source.include[1]", "must be one of posts, comments"}}},
		{"wrong input type", func(m *Manager) { m.Input.Type = "FREEFORM" },
			[]FieldError{{"input.type", "must be one of STRUCTURED"}}},
		{"no keywords, urls or query", func(m *Manager) { m.Input.URLs = nil; m.Input.Keywords = nil },
			[]FieldError{{"input", "needs at least one of keywords, urls or query"}}},
		{"query alone", func(m *Manager) {
			m.Input.URLs = nil
			m.Input.Keywords = nil
			m.Input.Query = `"earshot" OR "ear shot"`
		}, nil},
		{"keywords alone", func(m *Manager) { m.Input.URLs = nil }, nil},
		{"blank keyword", func(m *Manager) { m.Input.Keywords = []string{"ok", "  "} },
			[]FieldError{{"input.keywords[1]", "must not be empty"}}},
		{"blank exclude", func(m *Manager) { m.Input.Excludes = []string{""} },
			[]FieldError{{"input.excludes[0]", "must not be empty"}}},
		{"relative input url", func(m *Manager) { m.Input.URLs = []string{"mycompany.com"} },
			[]FieldError{{"input.urls[0]", "must be an absolute URL (https://…)"}}},
		{"mailto input url", func(m *Manager) { m.Input.URLs = []string{"https://ok.example", "mailto:a@b.c"} },
			[]FieldError{{"input.urls[1]", "scheme must be http or https"}}},
		{"missing focus type", func(m *Manager) { m.Input.Focus.Type = "" },
			[]FieldError{{"input.focus.type", "must be one of SALES, MENTIONS, SENTIMENT, CRISIS"}}},
		{"unknown focus type", func(m *Manager) { m.Input.Focus.Type = "LEADS" },
			[]FieldError{{"input.focus.type", "must be one of SALES, MENTIONS, SENTIMENT, CRISIS"}}},
		{"minScore bounds", func(m *Manager) { m.Input.Focus.MinScore = ptr(0.0) }, nil},
		{"minScore above 1", func(m *Manager) { m.Input.Focus.MinScore = ptr(1.5) },
			[]FieldError{{"input.focus.minScore", "must be between 0 and 1"}}},
		{"threshold below 0", func(m *Manager) { m.Input.Focus.Threshold = ptr(-0.1) },
			[]FieldError{{"input.focus.threshold", "must be between 0 and 1"}}},
		{"sentiment positive", func(m *Manager) {
			m.Input.Focus = Focus{Type: FocusSentiment, Polarity: PolarityPositive, Threshold: ptr(1.0)}
		}, nil},
		{"sentiment without polarity", func(m *Manager) { m.Input.Focus = Focus{Type: FocusSentiment} }, nil},
		{"sentiment lowercase polarity", func(m *Manager) { m.Input.Focus = Focus{Type: FocusSentiment, Polarity: "negative"} },
			[]FieldError{{"input.focus.polarity", "must be one of NEGATIVE, POSITIVE"}}},
		{"crisis", func(m *Manager) {
			m.Input.Focus = Focus{Type: FocusCrisis, Window: Duration(3600e9), Factor: 3, MinPosts: 0, Cooldown: Duration(7200e9)}
		}, nil},
		{"crisis factor exactly 1", func(m *Manager) { m.Input.Focus = Focus{Type: FocusCrisis, Factor: 1} }, nil},
		{"crisis factor below 1", func(m *Manager) { m.Input.Focus = Focus{Type: FocusCrisis, Factor: 0.5} },
			[]FieldError{{"input.focus.factor", "must be at least 1"}}},
		{"crisis negative minPosts", func(m *Manager) { m.Input.Focus = Focus{Type: FocusCrisis, MinPosts: -1} },
			[]FieldError{{"input.focus.minPosts", "must not be negative"}}},
		{"no notices", func(m *Manager) { m.Notices = nil }, nil},
		{"wrong notice type", func(m *Manager) { m.Notices[0].Type = "EMAIL" },
			[]FieldError{{"notices[0].type", "must be one of HTTP_REQUEST"}}},
		{"notice without connection", func(m *Manager) { m.Notices[0].Connection = "" },
			[]FieldError{{"notices[0].connection", "is required"}}},
		{"notice with a bare id", func(m *Manager) { m.Notices[0].Connection = "crm" },
			[]FieldError{{"notices[0].connection", "must be a connection name (namespaces/{namespace}/connections/{connection})"}}},
		{"notice naming a manager", func(m *Manager) { m.Notices[0].Connection = "namespaces/acme/managers/crm" },
			[]FieldError{{"notices[0].connection", "must be a connection name (namespaces/{namespace}/connections/{connection})"}}},
		{"two notices to one connection", func(m *Manager) { m.Notices = append(m.Notices, m.Notices[0]) },
			[]FieldError{{"notices[1].connection", "names the same connection as notices[0]"}}},
		{"schedule and connection existence are the caller's", func(m *Manager) {
			m.Schedule = "whenever"
			m.Notices[0].Connection = "namespaces/elsewhere/connections/missing"
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validManager()
			tt.mutate(&m)
			if got := m.Validate(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate() =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestValidID(t *testing.T) {
	tests := []struct {
		id      string
		wantErr string
	}{
		{"acme", ""},
		{"a", ""},
		{"0day", ""},
		{"reddit-leads-2", ""},
		{strings.Repeat("a", 63), ""},
		{"", "invalid id: must not be empty"},
		{strings.Repeat("a", 64), "invalid id: must be at most 63 characters"},
		{"Acme", "invalid id: must hold only lowercase letters, digits and '-', and start with a letter or digit"},
		{"-acme", "invalid id: must hold only lowercase letters, digits and '-', and start with a letter or digit"},
		{"ac_me", "invalid id: must hold only lowercase letters, digits and '-', and start with a letter or digit"},
		{"ac/me", "invalid id: must hold only lowercase letters, digits and '-', and start with a letter or digit"},
		{"acmé", "invalid id: must hold only lowercase letters, digits and '-', and start with a letter or digit"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			err := ValidID(tt.id)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("ValidID(%q) = %q, want %q", tt.id, got, tt.wantErr)
			}
		})
	}
}

func TestDefaultsAndApplyDefaults(t *testing.T) {
	d := DefaultManager()
	if !d.Enable || d.Type != ManagerTypeFeed || d.Input.Type != InputTypeStructured {
		t.Errorf("DefaultManager() = %+v; want enabled FEED_MANAGER with STRUCTURED input", d)
	}

	m := Manager{Notices: []Notice{{Connection: "namespaces/a/connections/b"}, {Type: "OTHER"}}}
	m.ApplyDefaults()
	if m.Type != ManagerTypeFeed || m.Input.Type != InputTypeStructured || m.Notices[0].Type != NoticeTypeHTTP || m.Notices[1].Type != "OTHER" {
		t.Errorf("ApplyDefaults() = %+v", m)
	}
	if m.Enable {
		t.Error("ApplyDefaults() turned enable on; only a decoder's starting point (DefaultManager) does")
	}

	c := Connection{Method: "PUT"}
	c.ApplyDefaults()
	if c.Type != ConnectionTypeHTTP || c.Method != "PUT" {
		t.Errorf("ApplyDefaults() = %+v", c)
	}
	c = Connection{}
	c.ApplyDefaults()
	if c.Method != "POST" {
		t.Errorf("ApplyDefaults() method = %q, want POST", c.Method)
	}
}

func TestFieldErrorError(t *testing.T) {
	if got := (FieldError{Field: "input.focus.type", Description: "must be one of SALES"}).Error(); got != "input.focus.type: must be one of SALES" {
		t.Errorf("Error() = %q", got)
	}
}
