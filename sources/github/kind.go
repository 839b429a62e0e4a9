package github

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

// Type is the `source.type` of GitHub managers; their post types follow.
const (
	Type            = "GITHUB"
	PostTypeIssue   = "GITHUB_ISSUE"
	PostTypeComment = "GITHUB_COMMENT"
)

// Includes.
const (
	IncludeIssues   = "issues"
	IncludeComments = "comments"
)

const maxRepos = 30

// Settings are a GitHub manager's own `source` fields.
type Settings struct {
	// Query is a GitHub issue search ("earshot is:open"); without one it
	// is built from input.keywords.
	Query string `json:"query,omitempty" yaml:"query"`
	// Repos ("owner/name") narrow the search, and are the repositories
	// whose issue comments are read.
	Repos []string `json:"repos,omitempty" yaml:"repos"`
}

var repoRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// includes returns what a manager reads: source.include, or issues, and
// comments when it names repositories.
func includes(m *models.Manager, s *Settings) (issues, comments bool) {
	if len(m.Source.Include) == 0 {
		return true, len(s.Repos) > 0
	}
	return slices.Contains(m.Source.Include, IncludeIssues), slices.Contains(m.Source.Include, IncludeComments)
}

// Kind declares GitHub to Earshot.
var Kind = sources.NewKind(sources.Spec[Settings, Config]{
	Type:      Type,
	Section:   "github",
	Doc:       "GitHub: issues and pull requests found by search for the source's query or the input's keywords, and issue comments of the source's repos.",
	PostTypes: []string{PostTypeIssue, PostTypeComment},
	Includes:  []string{IncludeIssues, IncludeComments},
	Validate: func(m *models.Manager, s *Settings) []models.FieldError {
		var errs []models.FieldError
		issues, comments := includes(m, s)
		if issues {
			errs = append(errs, sources.NeedsQuery(m, s.Query)...)
		}
		if comments && len(s.Repos) == 0 {
			errs = append(errs, models.FieldError{Field: "source.repos", Description: "reading comments needs repos (owner/name)"})
		}
		if len(s.Repos) > maxRepos {
			errs = append(errs, models.FieldError{Field: "source.repos", Description: "at most " + strconv.Itoa(maxRepos) + " repos"})
		}
		for i, r := range s.Repos {
			if !repoRE.MatchString(strings.TrimSpace(r)) {
				errs = append(errs, models.FieldError{Field: "source.repos[" + strconv.Itoa(i) + "]", Description: "must be owner/name"})
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
