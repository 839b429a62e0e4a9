// Package slack is the SLACK_CONNECTION channel: events as Block Kit
// messages to a Slack incoming webhook.
package slack

import (
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
)

// Kind is the SLACK_CONNECTION channel kind.
var Kind = notify.NewChannelKind(notify.ChannelSpec[struct{}]{
	ConnectionType: "SLACK_CONNECTION",
	NoticeType:     "SLACK_MESSAGE",
	Doc:            "a Slack message (Block Kit) to an incoming webhook: `url` is the webhook's URL (https://hooks.slack.com/services/…)",
	Fields:         []string{"url"},
	// An incoming webhook takes one message a second (short bursts
	// allowed).
	RateLimit: 60,
	Example:   map[string]any{"type": "SLACK_CONNECTION", "nickname": "#leads", "url": "https://hooks.slack.com/services/T0000/B0000/XXXXXXXX"},
	Validate: func(c *models.Connection, _ *struct{}) []models.FieldError {
		if msg := models.CheckURL(c.URL); msg != "" {
			return []models.FieldError{{Field: "url", Description: msg}}
		}
		return nil
	},
	New: func(env notify.ChannelEnv) notify.Channel { return &Channel{http: env.HTTP} },
})
