package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
)

// TestServeDeliversToChat: `earshot serve` renders a match for Slack and
// leaves out a Telegram notice whose minScore the match does not reach.
func TestServeDeliversToChat(t *testing.T) {
	reddit := fakes.NewReddit()
	defer reddit.Close()
	slack := fakes.NewReceiver()
	defer slack.Close()
	tg := fakes.NewReceiver()
	defer tg.Close()
	reddit.Add(fakes.RedditPost{ID: "1chat1", Subreddit: "marketing", Title: "Recs needed: social listening tool? <!channel>",
		Selftext: "We're looking for a social listening tool. Any recommendations? @everyone", Author: "marketing_pro", Created: time.Now().UTC().Add(-time.Minute)})
	yaml := fmt.Sprintf(`
listen: "127.0.0.1:0"
redis: {url: %q}
delivery: {timeout: 2s, retry_schedule: [1s], allow_private_targets: true}
sources:
  reddit: {base_url: %s, user_agent: "earshot-test/1.0"}
namespaces:
  - id: acme
    api_keys: ["acme-test-key-0123456789"]
    connections:
      - {id: team, type: SLACK_CONNECTION, url: %s/services/T0/B0/XXXX}
      - {id: founders, type: TELEGRAM_CONNECTION, botToken: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", chatId: "-100123", baseUrl: %s}
    managers:
      - id: leads
        schedule: "@every 1s"
        source: {type: REDDIT, subreddits: [marketing]}
        input: {keywords: ["social listening"], focus: {type: SALES}}
        notices:
          - {type: SLACK_MESSAGE, connection: namespaces/acme/connections/team}
          - {type: TELEGRAM_MESSAGE, connection: namespaces/acme/connections/founders, minScore: 1}
`, testredis.Embedded(t), reddit.URL, slack.URL, tg.URL)
	cfg, err := config.Parse("test.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	start(t, cfg)
	got := slack.WaitFor(1, 20*time.Second)
	if len(got) != 1 {
		t.Fatalf("%d Slack messages, want 1", len(got))
	}
	var msg struct {
		Text   string            `json:"text"`
		Blocks []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(got[0].Body, &msg); err != nil || len(msg.Blocks) != 3 {
		t.Fatalf("Slack message %s (%v)", got[0].Body, err)
	}
	body := string(got[0].Body)
	if strings.Contains(body, "<!channel>") || !strings.Contains(body, "\\u0026lt;!channel\\u0026gt;") || !strings.Contains(body, "leads") {
		t.Errorf("Slack message not escaped or incomplete: %s", body)
	}
	if got[0].Header.Get("webhook-signature") != "" {
		t.Error("a Slack message carries a webhook signature")
	}
	time.Sleep(1500 * time.Millisecond)
	if n := len(tg.Requests()); n != 0 {
		t.Errorf("Telegram got %d messages; its notice's minScore 1 should leave the match out", n)
	}
}
