package telegram

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

const token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

func conn(base string, chat any) *models.Connection {
	return &models.Connection{Type: Kind.ConnectionType, Settings: models.SettingsOf(map[string]any{"botToken": token, "chatId": chat, "baseUrl": base})}
}

// TestAnswers replays the Bot API's documented answers.
func TestAnswers(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		body       string
		ok, retry  bool
		retryAfter time.Duration
		disable    string
		errHas     string
	}{
		{name: "sent", status: 200, body: `{"ok":true,"result":{"message_id":7,"chat":{"id":-1001234567890,"type":"supergroup"},"date":1781352600,"text":"x"}}`, ok: true},
		{name: "flood control", status: 429, body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 35","parameters":{"retry_after":35}}`, retry: true, retryAfter: 35 * time.Second, errHas: "retry after 35"},
		{name: "bad html is final", status: 400, body: `{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 3"}`, errHas: "can't parse entities"},
		{name: "chat not found is final", status: 400, body: `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`, errHas: "chat not found"},
		{name: "kicked from the chat disables", status: 403, body: `{"ok":false,"error_code":403,"description":"Forbidden: bot was kicked from the supergroup chat"}`, disable: "kicked", errHas: "kicked"},
		{name: "blocked by the user disables", status: 403, body: `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`, disable: "blocked"},
		{name: "migrated group disables with the new id", status: 400, body: `{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1009876543210}}`, disable: "-1009876543210"},
		{name: "revoked token disables", status: 401, body: `{"ok":false,"error_code":401,"description":"Unauthorized"}`, disable: "token"},
		{name: "server error retried", status: 502, body: `<html>Bad Gateway</html>`, retry: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got sendMessage
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.URL.Path != "/bot"+token+"/sendMessage" {
					t.Errorf("request %s %s", r.Method, r.URL.Path)
				}
				b, _ := io.ReadAll(r.Body)
				if err := json.Unmarshal(b, &got); err != nil {
					t.Errorf("body: %v", err)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			out := channeltest.Build(Kind, true).Send(context.Background(), conn(srv.URL, -1001234567890), notify.Message{Body: channeltest.Fixture(t, "scan.json")})
			if out.OK() != tc.ok || out.Retry != tc.retry || out.RetryAfter != tc.retryAfter || (out.Disable != "") != (tc.disable != "") {
				t.Fatalf("outcome ok=%v retry=%v after=%s disable=%q err=%v", out.OK(), out.Retry, out.RetryAfter, out.Disable, out.Err)
			}
			if !strings.Contains(out.Disable, tc.disable) {
				t.Errorf("disable reason %q lacks %q", out.Disable, tc.disable)
			}
			if tc.errHas != "" && !strings.Contains(out.Err.Error(), tc.errHas) {
				t.Errorf("error %q lacks %q", out.Err, tc.errHas)
			}
			if got.ChatID != "-1001234567890" || got.ParseMode != "HTML" || !got.LinkPreviewOptions.IsDisabled || got.Text == "" {
				t.Errorf("sendMessage %+v", got)
			}
		})
	}
}

// TestTokenNeverPrinted: whatever fails, the error (which becomes the
// delivery's lastError and the log line) does not carry the token.
func TestTokenNeverPrinted(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(500 * time.Millisecond) }))
	defer slow.Close()
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		io.WriteString(w, `{"ok":false,"error_code":400,"description":"Bad Request: `+r.URL.Path+`"}`)
	}))
	defer echo.Close()
	for _, tc := range []struct {
		name         string
		base         string
		allowPrivate bool
		timeout      time.Duration
		is           error
	}{
		{"connection refused", closed.URL, true, 0, nil},
		{"timeout", slow.URL, true, 100 * time.Millisecond, notify.ErrTimeout},
		{"private address", echo.URL, false, 0, notify.ErrPrivateTarget},
		{"answer repeats the path", echo.URL, true, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := channeltest.Build(Kind, tc.allowPrivate).Send(context.Background(), conn(tc.base, "@earshot_alerts"), notify.Message{Body: channeltest.Fixture(t, "scan.json"), Timeout: tc.timeout})
			if out.OK() {
				t.Fatal("succeeded")
			}
			if tc.is != nil && !errors.Is(out.Err, tc.is) {
				t.Errorf("error %v is not %v", out.Err, tc.is)
			}
			if strings.Contains(out.Err.Error(), token) || strings.Contains(out.Body, token) || strings.Contains(out.Disable, token) {
				t.Errorf("token printed: err=%q body=%q", out.Err, out.Body)
			}
			if strings.Contains(out.Err.Error(), "AAHdq") {
				t.Errorf("part of the token printed: %q", out.Err)
			}
		})
	}
}

