package hackernews

import (
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

// Type is the `source.type` of Hacker News managers; their post types follow.
const (
	Type            = "HACKERNEWS"
	PostTypeStory   = "HACKERNEWS_STORY"
	PostTypeComment = "HACKERNEWS_COMMENT"
)

// Settings are a Hacker News manager's own `source` fields.
type Settings struct {
	// Query is an HN Search query; without one each input keyword is
	// searched.
	Query string `json:"query,omitempty" yaml:"query"`
}

// Kind declares Hacker News to Earshot.
var Kind = sources.NewKind(sources.Spec[Settings, Config]{
	Type:      Type,
	Section:   "hackernews",
	Doc:       "Hacker News: stories and comments found by the HN Search API for the source's query or the input's keywords.",
	PostTypes: []string{PostTypeStory, PostTypeComment},
	Includes:  []string{"posts", "comments"},
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
