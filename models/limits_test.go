package models

import (
	"strings"
	"testing"
)

// Every field is bounded, and the 400 names the field and the limit.
func TestFieldLimits(t *testing.T) {
	okConn := func() Connection { return Connection{Type: ConnectionTypeHTTP, URL: "https://example.com/hook"} }
	okMgr := func() Manager {
		return Manager{Type: ManagerTypeFeed, Source: Source{Type: "REDDIT"},
			Input: Input{Type: InputTypeStructured, Keywords: []string{"acme"}, Focus: Focus{Type: "MENTIONS"}}}
	}
	many := func(n int, s string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = s
		}
		return out
	}
	headers := func(n int) map[string]string {
		h := map[string]string{}
		for i := range n {
			h["X-H"+strings.Repeat("a", i%10)+string(rune('a'+i%26))+string(rune('a'+i/26))] = "v"
		}
		return h
	}
	for _, tc := range []struct {
		name  string
		conn  func(*Connection)
		mgr   func(*Manager)
		field string
		want  string
	}{
		{name: "url too long", conn: func(c *Connection) { c.URL = "https://example.com/" + strings.Repeat("a", MaxURLLength) }, field: "url", want: "at most 2048 bytes"},
		{name: "port 99999", conn: func(c *Connection) { c.URL = "https://example.com:99999/hook" }, field: "url", want: "port must be a number from 1 to 65535"},
		{name: "port 0", conn: func(c *Connection) { c.URL = "http://example.com:0/" }, field: "url", want: "port must be"},
		{name: "NUL in a connection nickname", conn: func(c *Connection) { c.Nickname = "CRM\x00" }, field: "nickname", want: "control characters"},
		{name: "invalid UTF-8 nickname", conn: func(c *Connection) { c.Nickname = "CRM \xff" }, field: "nickname", want: "valid UTF-8"},
		{name: "nickname too long", conn: func(c *Connection) { c.Nickname = strings.Repeat("é", MaxNicknameLength+1) }, field: "nickname", want: "at most 200 characters"},
		{name: "too many headers", conn: func(c *Connection) { c.Headers = headers(MaxHeaders + 1) }, field: "headers", want: "at most 50 headers"},
		{name: "header value too long", conn: func(c *Connection) {
			c.Headers = map[string]string{"X-Token": strings.Repeat("a", MaxHeaderValueLength+1)}
		}, field: `headers["X-Token"]`, want: "at most 4096 bytes"},
		{name: "header name too long", conn: func(c *Connection) {
			c.Headers = map[string]string{"X" + strings.Repeat("a", MaxHeaderNameLength): "v"}
		}, field: "headers[", want: "at most 256 bytes"},

		{name: "NUL in a manager nickname", mgr: func(m *Manager) { m.Nickname = "a\x00b" }, field: "nickname", want: "control characters"},
		{name: "too many keywords", mgr: func(m *Manager) { m.Input.Keywords = many(MaxKeywords+1, "acme") }, field: "input.keywords", want: "at most 200 entries"},
		{name: "keyword too long", mgr: func(m *Manager) { m.Input.Keywords = []string{strings.Repeat("a", MaxKeywordLength+1)} }, field: "input.keywords[0]", want: "at most 200 characters"},
		{name: "too many excludes", mgr: func(m *Manager) { m.Input.Excludes = many(MaxKeywords+1, "spam") }, field: "input.excludes", want: "at most 200 entries"},
		{name: "too many urls", mgr: func(m *Manager) { m.Input.URLs = many(MaxInputURLs+1, "https://acme.com") }, field: "input.urls", want: "at most 20 URLs"},
		{name: "input url port", mgr: func(m *Manager) { m.Input.URLs = []string{"https://acme.com:70000"} }, field: "input.urls[0]", want: "port must be"},
		{name: "source query too long", mgr: func(m *Manager) { m.Source.Settings.Set("query", strings.Repeat("a ", MaxSourceQueryLength)) }, field: "source.query", want: "at most 1024 bytes"},
		{name: "too many subreddits", mgr: func(m *Manager) { m.Source.Settings.Set("subreddits", many(MaxSourceListLength+1, "marketing")) }, field: "source.subreddits", want: "at most 100 entries"},
		{name: "NUL in a page", mgr: func(m *Manager) { m.Source.Settings.Set("pages", []string{"acme\x00"}) }, field: "source.pages[0]", want: "control characters"},
		{name: "too many notices", mgr: func(m *Manager) {
			for i := range MaxNotices + 1 {
				m.Notices = append(m.Notices, Notice{Type: NoticeTypeHTTP, Connection: ConnectionName("a", "c"+strings.Repeat("x", i))})
			}
		}, field: "notices", want: "at most 50 notices"},
		{name: "schedule too long", mgr: func(m *Manager) { m.Schedule = "@every " + strings.Repeat("1", MaxScheduleLength) + "s" }, field: "schedule", want: "at most 200 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var errs []FieldError
			if tc.conn != nil {
				c := okConn()
				if e := c.Validate(); len(e) > 0 {
					t.Fatalf("base connection invalid: %v", e)
				}
				tc.conn(&c)
				errs = c.Validate()
				// The URL is its channel kind's (notify.Webhook calls CheckURL).
				if msg := CheckURL(c.URL); msg != "" {
					errs = append(errs, FieldError{Field: "url", Description: msg})
				}
			} else {
				m := okMgr()
				if e := m.Validate(); len(e) > 0 {
					t.Fatalf("base manager invalid: %v", e)
				}
				tc.mgr(&m)
				errs = m.Validate()
			}
			for _, e := range errs {
				if strings.HasPrefix(e.Field, tc.field) && strings.Contains(e.Description, tc.want) {
					return
				}
			}
			t.Errorf("no error %s: …%s…; got %v", tc.field, tc.want, errs)
		})
	}
}
