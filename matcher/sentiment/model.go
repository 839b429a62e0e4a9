package sentiment

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
)

// Classes, in the order of a model's weights.
const (
	ClassNegative = iota
	ClassNeutral
	ClassPositive
	NumClasses
)

// ClassNames are the labels of the classes, in order.
var ClassNames = [NumClasses]string{"negative", "neutral", "positive"}

// Model is a multinomial logistic regression over the features of
// features.go, trained by matcher/sentiment/train (`earshot-train
// sentiment`). Its weights are int16 with one scale. It is read-only and
// safe for concurrent use.
type Model struct {
	cfg   FeatureConfig
	w     []int16 // bucket*NumClasses + class
	scale float64
	dense [NumDense * NumClasses]float64
	bias  [NumClasses]float64
	// threshold: |polarity| at or past it is a positive or negative post.
	threshold float64
	vader     *Analyzer
	pool      sync.Pool
}

const modelMagic = "ESM1"

// ModelParams are a trained model's weights, in float64, as training
// leaves them.
type ModelParams struct {
	Config    FeatureConfig
	Weights   []float64 // 2^Bits × NumClasses, bucket-major
	Dense     [NumDense * NumClasses]float64
	Bias      [NumClasses]float64
	Threshold float64
}

// EncodeModel writes params in the model file format: the header, the
// float32 dense weights and biases, and the hashed weights quantized to
// int16 with one scale (little endian throughout).
func EncodeModel(p ModelParams) ([]byte, error) {
	n := 1 << p.Config.Bits
	if len(p.Weights) != n*NumClasses {
		return nil, fmt.Errorf("sentiment: %d weights for %d buckets", len(p.Weights), n)
	}
	maxAbs := 0.0
	for _, v := range p.Weights {
		maxAbs = max(maxAbs, math.Abs(v))
	}
	scale := float32(maxAbs / math.MaxInt16)
	if scale == 0 {
		scale = 1
	}
	b := make([]byte, 0, 64+8*NumDense*NumClasses+2*len(p.Weights))
	b = append(b, modelMagic...)
	b = append(b, p.Config.Bits, p.Config.CharMin, p.Config.CharMax, NumClasses)
	b = binary.LittleEndian.AppendUint16(b, NumDense)
	b = binary.LittleEndian.AppendUint16(b, p.Config.Flags)
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(scale))
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(p.Threshold)))
	for _, v := range p.Bias {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v)))
	}
	for _, v := range p.Dense {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v)))
	}
	for _, v := range p.Weights {
		q := math.Round(v / float64(scale))
		b = binary.LittleEndian.AppendUint16(b, uint16(int16(max(-math.MaxInt16, min(math.MaxInt16, q)))))
	}
	return b, nil
}

// ErrBadModel reports a model file that is not one this code reads.
var ErrBadModel = errors.New("sentiment: not a model file of this version")

// LoadModel reads a model file written by EncodeModel. The model computes
// its VADER feature with vader.
func LoadModel(b []byte, vader *Analyzer) (*Model, error) {
	const head = 4 + 4 + 4 + 4 + 4 + 4*NumClasses
	if len(b) < head || string(b[:4]) != modelMagic || b[7] != NumClasses ||
		binary.LittleEndian.Uint16(b[8:]) != NumDense {
		return nil, ErrBadModel
	}
	m := &Model{vader: vader}
	m.cfg = FeatureConfig{Bits: b[4], CharMin: b[5], CharMax: b[6], Flags: binary.LittleEndian.Uint16(b[10:])}
	if m.cfg.Bits < 8 || m.cfg.Bits > 24 || m.cfg.Flags&^FlagsKnown != 0 || m.cfg.CharMax > 8 || m.cfg.CharMax > 0 && m.cfg.CharMin > m.cfg.CharMax {
		return nil, fmt.Errorf("%w: feature settings %+v", ErrBadModel, m.cfg)
	}
	f32 := func(off int) float64 { return float64(math.Float32frombits(binary.LittleEndian.Uint32(b[off:]))) }
	m.scale = f32(12)
	m.threshold = f32(16)
	off := 20
	for k := range m.bias {
		m.bias[k] = f32(off)
		off += 4
	}
	if len(b) < off+4*len(m.dense) {
		return nil, ErrBadModel
	}
	for i := range m.dense {
		m.dense[i] = f32(off)
		off += 4
	}
	n := (1 << m.cfg.Bits) * NumClasses
	if len(b) != off+2*n {
		return nil, fmt.Errorf("%w: %d bytes of weights, want %d", ErrBadModel, len(b)-off, 2*n)
	}
	m.w = make([]int16, n)
	for i := range m.w {
		m.w[i] = int16(binary.LittleEndian.Uint16(b[off+2*i:]))
	}
	m.pool.New = func() any { return &featScratch{} }
	return m, nil
}

