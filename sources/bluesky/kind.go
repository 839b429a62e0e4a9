package bluesky

import (
	"net/url"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

// Type is the `source.type` of Bluesky managers; PostType their posts'.
const (
	Type     = "BLUESKY"
	PostType = "BLUESKY_POST"
)

// Kind declares Bluesky to Earshot.
var Kind = sources.NewKind(sources.Spec[struct{}, Config]{
	Type:      Type,
	Section:   "bluesky",
	Doc:       "Bluesky: every public post of the network, from the Jetstream firehose, for the input's terms.",
	PostTypes: []string{PostType},
	Defaults:  func(c *Config) { *c = c.WithDefaults() },
	Check:     checkConfig,
	New: func(c Config, env sources.Env) sources.Source {
		return New(c, sources.WithLogger(env.Log))
	},
})

func checkConfig(c *Config) []models.FieldError {
	u, err := url.Parse(c.JetstreamURL)
	if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" {
		return []models.FieldError{{Field: "jetstream_url", Description: "must be a ws:// or wss:// URL of a Jetstream subscribe endpoint"}}
	}
	if u.User != nil {
		return []models.FieldError{{Field: "jetstream_url", Description: "must not carry credentials"}}
	}
	return nil
}
