package matcher

import (
	"math"
	"slices"

	"github.com/earshothq/earshot/models"
)

// salesScore rates the post's purchase intent in [0, 1] with the reasons
// (see classifyIntent). It depends on the post only, so it is computed once
// per post.
func salesScore(d *doc) (float64, []string) {
	if !d.salesDone {
		v := classifyIntent(d.post)
		d.sales, d.salesWhy, d.stage = v.score, v.reason, v.stage
		d.salesDone = true
	}
	return d.sales, d.salesWhy
}

// asksToBuy reports whether the post's purchase intent is a request
// (SEEKING or COMPARING), whose positive words say what is wanted.
func (d *doc) asksToBuy() bool {
	salesScore(d)
	return d.stage == models.IntentSeeking || d.stage == models.IntentComparing
}

// salesIntent is the post's purchase intent for this manager, if its
// stage is one of focus.stages (all by default), and the stage reported as
// match.intent.
func (c *compiled) salesIntent(d *doc) (float64, []string, string) {
	score, why := salesScore(d)
	if d.stage == "" {
		return score, why, ""
	}
	if len(c.focus.Stages) > 0 && !slices.Contains(c.focus.Stages, d.stage) {
		return 0, append(slices.Clip(why), "stage "+d.stage+" not among focus.stages"), ""
	}
	return score, why, d.stage
}

func clamp01(x float64) float64 {
	if x < 0 || math.IsNaN(x) {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
