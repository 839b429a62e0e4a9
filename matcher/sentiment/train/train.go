package train

import (
	"math"

	"github.com/earshothq/earshot/matcher/sentiment"
)

const k = sentiment.NumClasses

// Hyper are the training hyper-parameters.
type Hyper struct {
	Lambda float64 // L2 regularization
	Eta0   float64 // initial learning rate
	Epochs int
	Seed   uint64
	// Average returns the average of the weights over all steps (averaged
	// SGD), which generalizes better than the last ones.
	Average bool
	// ClassPower is how far the class weights balance the classes: weight
	// (n / (3·n_c))^ClassPower; 0 leaves them equal, 1 balances fully.
	ClassPower float64
	// NB > 0 scales each hashed feature, per class, by |r| + NB, where r
	// is its naive-Bayes log-count ratio for the class against the rest
	// on the training data (Wang & Manning 2012): a reparametrization
	// w = w'·s that lets informative features move faster and
	// regularizes them less. The model stores w, so scoring is unchanged.
	NB float64
}

// Featurized is a data set turned into features once, for several runs.
type Featurized struct {
	buckets [][]uint32
	value   []float64
	dense   [][sentiment.NumDense]float64
	labels  []int
}

// Featurize computes the features of every example under cfg.
func Featurize(a *sentiment.Analyzer, cfg sentiment.FeatureConfig, ex []Example) *Featurized {
	f := &Featurized{
		buckets: make([][]uint32, len(ex)),
		value:   make([]float64, len(ex)),
		dense:   make([][sentiment.NumDense]float64, len(ex)),
		labels:  make([]int, len(ex)),
	}
	var fe sentiment.Features
	for i, e := range ex {
		a.AppendFeatures(&fe, cfg, e.Text)
		f.buckets[i] = append([]uint32(nil), fe.Buckets...)
		f.value[i] = fe.Value
		f.dense[i] = fe.Dense
		f.labels[i] = e.Label
	}
	return f
}

// Concat joins featurized sets.
func Concat(sets ...*Featurized) *Featurized {
	out := &Featurized{}
	for _, s := range sets {
		out.buckets = append(out.buckets, s.buckets...)
		out.value = append(out.value, s.value...)
		out.dense = append(out.dense, s.dense...)
		out.labels = append(out.labels, s.labels...)
	}
	return out
}

// Len is the number of examples.
func (f *Featurized) Len() int { return len(f.labels) }

// splitmix64 is the shuffling generator: fixed here, so that a seed gives
// the same order on every Go version.
type splitmix64 uint64

