// Package lang names the language of a post when its platform does not
// (Reddit, Hacker News, GitHub, Stack Exchange, YouTube…), so that a
// query's lang: field works on every source. Detection is a count of
// function words first, then github.com/abadojack/whatlanggo's trigram
// profiles restricted to the languages most posts are written in; a text
// the detector is unsure of gets no language ("").
package lang

import (
	"strings"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"

	"github.com/earshothq/earshot/models"
)

// Languages are those detected: the most common languages of social
// posts. A post in another language is most often left unnamed, rarely
// named as the nearest of these.
var Languages = []whatlanggo.Lang{
	whatlanggo.Eng, whatlanggo.Spa, whatlanggo.Fra, whatlanggo.Deu, whatlanggo.Por,
	whatlanggo.Ita, whatlanggo.Nld, whatlanggo.Rus, whatlanggo.Pol, whatlanggo.Tur,
	whatlanggo.Jpn, whatlanggo.Cmn, whatlanggo.Kor, whatlanggo.Arb,
}

const (
	// minRunes: shorter texts say too little to be told apart.
	minRunes = 12
	// maxRunes bounds the text read: a post's first paragraphs name its
	// language as well as the whole of it, at a fraction of the cost.
	maxRunes = 160
)

// Detector detects languages. It is safe for concurrent use; the zero
// value is not, use New.
type Detector struct {
	opts whatlanggo.Options
}

// New returns a Detector.
func New() *Detector {
	d := &Detector{opts: whatlanggo.Options{Whitelist: map[whatlanggo.Lang]bool{}}}
	for _, l := range Languages {
		d.opts.Whitelist[l] = true
	}
	return d
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
	// The whitelist narrows the profiles compared within a script; a
	// script of one language (Greek, Thai…) is named whatever the list,
	// hence the second check. IsReliable is whatlanggo's own threshold
	// on the lead of the best language over the second.
	info := whatlanggo.DetectWithOptions(text, d.opts)
	if !info.IsReliable() || !d.opts.Whitelist[info.Lang] {
		return ""
	}
	return info.Lang.Iso6391()
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