//go:embed model/sentiment.bin
var embeddedModel []byte

// Embedded decodes the model trained by `earshot-train sentiment` and
// embedded in the binary (a few milliseconds: do it once per process).
// vader supplies its VADER feature.
func Embedded(vader *Analyzer) *Model {
	m, err := LoadModel(embeddedModel, vader)
	if err != nil {
		panic("sentiment: embedded model: " + err.Error()) // a build defect, caught by the tests
	}
	return m
}

// Config is the model's feature space.
func (m *Model) Config() FeatureConfig { return m.cfg }

// Threshold is the polarity magnitude at which the model calls a text
// positive or negative (chosen on the tuning set at training time).
func (m *Model) Threshold() float64 { return m.threshold }

// MaxText bounds what the model reads of a text: a post's opinion shows
// in its first pages, and the feature buffers stay small.
const MaxText = 16 << 10

// Probabilities returns the class probabilities of text, in class order;
// compound is VADER's score of the same text. Only its first MaxText bytes
// are read.
func (m *Model) Probabilities(text []byte, compound float64) [NumClasses]float64 {
	if len(text) > MaxText {
		text = text[:MaxText]
	}
	s := m.pool.Get().(*featScratch)
	m.vader.features(s, m.cfg, text, compound)
	var sum [NumClasses]int64
	for _, i := range s.idx {
		w := m.w[int(i)*NumClasses : int(i)*NumClasses+NumClasses : int(i)*NumClasses+NumClasses]
		sum[0] += int64(w[0])
		sum[1] += int64(w[1])
		sum[2] += int64(w[2])
	}
	v := hashedValue(len(s.idx)) * m.scale
	var z [NumClasses]float64
	for k := range z {
		z[k] = m.bias[k] + float64(sum[k])*v
		for d, x := range s.dense {
			z[k] += m.dense[d*NumClasses+k] * x
		}
	}
	m.pool.Put(s)
	return softmax(z)
}

// Polarity is P(positive) − P(negative) of text, in [-1, 1]; compound is
// VADER's score of the same text.
func (m *Model) Polarity(text []byte, compound float64) float64 {
	p := m.Probabilities(text, compound)
	return p[ClassPositive] - p[ClassNegative]
}

// PolarityString is Polarity of a string, computing VADER's score itself.
func (m *Model) PolarityString(text string) float64 {
	return m.Polarity([]byte(text), m.vader.Compound(text))
}

// Class is the class the polarity falls in at the model's threshold.
func (m *Model) Class(polarity float64) int {
	switch {
	case polarity >= m.threshold:
		return ClassPositive
	case polarity <= -m.threshold:
		return ClassNegative
	}
	return ClassNeutral
}

func softmax(z [NumClasses]float64) [NumClasses]float64 {
	top := max(z[0], z[1], z[2])
	var p [NumClasses]float64
	sum := 0.0
	for k := range z {
		p[k] = math.Exp(z[k] - top)
		sum += p[k]
	}
	for k := range p {
		p[k] /= sum
	}
	return p
}

// Features is a text's feature vector as training reads it: hashed
// buckets, each of value Value, and the dense features.
type Features struct {
	Buckets []uint32
	Value   float64
	Dense   [NumDense]float64
}

// AppendFeatures computes the features of text (VADER's score included)
// under cfg into f, reusing its buffer.
func (a *Analyzer) AppendFeatures(f *Features, cfg FeatureConfig, text string) {
	s := &featScratch{idx: f.Buckets[:0]}
	a.features(s, cfg, []byte(text), a.Compound(text))
	f.Buckets = s.idx
	f.Value = hashedValue(len(s.idx))
	f.Dense = s.dense
}
