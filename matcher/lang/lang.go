// Package lang names the language of a post when its platform does not
// (Reddit, Hacker News, GitHub, Stack Exchange, YouTube…), so that a
// query's lang: field works on every source. Detection is
// github.com/pemistahl/lingua-go restricted to the languages most posts
// are written in; its models are loaded on first use, and a text the
// detector is unsure of gets no language ("").
package lang

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/pemistahl/lingua-go"

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
	high bool
	once sync.Once
	d    lingua.LanguageDetector
}

// Option configures a Detector.
type Option func(*Detector)

// HighAccuracy uses lingua's 1- to 5-gram models instead of its
// trigrams: several times the memory and the cost per post, for one more
// right answer in a hundred on the frozen set of short posts
// (BENCHMARKS.md). The default is lingua's low-accuracy mode.
func HighAccuracy() Option { return func(d *Detector) { d.high = true } }

// New returns a Detector; nothing is loaded until it is first used.
func New(opts ...Option) *Detector {
	d := &Detector{}
	for _, o := range opts {
		o(d)
	}
	return d
}

func (d *Detector) detector() lingua.LanguageDetector {
	d.once.Do(func() {
		b := lingua.NewLanguageDetectorBuilder().FromLanguages(Languages...).WithMinimumRelativeDistance(minDistance)
		if !d.high {
			b = b.WithLowAccuracyMode()
		}
		d.d = b.Build()
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
