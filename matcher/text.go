package matcher

import (
	"strings"
	"sync"

	"github.com/earshothq/earshot/matcher/query"
	"github.com/earshothq/earshot/models"
	"github.com/jonreiter/govader"
)

// doc is a post prepared for matching: its title and text normalized into
// one buffer, " title words \x01 text words ", so that no phrase spans the
// two fields; and its sentiment, computed on first use.
type doc struct {
	post     *models.Post
	norm     []byte
	split    int
	question bool

	sentDone bool
	compound float64

	salesDone bool
	sales     float64
	salesWhy  []string
}

const fieldSep = 0x01

func newDoc(post *models.Post, buf []byte) *doc {
	d := &doc{post: post}
	d.reset(post, buf)
	return d
}

func (d *doc) reset(post *models.Post, buf []byte) {
	*d = doc{post: post}
	b := query.AppendNormalized(buf[:0], post.Title)
	d.split = len(b)
	b = append(b, fieldSep)
	d.norm = query.AppendNormalized(b, post.Text)
	d.question = strings.IndexByte(post.Title, '?') >= 0 || strings.IndexByte(post.Text, '?') >= 0
}

func (d *doc) title() []byte { return d.norm[:d.split] }
func (d *doc) text() []byte  { return d.norm[d.split+1:] }

// sentiment is the post's VADER compound score in [-1, 1].
func (d *doc) sentiment(a *govader.SentimentIntensityAnalyzer) float64 {
	if !d.sentDone {
		d.compound = compoundScore(a, d.post)
		d.sentDone = true
	}
	return d.compound
}

// analyzer is VADER with its lexicon (embedded in govader, no network
// needed). Building it parses the lexicon, so it is done once per process;
// it is read-only afterwards and safe for concurrent use.
var analyzer = sync.OnceValue(govader.NewSentimentIntensityAnalyzer)

// compoundScore runs VADER on the title and text. VADER splits words on
// single spaces, so other whitespace is folded first, and a title without
// final punctuation is ended as a sentence.
func compoundScore(a *govader.SentimentIntensityAnalyzer, p *models.Post) float64 {
	var b strings.Builder
	b.Grow(len(p.Title) + len(p.Text) + 2)
	if t := strings.TrimSpace(p.Title); t != "" {
		writeFields(&b, t)
		if last := t[len(t)-1]; last != '.' && last != '!' && last != '?' {
			b.WriteByte('.')
		}
		b.WriteByte(' ')
	}
	writeFields(&b, p.Text)
	s := strings.TrimSpace(b.String())
	if s == "" {
		return 0
	}
	return a.PolarityScores(s).Compound
}

func writeFields(b *strings.Builder, s string) {
	space := false
	for _, r := range s {
		switch r {
		case ' ', '\n', '\t', '\r', '\v', '\f', 0x85, 0xA0:
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
}
