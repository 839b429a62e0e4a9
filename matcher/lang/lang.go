// Package lang names the language of a post when its platform does not
// (Reddit, Hacker News, GitHub, Stack Exchange, YouTube…), so that a
// query's lang: field works on every source. Detection is
// lingua (github.com/pemistahl/lingua-go v1.4.0, copied with only the
// models it reads here into third_party/lingua) in its low-accuracy mode,
// restricted to the languages most posts are written in; its models are
// loaded on first use, and a text the detector is unsure of gets no
// language ("").
package lang

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/earshothq/earshot/third_party/lingua"

	"github.com/earshothq/earshot/models"
)

// Languages are those detected: the most common languages of social
// posts. A post in another language is most often left unnamed, rarely
// named as the nearest of these.
var Languages = []lingua.Language{
	lingua.English, lingua.Spanish, lingua.French, lingua.German, lingua.Portuguese,
	lingua.Italian, lingua.Dutch, lingua.Russian, lingua.Polish, lingua.Turkish,
	lingua.Japanese, lingua.Chinese, lingua.Korean, lingua.Arabic,
}

const (
	// minRunes: shorter texts say too little to be told apart.
	minRunes = 12
	// maxRunes bounds the text read: a post's first paragraphs name its
	// language as well as the whole of it, at a fraction of the cost.
	maxRunes = 160
	// minDistance is lingua's minimum relative distance between the best
	// and the second language; below it the answer is "" (unsure).
	minDistance = 0.1
)

// Detector detects languages. It is safe for concurrent use; the zero
// value is not, use New.
type Detector struct {
	once sync.Once
	d    lingua.LanguageDetector
}

// New returns a Detector; nothing is loaded until it is first used.
func New() *Detector { return &Detector{} }

// detector is lingua's, in low-accuracy mode: it reads the trigram
// models (backing off to bigrams and unigrams), the only ones
// third_party/lingua ships.
func (d *Detector) detector() lingua.LanguageDetector {
	d.once.Do(func() {
		d.d = lingua.NewLanguageDetectorBuilder().FromLanguages(Languages...).
			WithMinimumRelativeDistance(minDistance).WithLowAccuracyMode().Build()
	})
	return d.d
}

// Detect returns the ISO 639-1 code of text's language ("en"), or "" when
// the text is too short, the detector is unsure or nil.
func (d *Detector) Detect(text string) string {
	if d == nil {
		return ""
	}
	text = strings.TrimSpace(text)
	if utf8.RuneCountInString(text) < minRunes {
		return ""
	}
	if len(text) > maxRunes*4 || utf8.RuneCountInString(text) > maxRunes {
		r := []rune(text)
		if len(r) > maxRunes {
			text = string(r[:maxRunes])
		}
	}
	if l := fast(text); l != "" {
		return l
	}
	l, ok := d.detector().DetectLanguageOf(text)
	if !ok {
		return ""
	}
	return strings.ToLower(l.IsoCode639_1().String())
}

// Fill sets p.Lang from the post's title and text when the platform named
// none. A nil Detector does nothing.
func (d *Detector) Fill(p *models.Post) {
	if d == nil || p.Lang != "" {
		return
	}
	text := p.Text
	if p.Title != "" {
		text = p.Title + "\n" + p.Text
	}
	p.Lang = d.Detect(text)
}