// TestEscaping: the HTML has no tag nor link of the post's own.
func TestEscaping(t *testing.T) {
	ev, _ := notify.ParseEvent(channeltest.Fixture(t, "scan.json"))
	text := Render(ev)
	for _, bad := range []string{"<script>", "<b>now</b>", `<a href="x">`, "<tg-spoiler>", `href="javascript:`} {
		if strings.Contains(text, bad) {
			t.Errorf("rendered HTML contains %q:\n%s", bad, text)
		}
	}
	for _, want := range []string{
		`<b><a href="https://reddit.com/r/marketing/comments/123456/recs_needed?a=1&amp;b=&lt;2&gt;|x">&lt;!channel&gt; Recs needed @everyone &lt;b&gt;now&lt;/b&gt; &amp; [click](https://evil.example) &lt;a href=&#34;x&#34;&gt;</a></b>`,
		"&lt;script&gt;", "by _marketing_pro_ &lt;@&amp;42&gt;", "SALES 87%", "SEEKING", "<code>reddit-leads</code>",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered HTML lacks %q:\n%s", want, text)
		}
	}
	// Only the tags we write: b, a, i, code.
	for _, tag := range strings.Split(text, "<")[1:] {
		name := strings.TrimPrefix(strings.FieldsFunc(tag, func(r rune) bool { return r == '>' || r == ' ' })[0], "/")
		if name != "b" && name != "a" && name != "i" && name != "code" {
			t.Errorf("unexpected tag %q in %s", name, text)
		}
	}
}

func TestSpikeAndTest(t *testing.T) {
	ev, _ := notify.ParseEvent(channeltest.Fixture(t, "spike.json"))
	if text := Render(ev); !strings.Contains(text, "42 negative posts") || !strings.Contains(text, `<a href="https://x.com/u/status/1">Acme deleted my data @everyone &lt;b&gt;!!&lt;/b&gt;</a> — angry &lt;@1&gt;`) {
		t.Errorf("spike:\n%s", text)
	}
	body, _ := json.Marshal(notify.TestEvent("namespaces/acme/connections/tg", "chal-123"))
	ev, _ = notify.ParseEvent(body)
	if text := Render(ev); !strings.Contains(text, "<code>chal-123</code>") {
		t.Errorf("test message:\n%s", text)
	}
}

func TestValidate(t *testing.T) {
	cs := notify.NewChannels(notify.Webhook, Kind)
	for _, tc := range []struct {
		name     string
		settings map[string]any
		url      string
		field    string
	}{
		{"ok numeric chat", map[string]any{"botToken": token, "chatId": -1001234567890}, "", ""},
		{"ok string chat", map[string]any{"botToken": token, "chatId": "@earshot_alerts", "baseUrl": "https://tg.internal.example"}, "", ""},
		{"no token", map[string]any{"chatId": "1"}, "", "botToken"},
		{"bad token", map[string]any{"botToken": "nope", "chatId": "1"}, "", "botToken"},
		{"no chat", map[string]any{"botToken": token}, "", "chatId"},
		{"bad chat", map[string]any{"botToken": token, "chatId": "general"}, "", "chatId"},
		{"bad base url", map[string]any{"botToken": token, "chatId": "1", "baseUrl": "ftp://x"}, "", "baseUrl"},
		{"snake case hint", map[string]any{"botToken": token, "chat_id": "1"}, "", "chat_id"},
		{"url refused", map[string]any{"botToken": token, "chatId": "1"}, "https://example.com", "url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := models.Connection{Type: "TELEGRAM_CONNECTION", URL: tc.url, Settings: models.SettingsOf(tc.settings)}
			errs := cs.ValidateConnection(&c)
			if tc.field == "" && len(errs) > 0 || tc.field != "" && (len(errs) == 0 || errs[0].Field != tc.field) {
				t.Fatalf("errors %v, want one for %q", errs, tc.field)
			}
			for _, e := range errs {
				if strings.Contains(e.Description, token) {
					t.Errorf("error repeats the token: %v", e)
				}
			}
		})
	}
}
