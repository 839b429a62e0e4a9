package twitter

import (
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

// Type is the `source.type` of X managers; PostType their posts'.
const (
	Type     = "TWITTER"
	PostType = "TWITTER_TWEET"
)

// Settings are an X manager's own `source` fields.
type Settings struct {
	// Query is an X recent-search query; without one it is built from
	// input.keywords (see Query).
	Query string `json:"query,omitempty" yaml:"query"`
}

// Kind declares X to Earshot.
var Kind = sources.NewKind(sources.Spec[Settings, Config]{
	Type:      Type,
	Section:   "twitter",
	Doc:       "X (Twitter): recent search for the source's query or the input's keywords.",
	PostTypes: []string{PostType},
	Validate: func(m *models.Manager, s *Settings) []models.FieldError {
		return sources.NeedsQuery(m, s.Query)
	},
	Defaults: func(c *Config) { *c = c.WithDefaults() },
	Check: func(c *Config) []models.FieldError {
		return sources.CheckURLs(map[string]string{"base_url": c.BaseURL})
	},
	New: func(c Config, env sources.Env) sources.Source {
		return New(c, sources.WithLogger(env.Log), sources.WithRateState(env.Rate))
	},
})
