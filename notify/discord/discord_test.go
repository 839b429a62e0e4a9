package discord

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

// TestAnswers replays Discord's documented webhook answers.
func TestAnswers(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		ok, retry  bool
		retryAfter time.Duration
		disable    bool
		errHas     string
	}{
		{name: "no content", status: 204, ok: true},
		{name: "wait=true answer", status: 200, body: `{"id":"1","type":0}`, ok: true},
		{name: "rate limited, float seconds", status: 429,
			header: map[string]string{"Retry-After": "3", "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "2.5", "X-RateLimit-Bucket": "abcd1234", "X-RateLimit-Scope": "shared"},
			body:   `{"message": "You are being rate limited.", "retry_after": 2.5, "global": false}`, retry: true, retryAfter: 2500 * time.Millisecond, errHas: "rate limited"},
		{name: "global limit", status: 429, header: map[string]string{"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"},
			body: `{"message": "You are being rate limited.", "retry_after": 0.75, "global": true}`, retry: true, retryAfter: 750 * time.Millisecond, errHas: "global"},
		{name: "rate limited, header only", status: 429, header: map[string]string{"X-RateLimit-Reset-After": "4"}, body: `{}`, retry: true, retryAfter: 4 * time.Second},
		{name: "unknown webhook disables", status: 404, body: `{"message": "Unknown Webhook", "code": 10015}`, disable: true, errHas: "Unknown Webhook (code 10015)"},
		{name: "invalid token disables", status: 401, body: `{"message": "Invalid Webhook Token", "code": 50027}`, disable: true, errHas: "Invalid Webhook Token"},
		{name: "invalid form body is final", status: 400, body: `{"code": 50035, "errors": {"embeds": {"0": {"url": {"_errors": [{"code": "URL_TYPE_INVALID_URL", "message": "Not a well formed URL."}]}}}}, "message": "Invalid Form Body"}`, errHas: "Invalid Form Body"},
		{name: "server error is retried", status: 502, body: `<html>bad gateway</html>`, retry: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got Message
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				if err := json.Unmarshal(b, &got); err != nil {
					t.Errorf("body is not a message: %v", err)
				}
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				if tc.body != "" {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			conn := &models.Connection{Type: Kind.ConnectionType, URL: srv.URL + "/api/webhooks/123/TOKENSECRET"}
			out := channeltest.Build(Kind, true).Send(context.Background(), conn, notify.Message{Body: channeltest.Fixture(t, "scan.json")})
			if out.OK() != tc.ok || out.Retry != tc.retry || out.RetryAfter != tc.retryAfter || (out.Disable != "") != tc.disable {
				t.Fatalf("outcome ok=%v retry=%v after=%s disable=%q err=%v", out.OK(), out.Retry, out.RetryAfter, out.Disable, out.Err)
			}
			if tc.errHas != "" && !strings.Contains(out.Err.Error(), tc.errHas) {
				t.Errorf("error %q lacks %q", out.Err, tc.errHas)
			}
			if got.AllowedMentions.Parse == nil || len(got.AllowedMentions.Parse) != 0 || len(got.Embeds) != 1 {
				t.Errorf("message: %+v", got)
			}
		})
	}
}

func TestAllowedMentionsOnTheWire(t *testing.T) {
	ev, _ := notify.ParseEvent(channeltest.Fixture(t, "scan.json"))
	b, _ := json.Marshal(Render(ev))
	if !strings.Contains(string(b), `"allowed_mentions":{"parse":[]}`) {
		t.Errorf("allowed_mentions not written as parse: []: %s", b)
	}
}

