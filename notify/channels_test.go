package notify_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/notify/discord"
	"github.com/earshothq/earshot/notify/email"
	"github.com/earshothq/earshot/notify/slack"
	"github.com/earshothq/earshot/notify/telegram"
)

const botToken = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

var allChannels = notify.NewChannels(notify.Webhook, slack.Kind, discord.Kind, telegram.Kind, email.Kind)

func withChannels(s *harnessSetup) { s.channels = allChannels }

// platform is an httptest server answering with a script, then 200.
type platform struct {
	*httptest.Server
	mu      sync.Mutex
	answers []platformAnswer
	bodies  []string
	paths   []string
	times   []time.Time
}

type platformAnswer struct {
	status int
	header map[string]string
	body   string
}

func newPlatform(t *testing.T, ok string, answers ...platformAnswer) *platform {
	p := &platform{answers: answers}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.bodies, p.paths, p.times = append(p.bodies, string(b)), append(p.paths, r.URL.Path), append(p.times, time.Now())
		a := platformAnswer{status: 200, body: ok}
		if len(p.answers) > 0 {
			a, p.answers = p.answers[0], p.answers[1:]
		}
		p.mu.Unlock()
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		io.WriteString(w, strings.ReplaceAll(a.body, "{path}", r.URL.Path))
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *platform) got() ([]string, []string, []time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.bodies...), append([]string(nil), p.paths...), append([]time.Time(nil), p.times...)
}

func telegramConn(base string) func(*models.Connection) {
	return func(c *models.Connection) {
		c.Type, c.URL, c.Method, c.Secret = telegram.Kind.ConnectionType, "", "", ""
		c.Settings = models.SettingsOf(telegram.Settings{BotToken: botToken, ChatID: "-1001234567890", BaseURL: base})
	}
}

func typed(typ string) func(*models.Connection) {
	return func(c *models.Connection) { c.Type, c.Method, c.Secret = typ, "", "" }
}

// TestChannelGoneDisables: the platforms' "this will never work again"
// answers fail the delivery at once and disable the connection, keeping
// its deliveries for a redrive.
func TestChannelGoneDisables(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer platformAnswer
		edit   func(url string) func(*models.Connection)
		reason string
	}{
		{"slack archived channel", platformAnswer{status: 410, body: "channel_is_archived"},
			func(u string) func(*models.Connection) { return typed(slack.Kind.ConnectionType) }, "channel_is_archived"},
		{"slack no service", platformAnswer{status: 404, body: "no_service"},
			func(u string) func(*models.Connection) { return typed(slack.Kind.ConnectionType) }, "no_service"},
		{"discord unknown webhook", platformAnswer{status: 404, header: map[string]string{"Content-Type": "application/json"}, body: `{"message": "Unknown Webhook", "code": 10015}`},
			func(u string) func(*models.Connection) { return typed(discord.Kind.ConnectionType) }, "Unknown Webhook"},
		{"telegram bot kicked", platformAnswer{status: 403, body: `{"ok":false,"error_code":403,"description":"Forbidden: bot was kicked from the group chat"}`},
			telegramConn, "kicked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, testredis.Embedded(t), notify.Config{RetrySchedule: durations(time.Minute)}, withChannels)
			p := newPlatform(t, "ok", tc.answer)
			conn := h.connection("chat", p.URL+"/hook", tc.edit(p.URL))
			id := h.deliver(conn)
			d := h.waitState(conn, id, models.DeliveryFailed, 15*time.Second)
			if d.AttemptCount != 1 {
				t.Errorf("%d attempts, want 1", d.AttemptCount)
			}
			c := h.connectionNow("chat")
			if !c.Disabled || !strings.Contains(c.DisabledReason, tc.reason) {
				t.Errorf("connection disabled=%v reason %q", c.Disabled, c.DisabledReason)
			}
			if strings.Contains(c.DisabledReason, botToken) || strings.Contains(d.LastError, botToken) {
				t.Error("bot token printed")
			}
		})
	}
}

