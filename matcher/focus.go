package matcher

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
)

// Focus types (input.focus.type).
const (
	FocusSales     = "SALES"
	FocusMentions  = "MENTIONS"
	FocusSentiment = "SENTIMENT"
	FocusCrisis    = "CRISIS"
)

// A focusKind is one focus type: its defaults, its validation, its score,
// and what the LLM judge is told. Adding a focus type is one of these and
// one line in focusKinds.
type focusKind struct {
	Type string
	// Doc is a sentence for the API's documentation.
	Doc string
	// Fields are the focus fields it reads besides type and minScore; a
	// field it does not read is refused, so a typo'd intent shows.
	Fields []string
	// defaults fills the fields left out.
	defaults func(f *models.Focus)
	// validate checks the focus, defaults applied.
	validate func(f *models.Focus, errs *fieldErrors)
	// score rates the post; reasons are written only when s.why is set.
	score func(s *scoring) (float64, []string, *models.Spike, error)
	// counts is set when scoring a post has an effect beyond its result
	// (CRISIS counts it), so every candidate is scored.
	counts bool
	// usesSite is set when names learnt from the input's URLs help.
	usesSite bool
	// brief tells the LLM judge what to look for; nil: not judged.
	brief func(c *compiled) string
}

// scoring is what a focus kind scores a post from.
type scoring struct {
	ctx      context.Context
	m        *Matcher
	c        *compiled
	d        *doc
	hits     []uint8
	compound float64 // the post's sentiment
	queryOK  bool
	why      bool
	// intent is set by SALES: the stage reported as match.intent.
	intent string
}

// focusKinds lists the focus types, in documentation order.
var focusKinds = []*focusKind{salesFocus, mentionsFocus, sentimentFocus, crisisFocus}

// FocusTypes returns the focus types, in documentation order.
func FocusTypes() []string {
	out := make([]string, len(focusKinds))
	for i, k := range focusKinds {
		out[i] = k.Type
	}
	return out
}

// FocusDocs returns each focus type's description.
func FocusDocs() map[string]string {
	out := map[string]string{}
	for _, k := range focusKinds {
		out[k.Type] = k.Doc
	}
	return out
}

func focusKindOf(typ string) *focusKind {
	for _, k := range focusKinds {
		if k.Type == typ {
			return k
		}
	}
	return nil
}

// Sentiment polarities; empty means PolarityNegative.
const (
	PolarityNegative = "NEGATIVE"
	PolarityPositive = "POSITIVE"
)

var salesFocus = &focusKind{
	Type:   FocusSales,
	Doc:    "purchase intent: people looking for, comparing, deciding on or reporting the purchase of a product like yours (match.intent says which)",
	Fields: []string{"stages", "allowPromotions", "model"},
	validate: func(f *models.Focus, errs *fieldErrors) {
		validateStages(f, errs)
		validateModel(f, errs)
	},
	score: func(s *scoring) (float64, []string, *models.Spike, error) {
		if s.m == nil { // mayMatch: without the duplicate count, which only lowers it
			return s.c.salesMayMatch(s.d), nil, nil, nil
		}
		score, why, stage := s.m.salesFocus(s.ctx, s.c, s.d)
		s.intent = stage
		if len(why) == 0 && s.why {
			why = []string{"no purchase intent"}
		}
		return score, why, nil, nil
	},
	brief: func(*compiled) string {
		return "SALES: find people who want to buy, replace or choose a product or service like the monitored one (purchase intent, requests for recommendations, alternatives, comparisons). Ignore vendors promoting their own product, job ads and news."
	},
}

var mentionsFocus = &focusKind{
	Type:     FocusMentions,
	Doc:      "brand mentions: posts naming your brand, product or site",
	Fields:   []string{"model"},
	validate: validateModel,
	usesSite: true,
	score: func(s *scoring) (float64, []string, *models.Spike, error) {
		score, why := mentionScore(s.c, s.hits, s.why)
		return score, why, nil, nil
	},
	brief: func(*compiled) string {
		return "MENTIONS: find posts that mention the monitored brand or product itself (not another meaning of the same word)."
	},
}

var sentimentFocus = &focusKind{
	Type:     FocusSentiment,
	Doc:      "posts about your subject whose author is clearly negative (or positive) about it",
	Fields:   []string{"polarity", "threshold", "model"},
	defaults: defaultPolarity,
	validate: validateSentiment,
	score: func(s *scoring) (float64, []string, *models.Spike, error) {
		score, why := sentimentScore(s.c, s.d, s.why)
		return score, why, nil, nil
	},
	brief: func(c *compiled) string {
		return "SENTIMENT: find posts about the monitored subject whose author is clearly " + strings.ToLower(c.focus.Polarity) + " about it."
	},
}