// TestEscaping: a post cannot ping, link nor format.
func TestEscaping(t *testing.T) {
	ev, err := notify.ParseEvent(channeltest.Fixture(t, "scan.json"))
	if err != nil {
		t.Fatal(err)
	}
	e := Render(ev).Embeds[0]
	all := e.Title + "\n" + e.Description
	for _, f := range e.Fields {
		all += "\n" + f.Value
	}
	for _, bad := range []string{"@everyone", "@here", "<@U0123>", "[click](", "**social", "||spoiler||", "`code`"} {
		if strings.Contains(all, bad) {
			t.Errorf("rendered embed contains %q:\n%s", bad, all)
		}
	}
	for _, want := range []string{`\[click\]\(https\://evil.example\)`, `\*\*social listening\*\*`, `\<@U0123\>`, "@\u200beveryone", "SEEKING", "87%", "reddit\\-leads"} {
		if !strings.Contains(all, want) {
			t.Errorf("rendered embed lacks %q:\n%s", want, all)
		}
	}
	if e.URL != "https://reddit.com/r/marketing/comments/123456/recs_needed?a=1&b=<2>|x" && !strings.HasPrefix(e.URL, "https://reddit.com/") {
		t.Errorf("embed url %q", e.URL)
	}
	// A javascript: author URL is dropped, the name kept as plain text
	// (author names render no markdown).
	if e.Author == nil || e.Author.URL != "" || e.Author.Name != "_marketing_pro_ <@&42>" {
		t.Errorf("author %+v", e.Author)
	}
}

func TestSpikeIsItsOwnEmbed(t *testing.T) {
	ev, _ := notify.ParseEvent(channeltest.Fixture(t, "spike.json"))
	e := Render(ev).Embeds[0]
	if !strings.Contains(e.Title, "42 negative posts") || e.Color != colorSpike {
		t.Fatalf("spike embed %+v", e)
	}
	for _, want := range []string{"[Acme deleted my data @\u200beveryone \\<b\\>!!\\</b\\>](https://x.com/u/status/1)", "angry \\<@1\\>"} {
		if !strings.Contains(e.Description, want) {
			t.Errorf("spike description lacks %q:\n%s", want, e.Description)
		}
	}
}

func TestTestEvent(t *testing.T) {
	body, _ := json.Marshal(notify.TestEvent("namespaces/acme/connections/discord", "chal-123"))
	ev, _ := notify.ParseEvent(body)
	if e := Render(ev).Embeds[0]; !strings.Contains(e.Description, "`chal-123`") {
		t.Errorf("test embed lacks the challenge: %+v", e)
	}
}

func TestGuard(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("private target reached") }))
	defer srv.Close()
	conn := &models.Connection{Type: Kind.ConnectionType, URL: srv.URL + "/api/webhooks/123/TOKENSECRET"}
	out := channeltest.Build(Kind, false).Send(context.Background(), conn, notify.Message{Body: channeltest.Fixture(t, "scan.json")})
	if !errors.Is(out.Err, notify.ErrPrivateTarget) || out.Retry || strings.Contains(out.Err.Error(), "TOKENSECRET") {
		t.Fatalf("outcome: retry=%v err=%v", out.Retry, out.Err)
	}
}

// TestLimits: a post made of characters that escaping lengthens still
// fits Discord's limits (title 256, description 4096, 6000 in all).
func TestLimits(t *testing.T) {
	p := models.Post{Type: "REDDIT_LINK", Title: strings.Repeat("*_", 2000), Text: strings.Repeat("[](", 5000), URL: "https://reddit.com/x", User: models.User{Name: strings.Repeat("@", 500)}}
	e := Render(&notify.EventView{Type: "SCAN", Name: "namespaces/a/managers/m/scans/s", Post: &p}).Embeds[0]
	total := len([]rune(e.Title)) + len([]rune(e.Description)) + len([]rune(e.Author.Name))
	for _, f := range e.Fields {
		total += len([]rune(f.Name)) + len([]rune(f.Value))
	}
	if n := len([]rune(e.Title)); n > 256 {
		t.Errorf("title %d runes", n)
	}
	if n := len([]rune(e.Description)); n > 4096 {
		t.Errorf("description %d runes", n)
	}
	if total > 6000 {
		t.Errorf("embed %d runes in all", total)
	}
}
