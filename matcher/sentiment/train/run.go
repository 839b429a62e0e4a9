package train

import (
	"fmt"
	"io"

	"github.com/earshothq/earshot/matcher/sentiment"
)

// Options are a training run's settings. The defaults (DefaultOptions)
// are the ones the embedded model was trained with.
type Options struct {
	Config  sentiment.FeatureConfig
	Lambdas []float64 // tried on the tuning set; the best is kept
	Eta0    float64
	Epochs  int
	Seed    uint64
	Average bool
	// Bags models, trained with seeds Seed, Seed+1, …, are averaged into
	// one (a linear model still).
	Bags int
	// SkipTest leaves the test set unread, for choosing settings.
	SkipTest bool
	// ClassPower: see Hyper.
	ClassPower float64
	// NB: see Hyper; 0 is off.
	NB float64
}

// DefaultOptions are the settings of the embedded model.
func DefaultOptions() Options {
	return Options{
		Config:     sentiment.FeatureConfig{Bits: 18, CharMin: 3, CharMax: 5, Flags: sentiment.FlagSkipBigrams},
		Lambdas:    []float64{1e-6, 3e-6, 1e-5, 3e-5},
		Eta0:       0.2,
		Epochs:     12,
		Seed:       1,
		Average:    true,
		Bags:       1,
		ClassPower: 1,
		NB:         0.3,
	}
}

// Report holds a run's figures.
type Report struct {
	Lambda, Threshold, Shift float64
	TuneBalancedF1           float64
	TuneModel, TuneVADER     Metrics // on the tuning set, model trained without it
	TestModel, TestVADER     Metrics // on the test set, the final (quantized) model
	TrainSize                int
}

// Run trains the sentiment model from the SemEval data in split: it picks
// λ and the decision threshold on the tuning set with a model trained on
// the training files alone, then trains the final model on training and
// tuning files with those settings, quantizes it, and measures the
// quantized model and VADER on the test file, which nothing was chosen
// on. Progress goes to log.
func Run(split *Split, o Options, log io.Writer) ([]byte, Report, error) {
	a := sentiment.New()
	var r Report
	fmt.Fprintf(log, "data: train %d, tune %d, test %d (after dedup: %d duplicates, %d conflicting, %d malformed dropped)\n",
		len(split.Train), len(split.Tune), len(split.Test), split.Duplicates, split.Conflicts, split.Malformed)
	train := Featurize(a, o.Config, split.Train)
	tune := Featurize(a, o.Config, split.Tune)
	tuneLabels := Labels(split.Tune)
	bestF := -1.0
	for _, l := range o.Lambdas {
		h := o.hyper(l)
		p := o.train(train, h)
		z := Logits(&p, tune)
		sh, t, f := BestThreshold(z, tuneLabels)
		m := Score(Shifted(z, sh), tuneLabels, t)
		fmt.Fprintf(log, "λ=%g: tune %s, class-balanced macro-F1 %.3f, at shift %.2f, threshold %.2f\n", l, m.String(), f, sh, t)
		if f > bestF {
			bestF, r.Lambda, r.Shift, r.Threshold, r.TuneModel, r.TuneBalancedF1 = f, l, sh, t, m, f
		}
	}
	for _, e := range split.Tune {
		r.TuneVADER.Add(e.Label, classOf(a.Compound(e.Text), 0.05))
	}
	h := o.hyper(r.Lambda)
	all := Concat(train, tune)
	r.TrainSize = all.Len()
	p := o.train(all, h)
	p.Threshold = r.Threshold
	p.Bias[sentiment.ClassPositive] += r.Shift
	p.Bias[sentiment.ClassNegative] -= r.Shift
	b, err := sentiment.EncodeModel(p)
	if err != nil {
		return nil, r, err
	}
	m, err := sentiment.LoadModel(b, a)
	if err != nil {
		return nil, r, err
	}
	if o.SkipTest {
		return b, r, nil
	}
	for _, e := range split.Test {
		c := a.Compound(e.Text)
		r.TestModel.Add(e.Label, m.Class(m.Polarity([]byte(e.Text), c)))
		r.TestVADER.Add(e.Label, classOf(c, 0.05))
	}
	return b, r, nil
}

func (o Options) hyper(lambda float64) Hyper {
	return Hyper{Lambda: lambda, Eta0: o.Eta0, Epochs: o.Epochs, Seed: o.Seed, Average: o.Average, ClassPower: o.ClassPower, NB: o.NB}
}

// train is Train, bagged over o.Bags seeds.
func (o Options) train(data *Featurized, h Hyper) sentiment.ModelParams {
	p := Train(data, o.Config, h)
	for b := 1; b < o.Bags; b++ {
		h.Seed++
		q := Train(data, o.Config, h)
		for i := range p.Weights {
			p.Weights[i] += q.Weights[i]
		}
		for i := range p.Dense {
			p.Dense[i] += q.Dense[i]
		}
		for i := range p.Bias {
			p.Bias[i] += q.Bias[i]
		}
	}
	if n := float64(max(1, o.Bags)); n > 1 {
		for i := range p.Weights {
			p.Weights[i] /= n
		}
		for i := range p.Dense {
			p.Dense[i] /= n
		}
		for i := range p.Bias {
			p.Bias[i] /= n
		}
	}
	return p
}
