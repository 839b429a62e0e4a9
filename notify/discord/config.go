// Package discord is the DISCORD_CONNECTION channel: events as embeds
// posted to a Discord webhook, with mentions turned off.
package discord

import (
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
)

// Kind is the DISCORD_CONNECTION channel kind.
var Kind = notify.NewChannelKind(notify.ChannelSpec[struct{}]{
	ConnectionType: "DISCORD_CONNECTION",
	NoticeType:     "DISCORD_MESSAGE",
	Doc:            "a Discord embed posted to a channel webhook: `url` is the webhook's URL (https://discord.com/api/webhooks/…); mentions never ping",
	Fields:         []string{"url"},
	// A webhook takes 30 messages a minute (and 5 in 2 s).
	RateLimit: 30,
	Example:   map[string]any{"type": "DISCORD_CONNECTION", "nickname": "#alerts", "url": "https://discord.com/api/webhooks/123456789/XXXXXXXX"},
	Validate: func(c *models.Connection, _ *struct{}) []models.FieldError {
		if msg := models.CheckURL(c.URL); msg != "" {
			return []models.FieldError{{Field: "url", Description: msg}}
		}
		return nil
	},
	New: func(env notify.ChannelEnv) notify.Channel { return &Channel{http: env.HTTP} },
})
