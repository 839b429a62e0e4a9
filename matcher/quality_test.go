package matcher

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/earshothq/earshot/models"
)

type labelled struct {
	Post      models.Post `json:"post"`
	Sales     bool        `json:"sales"`
	Sentiment string      `json:"sentiment"` // negative, neutral, positive
	Mentions  bool        `json:"mentions"`  // mentions the product Trellis (trellis.io)
}

func loadLabelled(t testing.TB) []labelled {
	f, err := os.Open("testdata/labelled.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

type prf struct{ tp, fp, fn, tn int }

func (c prf) precision() float64 { return ratio(c.tp, c.tp+c.fp) }
func (c prf) recall() float64    { return ratio(c.tp, c.tp+c.fn) }
func (c prf) f1() float64 {
	p, r := c.precision(), c.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// TestQuality is a regression test on the labelled set: the floors sit a
// little below what the offline matcher measures (see BENCHMARKS.md), so a
// change that makes matching worse fails here. They are not tuning targets.
func TestQuality(t *testing.T) {
	set := loadLabelled(t)
	if len(set) < 300 {
		t.Fatalf("labelled set has %d posts, want at least 300", len(set))
	}
	focuses := []struct {
		name             string
		in               models.Input
		label            func(labelled) bool
		minP, minR, minF float64
	}{
		{"SALES", models.Input{Focus: models.Focus{Type: FocusSales}}, func(l labelled) bool { return l.Sales }, 0.88, 0.93, 0.91},
		{"MENTIONS", models.Input{URLs: []string{"https://trellis.io"}, Focus: models.Focus{Type: FocusMentions}}, func(l labelled) bool { return l.Mentions }, 0.65, 0.95, 0.78},
		{"SENTIMENT/NEGATIVE", models.Input{Focus: models.Focus{Type: FocusSentiment, Polarity: PolarityNegative}}, func(l labelled) bool { return l.Sentiment == "negative" }, 0.72, 0.79, 0.76},
		{"SENTIMENT/POSITIVE", models.Input{Focus: models.Focus{Type: FocusSentiment, Polarity: PolarityPositive}}, func(l labelled) bool { return l.Sentiment == "positive" }, 0.60, 0.81, 0.69},
		{"SENTIMENT/NEGATIVE/VADER", models.Input{Focus: models.Focus{Type: FocusSentiment, Polarity: PolarityNegative, Model: models.SentimentModelVADER}}, func(l labelled) bool { return l.Sentiment == "negative" }, 0.64, 0.70, 0.67},
		{"SENTIMENT/POSITIVE/VADER", models.Input{Focus: models.Focus{Type: FocusSentiment, Polarity: PolarityPositive, Model: models.SentimentModelVADER}}, func(l labelled) bool { return l.Sentiment == "positive" }, 0.48, 0.83, 0.61},
	}
	m := offline(t)
	for _, f := range focuses {
		t.Run(f.name, func(t *testing.T) {
			mgr := manager("quality", f.in)
			var c prf
			for _, l := range set {
				r, err := m.Evaluate(context.Background(), mgr, &l.Post)
				if err != nil {
					t.Fatal(err)
				}
				want := f.label(l)
				switch {
				case r.Matched && want:
					c.tp++
				case r.Matched && !want:
					c.fp++
					if testing.Verbose() {
						t.Logf("false positive %s: %s %s %v", l.Post.ID, l.Post.Title, l.Post.Text, r.Match.Reasons)
					}
				case !r.Matched && want:
					c.fn++
					if testing.Verbose() {
						t.Logf("false negative %s: %s %s %v", l.Post.ID, l.Post.Title, l.Post.Text, r.Match.Reasons)
					}
				default:
					c.tn++
				}
			}
			t.Logf("%-20s n=%d precision=%.3f recall=%.3f F1=%.3f (tp=%d fp=%d fn=%d)", f.name, len(set), c.precision(), c.recall(), c.f1(), c.tp, c.fp, c.fn)
			if c.precision() < f.minP || c.recall() < f.minR || c.f1() < f.minF {
				t.Errorf("below floor: precision %.3f (min %.2f) recall %.3f (min %.2f) F1 %.3f (min %.2f)", c.precision(), f.minP, c.recall(), f.minR, c.f1(), f.minF)
			}
		})
	}
}
