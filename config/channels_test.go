package config

import (
	"strings"
	"testing"
	"time"
)

// TestParseChannels: each channel's own fields, the notices' filters and
// digests read from YAML as from the API.
func TestParseChannels(t *testing.T) {
	cfg := mustParse(t, "channels.yaml", map[string]string{"TG_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"})
	ns := cfg.Namespaces[0]
	tg := ns.Connections[1]
	if tg.Type != "TELEGRAM_CONNECTION" || string(tg.Settings["chatId"]) != `"-1001234567890"` || !strings.Contains(string(tg.Settings["botToken"]), "AAHdq") {
		t.Errorf("telegram connection %+v", tg.Settings)
	}
	if mail := ns.Connections[2]; !strings.Contains(string(mail.Settings["smtp"]), `"tls":"STARTTLS"`) {
		t.Errorf("email connection %+v", mail.Settings)
	}
	n := ns.Managers[0].Notices
	if len(n) != 3 || n[0].Events[0] != "SPIKE" || *n[1].MinScore != 0.6 || n[2].Digest.Every.D() != 24*time.Hour || n[2].Digest.TimeZone != "Europe/Berlin" {
		t.Errorf("notices %+v", n)
	}
}

func TestParseChannelProblems(t *testing.T) {
	_, err := parseFixture(t, "bad-channels.yaml", nil)
	want := []string{
		`earshot.yaml:20: namespaces[0].connections[3].template: for a sample SPIKE event: 1:21: executing "template" at <.post.title>: nil pointer evaluating interface {}.title`,
		`earshot.yaml:27: namespaces[0].managers[0].notices[1].minScore: must be from 0 to 1`,
		`earshot.yaml:28: namespaces[0].managers[0].notices[2].digest.at: must be a time of day as HH:MM (24-hour clock)`,
		`earshot.yaml:29: namespaces[0].managers[0].notices[3].type: a SLACK_MESSAGE notice needs a SLACK_CONNECTION, and this connection is a TELEGRAM_CONNECTION`,
	}
	if err == nil {
		t.Fatal("parsed")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("problems lack\n%s\nin\n%s", w, err)
		}
	}
	if strings.Contains(err.Error(), "AAHdq") {
		t.Error("a problem repeats the bot token")
	}
}
