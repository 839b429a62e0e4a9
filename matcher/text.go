package matcher

import (
	"bytes"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/earshothq/earshot/matcher/query"
	"github.com/earshothq/earshot/matcher/sentiment"
	"github.com/earshothq/earshot/matcher/spam"
	"github.com/earshothq/earshot/models"
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

	opinionDone bool
	opinion     float64
	asks        bool

	learnedDone     bool
	learned         float64
	learnedStmtDone bool
	learnedStmt     float64

	salesDone bool
	sales     float64
	salesWhy  []string
	stage     string

	spamDone bool
	spam     spam.Reason
	dupDone  bool
	dups     int64
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
func (d *doc) sentiment(a *sentiment.Analyzer) float64 {
	if !d.sentDone {
		d.compound = compoundScore(a, d.post)
		d.sentDone = true
	}
	return d.compound
}

// statements is the compound score of what the post states: its
// sentences other than questions, and whether it asks any. Sentiment words
// in a question ask rather than judge ("what's the best tool?", "any good
// alternative?"); lexicon-based sentiment analysis treats questions as
// irrealis and leaves them out (SO-CAL: Taboada et al., "Lexicon-Based
// Methods for Sentiment Analysis", Computational Linguistics 37(2), 2011).
// A post that asks nothing scores its compound score.
func (d *doc) statements(a *sentiment.Analyzer) (float64, bool) {
	if !d.opinionDone {
		d.opinion, d.asks = statementScore(a, d.post)
		if !d.asks {
			d.opinion = d.sentiment(a)
		}
		d.opinionDone = true
	}
	return d.opinion, d.asks
}

func statementScore(a *sentiment.Analyzer, p *models.Post) (float64, bool) {
	bp := sentimentBufs.Get().(*[]byte)
	defer sentimentBufs.Put(bp)
	b := appendSentimentText((*bp)[:0], p)
	*bp = b
	kept, asks := dropQuestions(b)
	if !asks || len(kept) == 0 {
		return 0, asks
	}
	return a.CompoundBytes(kept), true
}

// dropQuestions removes from a sentiment text (single spaces) the
// sentences that end in a run of terminal punctuation holding a '?', in
// place, and reports whether there were any. A sentence ends at a run of
// '.', '!' or '?' followed by a space or the end of the text; the title is
// a sentence of its own.
func dropQuestions(b []byte) ([]byte, bool) {
	out := b[:0]
	asks := false
	start := 0
	for i := 0; i < len(b); i++ {
		if c := b[i]; c != '.' && c != '!' && c != '?' {
			continue
		}
		j, q := i, false
		for ; j < len(b) && (b[j] == '.' || b[j] == '!' || b[j] == '?'); j++ {
			q = q || b[j] == '?'
		}
		i = j - 1
		if j < len(b) && b[j] != ' ' {
			continue // "4.5", "e.g.x": not a sentence end
		}
		if q {
			asks = true
		} else {
			if len(out) > 0 {
				out = append(out, ' ')
			}
			out = append(out, b[start:j]...) // never ahead of what is read
		}
		start = j + 1
	}
	if start < len(b) {
		if len(out) > 0 {
			out = append(out, ' ')
		}
		out = append(out, b[start:]...)
	}
	return out, asks
}

// analyzer is VADER with govader's lexicon (embedded, no network needed).
// Building it parses the lexicon, so it is done once per process; it is
// read-only afterwards and safe for concurrent use.
var analyzer = sync.OnceValue(sentiment.New)

// sentimentBufs recycles the buffers a post is joined into for VADER.
var sentimentBufs = sync.Pool{New: func() any { return new([]byte) }}

// compoundScore runs VADER on the title and text.
func compoundScore(a *sentiment.Analyzer, p *models.Post) float64 {
	bp := sentimentBufs.Get().(*[]byte)
	b := appendSentimentText((*bp)[:0], p)
	c := 0.0
	if len(b) > 0 {
		c = a.CompoundBytes(b)
	}
	*bp = b
	sentimentBufs.Put(bp)
	return c
}

// appendSentimentText appends what VADER reads of a post. VADER splits
// words on single spaces, so other whitespace is folded first, and a title
// without final punctuation is ended as a sentence.
func appendSentimentText(b []byte, p *models.Post) []byte {
	if t := strings.TrimSpace(p.Title); t != "" {
		b = appendFields(b, t)
		if last := t[len(t)-1]; last != '.' && last != '!' && last != '?' {
			b = append(b, '.')
		}
		b = append(b, ' ')
	}
	b = appendFields(b, p.Text)
	return bytes.TrimSpace(b)
}

func appendFields(b []byte, s string) []byte {
	space := false
	for i := 0; i < len(s); {
		// A run of plain ASCII words between single spaces, the common
		// case, is copied at once.
		start := i
		for i < len(s) {
			c := s[i]
			if c >= utf8.RuneSelf {
				break
			}
			if asciiSpace[c] && (c != ' ' || i == start || i+1 == len(s) || s[i+1] >= utf8.RuneSelf || asciiSpace[s[i+1]]) {
				break
			}
			i++
		}
		if i > start {
			if space && len(b) > 0 && b[len(b)-1] != ' ' {
				b = append(b, ' ')
			}
			space = false
			b = append(b, s[start:i]...)
			continue
		}
		r, size := rune(s[i]), 1
		if s[i] >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		if r < utf8.RuneSelf || r == 0x85 || r == 0xA0 {
			space = true
			continue
		}
		if space && len(b) > 0 && b[len(b)-1] != ' ' {
			b = append(b, ' ')
		}
		space = false
		if r == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, r) // an invalid byte reads as U+FFFD
		} else {
			b = append(b, s[i-size:i]...)
		}
	}
	if space {
		b = append(b, ' ')
	}
	return b
}

// asciiSpace is the ASCII whitespace appendFields folds (it also folds
// U+0085 and U+00A0).
var asciiSpace = [utf8.RuneSelf]bool{' ': true, '\n': true, '\t': true, '\r': true, '\v': true, '\f': true}
