package youtube

import (
	"regexp"
	"slices"
	"strconv"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

// Type is the `source.type` of YouTube managers; their post types follow.
const (
	Type            = "YOUTUBE"
	PostTypeVideo   = "YOUTUBE_VIDEO"
	PostTypeComment = "YOUTUBE_COMMENT"
)

// Includes.
const (
	IncludeVideos   = "videos"
	IncludeComments = "comments"
)

// Settings are a YouTube manager's own `source` fields.
type Settings struct {
	// Query is a search.list q ("earshot|\"social listening\""); without
	// one it is built from input.keywords.
	Query string `json:"query,omitempty" yaml:"query"`
	// Channels are channel ids ("UC…"): the search is made within each,
	// and their comments are read.
	Channels []string `json:"channels,omitempty" yaml:"channels"`
}

var channelRE = regexp.MustCompile(`^UC[A-Za-z0-9_-]{22}$`)

func includes(m *models.Manager) (videos, comments bool) {
	if len(m.Source.Include) == 0 {
		return true, true
	}
	return slices.Contains(m.Source.Include, IncludeVideos), slices.Contains(m.Source.Include, IncludeComments)
}

// Kind declares YouTube to Earshot.
var Kind = sources.NewKind(sources.Spec[Settings, Config]{
	Type:      Type,
	Section:   "youtube",
	Doc:       "YouTube: videos found by search for the source's query or the input's keywords (within its channels, if any), and their comments and the channels' comments.",
	PostTypes: []string{PostTypeVideo, PostTypeComment},
	Includes:  []string{IncludeVideos, IncludeComments},
	Validate: func(m *models.Manager, s *Settings) []models.FieldError {
		var errs []models.FieldError
		if len(s.Channels) > 10 {
			errs = append(errs, models.FieldError{Field: "source.channels", Description: "at most 10 channels (each search costs 100 quota units)"})
		}
		for i, c := range s.Channels {
			if !channelRE.MatchString(c) {
				errs = append(errs, models.FieldError{Field: "source.channels[" + strconv.Itoa(i) + "]", Description: "must be a channel id (UC followed by 22 characters)"})
			}
		}
		if len(s.Channels) == 0 {
			// Without channels there is nothing to read but a search.
			errs = append(errs, sources.NeedsQuery(m, s.Query)...)
		}
		return errs
	},
	Defaults: func(c *Config) { *c = c.WithDefaults() },
	Check: func(c *Config) []models.FieldError {
		return sources.CheckURLs(map[string]string{"base_url": c.BaseURL})
	},
	New: func(c Config, env sources.Env) sources.Source {
		return New(c, sources.WithLogger(env.Log), sources.WithRateState(env.Rate))
	},
})
