package train

import (
	"fmt"
	"strings"

	"github.com/earshothq/earshot/matcher/sentiment"
)

// Metrics are three-class figures: SemEval 2017 task 4A quotes macro
// recall (its primary measure), macro F1 and F1-PN (the mean F1 of the
// positive and negative classes).
type Metrics struct {
	N         int
	Confusion [k][k]int // [gold][predicted]
}

// Add counts one prediction.
func (m *Metrics) Add(gold, pred int) {
	m.N++
	m.Confusion[gold][pred]++
}

func (m *Metrics) prf(c int) (p, r, f float64) {
	tp := m.Confusion[c][c]
	var pred, gold int
	for o := range k {
		pred += m.Confusion[o][c]
		gold += m.Confusion[c][o]
	}
	if pred > 0 {
		p = float64(tp) / float64(pred)
	}
	if gold > 0 {
		r = float64(tp) / float64(gold)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return p, r, f
}

// MacroF1 is the unweighted mean of the classes' F1.
func (m *Metrics) MacroF1() float64 {
	s := 0.0
	for c := range k {
		_, _, f := m.prf(c)
		s += f
	}
	return s / k
}

// MacroRecall is the unweighted mean of the classes' recall.
func (m *Metrics) MacroRecall() float64 {
	s := 0.0
	for c := range k {
		_, r, _ := m.prf(c)
		s += r
	}
	return s / k
}

// F1PN is the mean F1 of the positive and negative classes.
func (m *Metrics) F1PN() float64 {
	_, _, fp := m.prf(sentiment.ClassPositive)
	_, _, fn := m.prf(sentiment.ClassNegative)
	return (fp + fn) / 2
}

// Accuracy is the share of correct predictions.
func (m *Metrics) Accuracy() float64 {
	if m.N == 0 {
		return 0
	}
	c := 0
	for i := range k {
		c += m.Confusion[i][i]
	}
	return float64(c) / float64(m.N)
}

// String is one line of figures.
func (m *Metrics) String() string {
	return fmt.Sprintf("macro-F1 %.3f  macro-recall %.3f  F1-PN %.3f  accuracy %.3f  (n=%d)",
		m.MacroF1(), m.MacroRecall(), m.F1PN(), m.Accuracy(), m.N)
}

// Table is the confusion table, gold in rows.
func (m *Metrics) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %9s %9s %9s\n", "gold\\pred", "negative", "neutral", "positive")
	for g := range k {
		fmt.Fprintf(&b, "%-10s %9d %9d %9d\n", sentiment.ClassNames[g], m.Confusion[g][0], m.Confusion[g][1], m.Confusion[g][2])
	}
	return b.String()
}

// classOf is the class of a polarity at threshold t.
func classOf(pol, t float64) int {
	switch {
	case pol >= t:
		return sentiment.ClassPositive
	case pol <= -t:
		return sentiment.ClassNegative
	}
	return sentiment.ClassNeutral
}

// Score measures polarities against labels at threshold t.
func Score(pol []float64, labels []int, t float64) Metrics {
	var m Metrics
	for i, p := range pol {
		m.Add(labels[i], classOf(p, t))
	}
	return m
}

// BestThreshold is the shift in [-1, 1] (steps of 0.05) and threshold in
// [0, 0.6] (steps of 0.01) with the highest macro-F1 (returned) on the set
// reweighted to equal class sizes, the first of equals. The shift is added
// to the positive class's logit and taken from the negative one's.
// Reweighting keeps the tuning set's own class mix (half of
// twitter-2016devtest is positive) out of the choice: the posts a monitor
// reads have their own.
func BestThreshold(logits [][k]float64, labels []int) (shift, threshold, balancedF1 float64) {
	var n [k]float64
	for _, l := range labels {
		n[l]++
	}
	var w [k]float64
	for c := range w {
		if n[c] > 0 {
			w[c] = 1 / n[c]
		}
	}
	bestF := -1.0
	for si := -20; si <= 20; si++ {
		sh := float64(si) / 20
		pol := Shifted(logits, sh)
		for ti := 0; ti <= 60; ti++ {
			t := float64(ti) / 100
			var conf [k][k]float64
			for i, p := range pol {
				conf[labels[i]][classOf(p, t)] += w[labels[i]]
			}
			if f := macroF1(&conf); f > bestF {
				shift, threshold, bestF = sh, t, f
			}
		}
	}
	return shift, threshold, bestF
}

func macroF1(conf *[k][k]float64) float64 {
	s := 0.0
	for c := range k {
		var pred, gold float64
		for o := range k {
			pred += conf[o][c]
			gold += conf[c][o]
		}
		if pred > 0 && gold > 0 && conf[c][c] > 0 {
			p, r := conf[c][c]/pred, conf[c][c]/gold
			s += 2 * p * r / (p + r)
		}
	}
	return s / k
}

// Shifted are the polarities of logits shifted by shift.
func Shifted(logits [][k]float64, shift float64) []float64 {
	out := make([]float64, len(logits))
	for i, z := range logits {
		z[sentiment.ClassPositive] += shift
		z[sentiment.ClassNegative] -= shift
		p := softmax(z)
		out[i] = p[sentiment.ClassPositive] - p[sentiment.ClassNegative]
	}
	return out
}

// Logits are the unquantized model's class logits of a featurized set.
func Logits(p *sentiment.ModelParams, data *Featurized) [][k]float64 {
	out := make([][k]float64, data.Len())
	for ex := range out {
		var z [k]float64
		for _, i := range data.buckets[ex] {
			z[0] += p.Weights[int(i)*k]
			z[1] += p.Weights[int(i)*k+1]
			z[2] += p.Weights[int(i)*k+2]
		}
		for c := range z {
			z[c] = float64(z[c]*data.value[ex]) + p.Bias[c]
			for d, x := range data.dense[ex] {
				z[c] += float64(p.Dense[d*k+c] * x)
			}
		}
		out[ex] = z
	}
	return out
}

// Labels are the examples' labels.
func Labels(ex []Example) []int {
	out := make([]int, len(ex))
	for i, e := range ex {
		out[i] = e.Label
	}
	return out
}
