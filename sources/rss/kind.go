package rss

import (
	"strconv"
	"strings"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

// Type is the `source.type` of feed managers; PostType their posts'.
const (
	Type     = "RSS"
	PostType = "RSS_ITEM"
)

// maxFeeds bounds the feeds of one manager.
const maxFeeds = 100

// Settings are a feed manager's own `source` fields.
type Settings struct {
	// Feeds are the feed URLs (RSS, Atom or JSON Feed).
	Feeds []string `json:"feeds,omitempty" yaml:"feeds"`
}

// Kind declares feeds to Earshot.
var Kind = sources.NewKind(sources.Spec[Settings, Config]{
	Type:      Type,
	Section:   "rss",
	Doc:       "RSS, Atom and JSON Feed: the items of the source's feeds.",
	PostTypes: []string{PostType},
	Validate: func(m *models.Manager, s *Settings) []models.FieldError {
		var errs []models.FieldError
		if len(s.Feeds) == 0 {
			return []models.FieldError{{Field: "source.feeds", Description: "an RSS source needs at least one feed URL"}}
		}
		if len(s.Feeds) > maxFeeds {
			errs = append(errs, models.FieldError{Field: "source.feeds", Description: "at most " + strconv.Itoa(maxFeeds) + " feeds"})
		}
		for i, f := range s.Feeds {
			msg := models.CheckURL(f)
			if strings.TrimSpace(f) == "" {
				msg = "must not be empty"
			}
			if msg != "" {
				errs = append(errs, models.FieldError{Field: "source.feeds[" + strconv.Itoa(i) + "]", Description: msg})
			}
		}
		return errs
	},
	Defaults: func(c *Config) { *c = c.WithDefaults() },
	New: func(c Config, env sources.Env) sources.Source {
		return New(c, sources.WithLogger(env.Log), sources.WithRateState(env.Rate), sources.WithPrivateTargets(env.AllowPrivateTargets))
	},
})
