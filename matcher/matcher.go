// Package matcher decides which posts matter to which manager, and why.
package matcher

import (
	"context"
	"net/url"
	"regexp"
	"strings"

	"github.com/earshothq/earshot/models"
)

// Result is the outcome of evaluating one post for one manager.
type Result struct {
	Matched bool
	Match   models.Match
}

// Matcher evaluates posts against managers.
type Matcher struct{}

// New returns a Matcher.
func New() *Matcher { return &Matcher{} }

var salesCues = []string{"looking for", "recommend", "recommendation", "recommendations", "alternative to", "alternatives to", "any suggestions", "switching from", "worth it", "which tool", "what tool", "best tool"}

// Evaluate scores post for mgr. (First cut: keywords and URL brand words on
// word boundaries; SALES also needs a purchase-intent cue.)
func (m *Matcher) Evaluate(_ context.Context, mgr *models.Manager, post *models.Post) (Result, error) {
	text := strings.ToLower(post.Title + "\n" + post.Text)
	terms := append([]string{}, mgr.Input.Keywords...)
	for _, u := range mgr.Input.URLs {
		if pu, err := url.Parse(u); err == nil && pu.Hostname() != "" {
			h := strings.TrimPrefix(pu.Hostname(), "www.")
			if i := strings.IndexByte(h, '.'); i > 0 {
				terms = append(terms, h[:i])
			}
		}
	}
	var hit []string
	for _, t := range terms {
		re := regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(strings.ToLower(t)) + `\b`)
		if re.MatchString(text) {
			hit = append(hit, t)
		}
	}
	res := Result{Match: models.Match{Focus: mgr.Input.Focus.Type, Terms: hit, Reasons: []string{}}}
	if len(hit) == 0 {
		return res, nil
	}
	switch mgr.Input.Focus.Type {
	case models.FocusSales:
		for _, c := range salesCues {
			if strings.Contains(text, c) {
				res.Matched = true
				res.Match.Score = 1
				res.Match.Reasons = append(res.Match.Reasons, "purchase intent: "+c)
				break
			}
		}
	default:
		res.Matched = true
		res.Match.Score = 1
	}
	return res, nil
}
