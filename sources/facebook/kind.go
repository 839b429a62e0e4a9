package facebook

import (
	"strconv"
	"strings"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

// Type is the `source.type` of Facebook managers; PostType their posts'.
const (
	Type     = "FACEBOOK"
	PostType = "FACEBOOK_POST"
)

// Settings are a Facebook manager's own `source` fields.
type Settings struct {
	// Pages lists Facebook page ids or usernames.
	Pages []string `json:"pages,omitempty" yaml:"pages"`
}

// Kind declares Facebook to Earshot.
var Kind = sources.NewKind(sources.Spec[Settings, Config]{
	Type:      Type,
	Section:   "facebook",
	Doc:       "Facebook: the newest posts of Pages, through the Graph API.",
	PostTypes: []string{PostType},
	Validate: func(m *models.Manager, s *Settings) []models.FieldError {
		if len(s.Pages) == 0 {
			return []models.FieldError{{Field: "source.pages", Description: "a FACEBOOK source needs at least one page id or username"}}
		}
		var errs []models.FieldError
		for i, p := range s.Pages {
			field := "source.pages[" + strconv.Itoa(i) + "]"
			switch p = strings.Trim(strings.TrimSpace(p), "/"); {
			case p == "":
				errs = append(errs, models.FieldError{Field: field, Description: "must not be empty"})
			case strings.ContainsAny(p, "/?#"):
				errs = append(errs, models.FieldError{Field: field, Description: "must be a page id or username, not a URL"})
			}
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