var crisisFocus = &focusKind{
	Type:   FocusCrisis,
	Doc:    "crisis spikes: a surge of negative posts about your subject over its usual rate",
	Fields: []string{"threshold", "window", "factor", "minPosts", "cooldown", "model"},
	defaults: func(f *models.Focus) {
		if f.Window == 0 {
			f.Window = models.Duration(DefaultCrisisWindow)
		}
		if f.Factor == 0 {
			f.Factor = DefaultCrisisFactor
		}
		if f.MinPosts == 0 {
			f.MinPosts = DefaultCrisisMinPosts
		}
		if f.Cooldown == 0 {
			f.Cooldown = f.Window
		}
	},
	validate: func(f *models.Focus, errs *fieldErrors) {
		validateThreshold(f, errs)
		validateModel(f, errs)
		if f.Window.D() < time.Minute {
			errs.add("input.focus.window", "must be at least 1m")
		}
		if f.Window.D() > maxCrisisWindow {
			errs.add("input.focus.window", "must be at most "+maxCrisisWindow.String())
		}
		// A factor below 1 would call every ordinary hour a spike.
		if !finite(f.Factor) || f.Factor < 1 {
			errs.add("input.focus.factor", "must be a number of at least 1")
		}
		if f.MinPosts < 1 {
			errs.add("input.focus.minPosts", "must be at least 1")
		}
	},
	score: func(s *scoring) (float64, []string, *models.Spike, error) {
		return s.m.crisisScore(s.ctx, s.c, s.d, s.compound, s.queryOK)
	},
	counts: true,
}

// maxCrisisWindow bounds a crisis window: its counters live in Redis for
// a few windows.
const maxCrisisWindow = 7 * 24 * time.Hour

func defaultPolarity(f *models.Focus) {
	if f.Polarity == "" {
		f.Polarity = PolarityNegative
	}
}

func validateSentiment(f *models.Focus, errs *fieldErrors) {
	if f.Polarity != PolarityNegative && f.Polarity != PolarityPositive {
		errs.add("input.focus.polarity", "must be one of "+PolarityNegative+", "+PolarityPositive)
	}
	validateThreshold(f, errs)
	validateModel(f, errs)
}

// validateModel checks input.focus.model: the sentiment model of
// match.sentiment, and the one SENTIMENT and CRISIS judge by.
func validateModel(f *models.Focus, errs *fieldErrors) {
	if f.Model != "" && !containsString(models.SentimentModels, f.Model) {
		errs.add("input.focus.model", "must be one of "+strings.Join(models.SentimentModels, ", "))
	}
}

// validateStages checks input.focus.stages: purchase-intent stages.
func validateStages(f *models.Focus, errs *fieldErrors) {
	for i, st := range f.Stages {
		if !containsString(models.IntentStages, st) {
			errs.add("input.focus.stages["+strconv.Itoa(i)+"]", "must be one of "+strings.Join(models.IntentStages, ", "))
		}
	}
}

func validateThreshold(f *models.Focus, errs *fieldErrors) {
	if f.Threshold != nil && (!finite(*f.Threshold) || *f.Threshold < 0 || *f.Threshold >= 1) {
		errs.add("input.focus.threshold", "must be a sentiment magnitude from 0 up to (not including) 1")
	}
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// fieldErrors collects field errors in the order they are found.
type fieldErrors []models.FieldError

func (fe *fieldErrors) add(field, msg string) {
	*fe = append(*fe, models.FieldError{Field: field, Description: msg})
}

// checkFocus fills the focus defaults and validates it, whatever its
// type: the one check the API, the configuration and compilation share.
func checkFocus(f *models.Focus) (*focusKind, []models.FieldError) {
	var errs fieldErrors
	k := focusKindOf(f.Type)
	if k == nil {
		errs.add("input.focus.type", "must be one of "+strings.Join(FocusTypes(), ", "))
		return nil, errs
	}
	if f.MinScore != nil && (!finite(*f.MinScore) || *f.MinScore < 0 || *f.MinScore > 1) {
		errs.add("input.focus.minScore", "must be between 0 and 1")
	}
	// A field the focus type does not read is most likely meant for
	// another type: refusing it says so instead of silently ignoring it.
	given := map[string]bool{
		"polarity": f.Polarity != "", "threshold": f.Threshold != nil, "window": f.Window != 0,
		"factor": f.Factor != 0, "minPosts": f.MinPosts != 0, "cooldown": f.Cooldown != 0,
		"model": f.Model != "", "stages": len(f.Stages) > 0, "allowPromotions": f.AllowPromotions,
	}
	for _, name := range []string{"polarity", "threshold", "window", "factor", "minPosts", "cooldown", "model", "stages", "allowPromotions"} {
		if given[name] && !containsString(k.Fields, name) {
			errs.add("input.focus."+name, "a "+k.Type+" focus does not read "+name+" (it is for "+focusesReading(name)+")")
		}
	}
	if k.defaults != nil {
		k.defaults(f)
	}
	if k.validate != nil {
		k.validate(f, &errs)
	}
	return k, errs
}

func focusesReading(field string) string {
	var out []string
	for _, k := range focusKinds {
		if containsString(k.Fields, field) {
			out = append(out, k.Type)
		}
	}
	return strings.Join(out, ", ")
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