func (s *splitmix64) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Train fits a multinomial logistic regression by stochastic gradient
// descent with L2 regularization (Bottou's scaled-weights form, so an
// update touches only the example's features), class weights that balance
// the three classes, and a learning rate of η0 / (1 + λ·η0·t). It is
// deterministic: the same data, settings and seed give the same weights,
// bit for bit (every product is rounded explicitly, so no fused
// multiply-add can differ between platforms).
func Train(data *Featurized, cfg sentiment.FeatureConfig, h Hyper) sentiment.ModelParams {
	n := data.Len()
	buckets := 1 << cfg.Bits
	v := make([]float64, buckets*k)
	var vd [sentiment.NumDense * k]float64
	var bias [k]float64
	scale := 1.0
	// Averaging: sum[f] is Σ_t scale_t·v_t[f] up to step last[f], and S the
	// running Σ_t scale_t, so a feature's sum is brought up to date only
	// when it is touched (and once at the end).
	var sum []float64
	var last []float64
	var dsum [sentiment.NumDense * k]float64
	var bsum [k]float64
	S := 0.0
	if h.Average {
		sum = make([]float64, buckets*k)
		last = make([]float64, buckets)
	}
	catchUp := func(i uint32) {
		d := S - last[i]
		if d != 0 {
			w := v[int(i)*k : int(i)*k+k : int(i)*k+k]
			a := sum[int(i)*k : int(i)*k+k : int(i)*k+k]
			a[0] += float64(w[0] * d)
			a[1] += float64(w[1] * d)
			a[2] += float64(w[2] * d)
			last[i] = S
		}
	}

	var counts [k]int
	for _, l := range data.labels {
		counts[l]++
	}
	var cw [k]float64
	for c := range cw {
		if counts[c] > 0 {
			cw[c] = math.Pow(float64(n)/float64(k*counts[c]), h.ClassPower)
		}
	}

	var m []float64
	if h.NB > 0 {
		m = nbScales(data, buckets, h.NB)
	}

	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := splitmix64(h.Seed)
	t := 0.0
	for range h.Epochs {
		for i := n - 1; i > 0; i-- {
			j := int(rng.next() % uint64(i+1))
			order[i], order[j] = order[j], order[i]
		}
		for _, ex := range order {
			eta := h.Eta0 / (1 + float64(h.Lambda*h.Eta0)*t)
			t++
			idx, val, dense, y := data.buckets[ex], data.value[ex], &data.dense[ex], data.labels[ex]
			var z [k]float64
			for _, i := range idx {
				w := v[int(i)*k : int(i)*k+k : int(i)*k+k]
				if m != nil {
					s := m[int(i)*k : int(i)*k+k : int(i)*k+k]
					z[0] += float64(w[0] * s[0])
					z[1] += float64(w[1] * s[1])
					z[2] += float64(w[2] * s[2])
					continue
				}
				z[0] += w[0]
				z[1] += w[1]
				z[2] += w[2]
			}
			for c := range z {
				z[c] = float64(z[c] * val)
				for d, x := range dense {
					z[c] += float64(vd[d*k+c] * x)
				}
				z[c] = float64(z[c]*scale) + bias[c]
			}
			p := softmax(z)
			var g [k]float64
			for c := range g {
				yc := 0.0
				if c == y {
					yc = 1
				}
				g[c] = float64(cw[y] * (p[c] - yc))
			}
			scale = float64(scale * (1 - float64(eta*h.Lambda)))
			var step [k]float64
			for c := range step {
				step[c] = float64(float64(eta*g[c]) / scale)
			}
			for _, i := range idx {
				if h.Average {
					catchUp(i)
				}
				w := v[int(i)*k : int(i)*k+k : int(i)*k+k]
				if m != nil {
					s := m[int(i)*k : int(i)*k+k : int(i)*k+k]
					w[0] -= float64(float64(step[0]*val) * s[0])
					w[1] -= float64(float64(step[1]*val) * s[1])
					w[2] -= float64(float64(step[2]*val) * s[2])
					continue
				}
				w[0] -= float64(step[0] * val)
				w[1] -= float64(step[1] * val)
				w[2] -= float64(step[2] * val)
			}
			for d, x := range dense {
				if x == 0 {
					continue
				}
				for c := range step {
					vd[d*k+c] -= float64(step[c] * x)
				}
			}
			for c := range bias {
				bias[c] -= float64(eta * g[c])
			}
			if h.Average {
				S += scale
				for i := range vd {
					dsum[i] += float64(vd[i] * scale)
				}
				for c := range bias {
					bsum[c] += bias[c]
				}
			}
			if scale < 1e-6 {
				if h.Average {
					for i := range last {
						catchUp(uint32(i))
					}
				}
				for i := range v {
					v[i] = float64(v[i] * scale)
				}
				for i := range vd {
					vd[i] = float64(vd[i] * scale)
				}
				scale = 1
			}
		}
	}
	if h.Average {
		for i := range last {
			catchUp(uint32(i))
		}
		for i := range v {
			v[i] = sum[i] / t
		}
		for i := range vd {
			vd[i] = dsum[i] / t
		}
		for c := range bias {
			bias[c] = bsum[c] / t
		}
		scale = 1
	}
	p := sentiment.ModelParams{Config: cfg, Weights: v, Bias: bias}
	for i := range v {
		v[i] = float64(v[i] * scale)
		if m != nil {
			v[i] = float64(v[i] * m[i])
		}
	}
	for i := range vd {
		p.Dense[i] = float64(vd[i] * scale)
	}
	return p
}

// nbScales are the per-bucket, per-class feature scales |r| + floor of
// Hyper.NB: r is the log ratio of the bucket's share of the class's
// feature occurrences to its share of the other classes' (add-one
// smoothed, each example counting a bucket once).
func nbScales(data *Featurized, buckets int, floor float64) []float64 {
	cnt := make([]float64, buckets*k)
	seen := make([]int, buckets)
	for i := range seen {
		seen[i] = -1
	}
	var tot [k]float64
	for ex, idx := range data.buckets {
		y := data.labels[ex]
		for _, b := range idx {
			if seen[b] == ex {
				continue
			}
			seen[b] = ex
			cnt[int(b)*k+y]++
			tot[y]++
		}
	}
	all := tot[0] + tot[1] + tot[2]
	m := make([]float64, buckets*k)
	for b := range buckets {
		c := cnt[b*k : b*k+k]
		rest := c[0] + c[1] + c[2]
		for y := range k {
			p := (c[y] + 1) / (tot[y] + float64(buckets))
			q := (rest - c[y] + 1) / (all - tot[y] + float64(buckets))
			m[b*k+y] = math.Abs(math.Log(p/q)) + floor
		}
	}
	return m
}

func softmax(z [k]float64) [k]float64 {
	top := max(z[0], z[1], z[2])
	var p [k]float64
	sum := 0.0
	for c := range z {
		p[c] = math.Exp(z[c] - top)
		sum += p[c]
	}
	for c := range p {
		p[c] /= sum
	}
	return p
}
