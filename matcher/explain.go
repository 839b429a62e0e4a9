package matcher

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/earshothq/earshot/models"
)

// Explanation is one line of `earshot match`: how a post fared against a
// manager, matched or not.
type Explanation struct {
	ID      string `json:"id"`
	Matched bool   `json:"matched"`
	// Lang is the post's language: the platform's, or detected ("" when
	// unsure).
	Lang string `json:"lang"`
	// Score is the focus score, computed even when the query did not match,
	// so users see how close a post came.
	Score float64 `json:"score"`
	// Sentiment is the post's polarity in [-1, 1] by the focus's model
	// (the learned model, or VADER's compound score).
	Sentiment float64 `json:"sentiment"`
	// Intent is the purchase-intent stage (SALES), "" when none.
	Intent  string        `json:"intent"`
	Terms   []string      `json:"terms"`
	Reasons []string      `json:"reasons"`
	Spike   *models.Spike `json:"spike,omitempty"`
}

// Explain evaluates post for mgr like Evaluate, but scores the focus even
// when the query does not match.
func (m *Matcher) Explain(ctx context.Context, mgr *models.Manager, post *models.Post) (Explanation, error) {
	m.FillLang(post)
	r, err := m.evaluate(ctx, mgr, post, true)
	return Explanation{
		ID: post.ID, Matched: r.Matched, Lang: post.Lang, Score: r.Match.Score, Sentiment: r.Match.Sentiment, Intent: r.Match.Intent,
		Terms: r.Match.Terms, Reasons: r.Match.Reasons, Spike: r.Spike,
	}, err
}

// maxPostLine bounds one input line of RunMatch.
const maxPostLine = 8 << 20

// RunMatch reads posts as JSON lines (the webhook's post shape) from in and
// writes one Explanation per post to out, as a JSON line, in input order.
// Blank lines are skipped. It stops at the first unreadable line with an
// error naming it.
func RunMatch(ctx context.Context, m *Matcher, mgr *models.Manager, in io.Reader, out io.Writer) error {
	if errs := Validate(mgr); len(errs) > 0 {
		return fmt.Errorf("matcher: %s: %w", managerLabel(mgr), CompileError(errs))
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxPostLine)
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			w.Flush()
			return err
		}
		var p models.Post
		if err := json.Unmarshal(b, &p); err != nil {
			w.Flush()
			return fmt.Errorf("line %d: not a post: %w", line, err)
		}
		e, err := m.Explain(ctx, mgr, &p)
		if err != nil {
			w.Flush()
			return fmt.Errorf("line %d: %w", line, err)
		}
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("line %d: write: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		w.Flush()
		return fmt.Errorf("line %d: %w", line+1, err)
	}
	return w.Flush()
}