// TestChannelRateLimitPostpones: a 429 with the platform's own wait is
// honoured without using up an attempt of the schedule.
func TestChannelRateLimitPostpones(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer platformAnswer
		edit   func(url string) func(*models.Connection)
	}{
		{"slack Retry-After", platformAnswer{status: 429, header: map[string]string{"Retry-After": "1"}, body: "rate_limited"},
			func(string) func(*models.Connection) { return typed(slack.Kind.ConnectionType) }},
		{"discord retry_after", platformAnswer{status: 429, header: map[string]string{"Content-Type": "application/json", "X-RateLimit-Scope": "shared"}, body: `{"message": "You are being rate limited.", "retry_after": 1.2, "global": false}`},
			func(string) func(*models.Connection) { return typed(discord.Kind.ConnectionType) }},
		{"telegram parameters.retry_after", platformAnswer{status: 429, body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`},
			telegramConn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// No retry left on the schedule: only a postponement can
			// bring the second attempt.
			h := newHarness(t, testredis.Embedded(t), notify.Config{RetrySchedule: []time.Duration{}}, withChannels)
			p := newPlatform(t, `{"ok":true,"result":{}}`, tc.answer)
			conn := h.connection("chat", p.URL+"/hook", tc.edit(p.URL))
			id := h.deliver(conn)
			h.waitState(conn, id, models.DeliveryDelivered, 20*time.Second)
			_, _, times := p.got()
			if len(times) != 2 || times[1].Sub(times[0]) < time.Second {
				t.Errorf("attempts at %v: want 2, at least 1s apart", times)
			}
		})
	}
}

// TestChannelKindRateLimit: a Discord webhook takes 30 messages a minute,
// so a burst of matches to a Discord connection that sets no rateLimit of
// its own goes out at Discord's pace — the limiter's burst at once, then
// one every 2 s — instead of at delivery.rate_limit (600) drawing 429s.
// (Which limit wins when several are set: TestPolicyOfKind.)
func TestChannelKindRateLimit(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rate    int           // the connection's own rateLimit (0: none)
		minSpan time.Duration // from the first enqueue to the last request, at least
		maxSpan time.Duration // at most (generous: a busy machine is slow)
	}{
		// Ten at once, then the 11th and 12th 2 s and 4 s after the first.
		{"discord's own limit", 0, 3900 * time.Millisecond, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, testredis.Embedded(t), notify.Config{}, withChannels)
			p := newPlatform(t, "")
			conn := h.connection("ops", p.URL+"/hook", typed(discord.Kind.ConnectionType), func(c *models.Connection) { c.RateLimit = tc.rate })
			var ids []string
			start := time.Now()
			for range 12 {
				ids = append(ids, h.deliver(conn))
			}
			for _, id := range ids {
				h.waitState(conn, id, models.DeliveryDelivered, 30*time.Second)
			}
			_, _, times := p.got()
			if len(times) != 12 {
				t.Fatalf("%d requests, want 12 (none refused, none twice)", len(times))
			}
			if span := times[11].Sub(start); span < tc.minSpan || span > tc.maxSpan {
				t.Errorf("12 messages went out over %s, want %s to %s", span, tc.minSpan, tc.maxSpan)
			}
		})
	}
}

// TestTelegramTokenNotRecorded: the delivery record (lastError, the
// attempt's answer) never holds the bot token, even when the platform's
// answer repeats the request's path.
func TestTelegramTokenNotRecorded(t *testing.T) {
	h := newHarness(t, testredis.Embedded(t), notify.Config{RetrySchedule: durations(time.Minute)}, withChannels)
	p := newPlatform(t, "", platformAnswer{status: 400, body: `{"ok":false,"error_code":400,"description":"Bad Request: no such method {path}"}`})
	conn := h.connection("tg", "", telegramConn(p.URL))
	id := h.deliver(conn)
	d := h.waitState(conn, id, models.DeliveryFailed, 15*time.Second)
	if _, paths, _ := p.got(); len(paths) != 1 || !strings.Contains(paths[0], botToken) {
		t.Fatalf("requests %v", paths)
	}
	full, err := h.svc.GetDelivery(context.Background(), ns, "tg", id)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{d.LastError, full.Attempts[0].Error, full.Attempts[0].ResponseBody} {
		if strings.Contains(s, botToken) || strings.Contains(s, "AAHdq") {
			t.Errorf("token recorded: %q", s)
		}
	}
	if !strings.Contains(full.LastError, "/bot<secret>/sendMessage") {
		t.Errorf("last error %q", full.LastError)
	}
}

// TestTestEveryChannel: :test sends each channel its TEST message, with
// the challenge, through the same path as a delivery.
func TestTestEveryChannel(t *testing.T) {
	h := newHarness(t, testredis.Embedded(t), notify.Config{}, withChannels)
	for _, tc := range []struct {
		id   string
		ok   string
		edit func(url string) func(*models.Connection)
	}{
		{"slack", "ok", func(string) func(*models.Connection) { return typed(slack.Kind.ConnectionType) }},
		{"discord", "", func(string) func(*models.Connection) { return typed(discord.Kind.ConnectionType) }},
		{"telegram", `{"ok":true,"result":{"message_id":1}}`, telegramConn},
	} {
		t.Run(tc.id, func(t *testing.T) {
			p := newPlatform(t, tc.ok)
			h.connection(tc.id, p.URL+"/hook", tc.edit(p.URL))
			r, err := h.svc.Test(context.Background(), ns, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			bodies, _, _ := p.got()
			if !r.Success || len(bodies) != 1 || !strings.Contains(bodies[0], r.Challenge) {
				t.Errorf("test result %+v, bodies %q", r, bodies)
			}
		})
	}
}
