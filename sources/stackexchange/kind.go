package stackexchange

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

// Type is the `source.type` of Stack Exchange managers; their post types
// follow.
const (
	Type             = "STACKEXCHANGE"
	PostTypeQuestion = "STACKEXCHANGE_QUESTION"
	PostTypeAnswer   = "STACKEXCHANGE_ANSWER"
)

// Includes.
const (
	IncludeQuestions = "questions"
	IncludeAnswers   = "answers"
)

// DefaultSite is the site of managers that name none.
const DefaultSite = "stackoverflow"

// Settings are a Stack Exchange manager's own `source` fields.
type Settings struct {
	// Site is the API's site parameter ("stackoverflow", "superuser",
	// "math"…; default stackoverflow).
	Site string `json:"site,omitempty" yaml:"site"`
	// Tagged are tags a question must all have.
	Tagged []string `json:"tagged,omitempty" yaml:"tagged"`
	// Query is free text searched in titles and bodies; without it and
	// without tags, the input's keywords are searched, one by one.
	Query string `json:"query,omitempty" yaml:"query"`
}

var (
	siteRE = regexp.MustCompile(`^[a-z0-9.-]+$`)
	tagRE  = regexp.MustCompile(`^[a-z0-9.#+_-]+$`)
)

// Kind declares Stack Exchange to Earshot.
var Kind = sources.NewKind(sources.Spec[Settings, Config]{
	Type:      Type,
	Section:   "stackexchange",
	Doc:       "Stack Exchange: questions of one site found by tags and query (or the input's keywords), and their answers.",
	PostTypes: []string{PostTypeQuestion, PostTypeAnswer},
	Includes:  []string{IncludeQuestions, IncludeAnswers},
	Validate: func(m *models.Manager, s *Settings) []models.FieldError {
		var errs []models.FieldError
		if s.Site != "" && !siteRE.MatchString(s.Site) {
			errs = append(errs, models.FieldError{Field: "source.site", Description: "must be a site's API name, e.g. stackoverflow, superuser, math"})
		}
		if len(s.Tagged) > 5 {
			errs = append(errs, models.FieldError{Field: "source.tagged", Description: "at most 5 tags"})
		}
		for i, t := range s.Tagged {
			if !tagRE.MatchString(t) {
				errs = append(errs, models.FieldError{Field: "source.tagged[" + strconv.Itoa(i) + "]", Description: "must be a tag: lower-case letters, digits and .#+_-"})
			}
		}
		if len(s.Tagged) == 0 {
			errs = append(errs, sources.NeedsQuery(m, s.Query)...)
		}
		if len(m.Source.Include) > 0 && !slices.Contains(m.Source.Include, IncludeQuestions) && !slices.Contains(m.Source.Include, IncludeAnswers) {
			errs = append(errs, models.FieldError{Field: "source.include", Description: "must include questions or answers"})
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

func normalTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}
