package mastodon

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

// Type is the `source.type` of Mastodon managers; PostType their posts'.
const (
	Type     = "MASTODON"
	PostType = "MASTODON_STATUS"
)

// maxHashtags bounds the hashtags of one manager (each is a read).
const maxHashtags = 20

// Settings are a Mastodon manager's own `source` fields.
type Settings struct {
	// Instance is the instance's URL (default sources.mastodon.base_url).
	Instance string `json:"instance,omitempty" yaml:"instance"`
	// Hashtags are read from the instance's hashtag timelines ("#" optional).
	Hashtags []string `json:"hashtags,omitempty" yaml:"hashtags"`
	// Query is a status search; it needs an access token for the instance.
	Query string `json:"query,omitempty" yaml:"query"`
}

var hashtagRE = regexp.MustCompile(`^[\p{L}\p{N}_]+$`)

// Kind declares Mastodon to Earshot.
var Kind = sources.NewKind(sources.Spec[Settings, Config]{
	Type:      Type,
	Section:   "mastodon",
	Doc:       "Mastodon: statuses of the source's hashtag timelines, or found by its query (status search needs an access token), on any instance.",
	PostTypes: []string{PostType},
	Validate: func(m *models.Manager, s *Settings) []models.FieldError {
		var errs []models.FieldError
		add := func(f, msg string) { errs = append(errs, models.FieldError{Field: f, Description: msg}) }
		if s.Instance != "" {
			if msg := models.CheckURL(s.Instance); msg != "" {
				add("source.instance", msg)
			}
		}
		if len(s.Hashtags) == 0 && strings.TrimSpace(s.Query) == "" {
			add("source.hashtags", "a MASTODON source needs hashtags, or a query")
		}
		if len(s.Hashtags) > maxHashtags {
			add("source.hashtags", "at most "+strconv.Itoa(maxHashtags)+" hashtags")
		}
		for i, h := range s.Hashtags {
			if !hashtagRE.MatchString(strings.TrimPrefix(h, "#")) {
				add("source.hashtags["+strconv.Itoa(i)+"]", "must be a hashtag: letters, digits and _ (a leading # is fine)")
			}
		}
		return errs
	},
	Defaults: func(c *Config) { *c = c.WithDefaults() },
	Check: func(c *Config) []models.FieldError {
		return sources.CheckURLs(map[string]string{"base_url": c.BaseURL})
	},
	New: func(c Config, env sources.Env) sources.Source {
		return New(c, sources.WithLogger(env.Log), sources.WithRateState(env.Rate), sources.WithPrivateTargets(env.AllowPrivateTargets))
	},
})
