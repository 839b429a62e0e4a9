package reddit

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

// Type is the `source.type` of Reddit managers; its post types follow.
const (
	Type            = "REDDIT"
	PostTypeLink    = "REDDIT_LINK"
	PostTypeComment = "REDDIT_COMMENT"
)

// Settings are a Reddit manager's own `source` fields.
type Settings struct {
	// Subreddits limits the source to these subreddits (no "r/" prefix).
	Subreddits []string `json:"subreddits,omitempty" yaml:"subreddits"`
	// Query is a Reddit search query.
	Query string `json:"query,omitempty" yaml:"query"`
}

// Kind declares Reddit to Earshot.
var Kind = sources.NewKind(sources.Spec[Settings, Config]{
	Type:      Type,
	Section:   "reddit",
	Doc:       "Reddit: the newest links (and comments) of subreddits, a search, or all of Reddit for the input's terms.",
	PostTypes: []string{PostTypeLink, PostTypeComment},
	Includes:  []string{includePosts, includeComments},
	Validate:  validate,
	Defaults:  func(c *Config) { *c = c.WithDefaults() },
	Check:     checkConfig,
	New: func(c Config, env sources.Env) sources.Source {
		return New(c, sources.WithLogger(env.Log), sources.WithRateState(env.Rate))
	},
})

// subredditName is Reddit's rule for a subreddit's name.
var subredditName = regexp.MustCompile(`^[A-Za-z0-9_]{2,21}$`)

func validate(m *models.Manager, s *Settings) []models.FieldError {
	var errs []models.FieldError
	for i, name := range s.Subreddits {
		field := "source.subreddits[" + strconv.Itoa(i) + "]"
		lower := strings.ToLower(name)
		switch {
		case strings.HasPrefix(lower, "r/") || strings.HasPrefix(lower, "/r/"):
			errs = append(errs, models.FieldError{Field: field, Description: "write the subreddit's name without the \"r/\" prefix"})
		case !subredditName.MatchString(name):
			errs = append(errs, models.FieldError{Field: field, Description: "must be a subreddit name: 2 to 21 letters, digits or '_'"})
		}
	}
	// Reddit's comments are read from the subreddits' /comments listing:
	// its search finds links only, so a query alone has no comments to read.
	// All of Reddit (neither subreddits nor a query) reads /r/all/comments.
	if slices.Contains(m.Source.Include, includeComments) && len(s.Subreddits) == 0 && strings.TrimSpace(s.Query) != "" {
		errs = append(errs, models.FieldError{Field: "source.include", Description: "comments needs source.subreddits (Reddit search does not return comments)"})
	}
	return errs
}

func checkConfig(c *Config) []models.FieldError {
	errs := sources.CheckURLs(map[string]string{"base_url": c.BaseURL, "token_url": c.TokenURL})
	// Half a credential would silently fall back to the public API.
	if (c.ClientID == "") != (c.ClientSecret == "") {
		errs = append(errs, models.FieldError{Field: "", Description: "client_id and client_secret must be given together"})
	}
	if (c.Username == "") != (c.Password == "") {
		errs = append(errs, models.FieldError{Field: "", Description: "username and password must be given together"})
	}
	return errs
}
