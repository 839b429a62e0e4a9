package slack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/notify/internal/channeltest"
)

// TestAnswers replays Slack's documented incoming-webhook answers.
func TestAnswers(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		ok, retry  bool
		retryAfter time.Duration
		disable    bool
	}{
		{name: "ok", status: 200, body: "ok", ok: true},
		{name: "rate limited", status: 429, header: map[string]string{"Retry-After": "30"}, body: "rate_limited", retry: true, retryAfter: 30 * time.Second},
		{name: "invalid payload is final", status: 400, body: "invalid_payload"},
		{name: "no text is final", status: 400, body: "no_text"},
		{name: "action prohibited disables", status: 403, body: "action_prohibited", disable: true},
		{name: "no service disables", status: 404, body: "no_service", disable: true},
		{name: "archived channel disables", status: 410, body: "channel_is_archived", disable: true},
		{name: "rollup error is retried", status: 500, body: "rollup_error", retry: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got Message
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
				if r.Header.Get("webhook-signature") != "" {
					t.Error("a Slack message is not signed")
				}
				b, _ := io.ReadAll(r.Body)
				if err := json.Unmarshal(b, &got); err != nil {
					t.Errorf("body is not a message: %v", err)
				}
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			conn := &models.Connection{Type: Kind.ConnectionType, URL: srv.URL + "/services/T000/B000/XXXXSECRET"}
			out := channeltest.Build(Kind, true).Send(context.Background(), conn, notify.Message{Body: channeltest.Fixture(t, "scan.json")})
			if out.OK() != tc.ok || out.Retry != tc.retry || out.RetryAfter != tc.retryAfter || (out.Disable != "") != tc.disable {
				t.Fatalf("outcome ok=%v retry=%v after=%s disable=%q err=%v", out.OK(), out.Retry, out.RetryAfter, out.Disable, out.Err)
			}
			if !tc.ok && !strings.Contains(out.Err.Error(), tc.body) {
				t.Errorf("error %q does not say Slack's answer %q", out.Err, tc.body)
			}
			if len(got.Blocks) == 0 || got.Text == "" {
				t.Errorf("message has no blocks or fallback text: %+v", got)
			}
		})
	}
}

// TestEscaping: a post cannot mention, link nor tag.
func TestEscaping(t *testing.T) {
	ev, err := notify.ParseEvent(channeltest.Fixture(t, "scan.json"))
	if err != nil {
		t.Fatal(err)
	}
	text := texts(Render(ev))
	for _, bad := range []string{"<!channel>", "<@U0123>", "<@&42>", "<script>", "<b>", "<!here>", "javascript:"} {
		if strings.Contains(text, bad) {
			t.Errorf("rendered message contains %q:\n%s", bad, text)
		}
	}
	for _, want := range []string{
		"&lt;!channel&gt;",
		"&lt;@U0123&gt;",
		// The post's own link: escaped, its | cannot end the URL.
		"<https://reddit.com/r/marketing/comments/123456/recs_needed?a=1&amp;b=&lt;2&gt;%7Cx|&lt;!channel&gt; Recs needed",
		"SALES", "87%", "SEEKING", "reddit-leads",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered message lacks %q:\n%s", want, text)
		}
	}
	// The author's javascript: URL is not a link: their name is plain text.
	if !strings.Contains(text, "by _marketing_pro_ &lt;@&amp;42&gt;") {
		t.Errorf("author not rendered as escaped plain text:\n%s", text)
	}
}

// texts is every text of a message, as Slack would read it.
func texts(m Message) string {
	var all strings.Builder
	all.WriteString(m.Text)
	for _, bl := range m.Blocks {
		if bl.Text != nil {
			all.WriteString("\n" + bl.Text.Text)
		}
		for _, f := range append(bl.Fields, bl.Elements...) {
			all.WriteString("\n" + f.Text)
		}
	}
	return all.String()
}

func TestSpikeIsItsOwnMessage(t *testing.T) {
	ev, err := notify.ParseEvent(channeltest.Fixture(t, "spike.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := Render(ev)
	if m.Blocks[0].Type != "header" || !strings.Contains(m.Blocks[0].Text.Text, "42 negative posts") {
		t.Fatalf("spike header: %+v", m.Blocks[0])
	}
	b := texts(m)
	for _, want := range []string{"brand-crisis", "baseline* 3.5", "12.0×", "Top posts", "<https://x.com/u/status/1|Acme deleted my data @everyone &lt;b&gt;", "angry &lt;@1&gt;"} {
		if !strings.Contains(b, want) {
			t.Errorf("spike message lacks %q: %s", want, b)
		}
	}
	if strings.Contains(b, "<b>") {
		t.Error("spike top post not escaped")
	}
}

func TestTestEvent(t *testing.T) {
	body, _ := json.Marshal(notify.TestEvent("namespaces/acme/connections/slack", "chal-123"))
	ev, _ := notify.ParseEvent(body)
	b, _ := json.Marshal(Render(ev))
	if !strings.Contains(string(b), "chal-123") {
		t.Errorf("test message lacks the challenge: %s", b)
	}
}

// TestGuard: a webhook URL on a private address is refused at dial time,
// for good, and the error does not repeat the webhook's secret path.
func TestGuard(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("private target reached") }))
	defer srv.Close()
	conn := &models.Connection{Type: Kind.ConnectionType, URL: srv.URL + "/services/T000/B000/XXXXSECRET"}
	out := channeltest.Build(Kind, false).Send(context.Background(), conn, notify.Message{Body: channeltest.Fixture(t, "scan.json")})
	if !errors.Is(out.Err, notify.ErrPrivateTarget) || out.Retry {
		t.Fatalf("outcome: retry=%v err=%v", out.Retry, out.Err)
	}
	if strings.Contains(out.Err.Error(), "XXXXSECRET") {
		t.Errorf("error repeats the webhook's path: %v", out.Err)
	}
}

func TestValidate(t *testing.T) {
	cs := notify.NewChannels(notify.Webhook, Kind)
	for _, tc := range []struct {
		name  string
		conn  models.Connection
		field string
	}{
		{"ok", models.Connection{Type: "SLACK_CONNECTION", URL: "https://hooks.slack.com/services/T/B/X"}, ""},
		{"no url", models.Connection{Type: "SLACK_CONNECTION"}, "url"},
		{"headers refused", models.Connection{Type: "SLACK_CONNECTION", URL: "https://hooks.slack.com/services/T/B/X", Headers: map[string]string{"A": "b"}}, "headers"},
		{"unknown setting", models.Connection{Type: "SLACK_CONNECTION", URL: "https://hooks.slack.com/x", Settings: models.Settings{"chatId": json.RawMessage(`"1"`)}}, "chatId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := cs.ValidateConnection(&tc.conn)
			if tc.field == "" && len(errs) > 0 || tc.field != "" && (len(errs) == 0 || errs[0].Field != tc.field) {
				t.Errorf("errors %v, want one for %q", errs, tc.field)
			}
		})
	}
}

// TestLimits: escaping cannot push a section past Slack's 3000
// characters.
func TestLimits(t *testing.T) {
	p := models.Post{Type: "REDDIT_LINK", Title: strings.Repeat("&", 1000), Text: strings.Repeat("<>", 5000), URL: "https://reddit.com/x"}
	m := Render(&notify.EventView{Type: "SCAN", Name: "namespaces/a/managers/m/scans/s", Post: &p})
	for _, b := range m.Blocks {
		if b.Text != nil && len([]rune(b.Text.Text)) > 3000 {
			t.Errorf("%s block of %d characters", b.Type, len([]rune(b.Text.Text)))
		}
	}
}
