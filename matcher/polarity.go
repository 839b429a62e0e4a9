package matcher

import (
	"sync"

	"github.com/earshothq/earshot/matcher/sentiment"
	"github.com/earshothq/earshot/models"
)

// learnedModel is the embedded sentiment model (matcher/sentiment,
// trained by `earshot-train sentiment`), decoded once per process.
var learnedModel = sync.OnceValue(func() *sentiment.Model { return sentiment.Embedded(analyzer()) })

// usesVADER reports whether the focus reads VADER instead of the learned
// model (input.focus.model: VADER).
func (c *compiled) usesVADER() bool { return c.focus.Model == models.SentimentModelVADER }

// polarity is the post's sentiment in [-1, 1] as the focus's model reads
// it: match.sentiment, and what CRISIS counts by.
func (c *compiled) polarity(d *doc) float64 {
	if c.usesVADER() {
		return d.sentiment(analyzer())
	}
	return d.learnedPolarity()
}

// statementPolarity is polarity of what the post states, its questions
// left out (see doc.statements), and whether it asks any.
func (c *compiled) statementPolarity(d *doc) (float64, bool) {
	if c.usesVADER() {
		return d.statements(analyzer())
	}
	return d.learnedStatements()
}

// defaultThreshold is the polarity past which the focus's model calls a
// post positive or negative: VADER's ±0.05, or the cut-off the learned
// model was tuned to.
func (c *compiled) defaultThreshold() float64 {
	if c.usesVADER() {
		return DefaultSentimentThreshold
	}
	return learnedModel().Threshold()
}

// learnedPolarity is the learned model's polarity of the post's title and
// text, VADER's compound score being one of its features.
func (d *doc) learnedPolarity() float64 {
	if !d.learnedDone {
		bp := sentimentBufs.Get().(*[]byte)
		b := appendSentimentText((*bp)[:0], d.post)
		if len(b) > 0 {
			d.learned = learnedModel().Polarity(b, d.sentiment(analyzer()))
		}
		*bp = b
		sentimentBufs.Put(bp)
		d.learnedDone = true
	}
	return d.learned
}

// learnedStatements is the learned model's polarity of the post's
// statements; a post that asks nothing scores its whole text.
func (d *doc) learnedStatements() (float64, bool) {
	_, asks := d.statements(analyzer())
	if !asks {
		return d.learnedPolarity(), false
	}
	if !d.learnedStmtDone {
		bp := sentimentBufs.Get().(*[]byte)
		b := appendSentimentText((*bp)[:0], d.post)
		kept, _ := dropQuestions(b)
		if len(kept) > 0 {
			d.learnedStmt = learnedModel().Polarity(kept, d.opinion)
		}
		*bp = b
		sentimentBufs.Put(bp)
		d.learnedStmtDone = true
	}
	return d.learnedStmt, true
}
