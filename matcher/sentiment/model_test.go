package sentiment

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

var model = sync.OnceValue(func() *Model { return Embedded(analyzer()) })

// TestEmbeddedModel: the embedded model loads and gets plain cases right,
// including the ones VADER's lexicon cannot see (negated praise, slang,
// emoji) and news-like neutral statements.
func TestEmbeddedModel(t *testing.T) {
	m := model()
	if th := m.Threshold(); th <= 0 || th >= 1 {
		t.Fatalf("threshold %v, want in (0, 1)", th)
	}
	tests := []struct {
		text string
		want int
	}{
		{"I love this phone, best purchase I've made all year!", ClassPositive},
		{"Great support, they fixed it in an hour. Thank you so much :)", ClassPositive},
		{"so happy with my new bike 😍", ClassPositive},
		{"This is the worst service I have ever had. Never again.", ClassNegative},
		{"the app keeps crashing and support won't answer. terrible", ClassNegative},
		{"not good at all, really disappointed", ClassNegative},
		{"ugh my flight got cancelled again, so annoyed", ClassNegative},
		{"The meeting is scheduled for Tuesday at 3pm in room 204.", ClassNeutral},
		{"Flight BA117 departs from terminal 5 at 10:40.", ClassNeutral},
	}
	for _, tt := range tests {
		p := m.PolarityString(tt.text)
		if got := m.Class(p); got != tt.want {
			t.Errorf("%q: polarity %.3f is %s, want %s", tt.text, p, ClassNames[got], ClassNames[tt.want])
		}
		if p < -1 || p > 1 {
			t.Errorf("%q: polarity %v out of [-1, 1]", tt.text, p)
		}
	}
}

// TestNegationScope: a negator marks the words up to the next clause
// punctuation, and only those.
func TestNegationScope(t *testing.T) {
	var s featScratch
	analyzer().featureTokens(&s, []byte("I don't like it, but I LOVE the price!!! not bad... @bob http://x.co/a #win sooooo"))
	var got []string
	for _, tk := range s.toks {
		w := string(s.buf[tk.lo:tk.hi])
		if tk.negated {
			w += "_NEG"
		}
		got = append(got, w)
	}
	want := "i don't like_NEG it_NEG , but i love the price !! not bad_NEG .. <user> <url> win soo"
	if strings.Join(got, " ") != want {
		t.Errorf("tokens\n %s\nwant\n %s", strings.Join(got, " "), want)
	}
}

func TestLoadModelRejectsOtherFiles(t *testing.T) {
	good := embeddedModel
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"other magic", append([]byte("XXXX"), good[4:]...)},
		{"truncated", good[:len(good)-2]},
		{"trailing bytes", append(bytes.Clone(good), 0, 0)},
		{"unknown feature flag", func() []byte { b := bytes.Clone(good); b[11] |= 0x80; return b }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := LoadModel(tt.b, analyzer()); !errors.Is(err, ErrBadModel) {
				t.Errorf("err = %v, want ErrBadModel", err)
			}
		})
	}
}

// TestEncodeLoadRoundTrip: a model file keeps what training produced, up
// to the int16 quantization of the hashed weights.
func TestEncodeLoadRoundTrip(t *testing.T) {
	cfg := FeatureConfig{Bits: 10, CharMin: 3, CharMax: 4, Flags: FlagTrigrams}
	p := ModelParams{Config: cfg, Weights: make([]float64, (1<<cfg.Bits)*NumClasses), Threshold: 0.25}
	for i := range p.Weights {
		p.Weights[i] = float64(i%7-3) / 3
	}
	p.Dense[denseCompound*NumClasses+ClassPositive] = 2
	p.Bias = [NumClasses]float64{-0.5, 0.25, 0.5}
	b, err := EncodeModel(p)
	if err != nil {
		t.Fatal(err)
	}
	m, err := LoadModel(b, analyzer())
	if err != nil {
		t.Fatal(err)
	}
	if m.Config() != cfg || m.Threshold() != 0.25 || m.bias != p.Bias {
		t.Errorf("config %+v threshold %v bias %v", m.Config(), m.Threshold(), m.bias)
	}
	for i, w := range m.w {
		if d := float64(w)*m.scale - p.Weights[i]; d > 1e-4 || d < -1e-4 {
			t.Fatalf("weight %d: %v, want %v", i, float64(w)*m.scale, p.Weights[i])
		}
	}
}

// TestSkipBigrams: the flag adds one feature per token, the pair of the
// token and the one two before it, which the plain bigrams do not have.
func TestSkipBigrams(t *testing.T) {
	a := analyzer()
	base := FeatureConfig{Bits: 20}
	skip := base
	skip.Flags = FlagSkipBigrams
	var f, g Features
	a.AppendFeatures(&f, base, "not bad at all")
	a.AppendFeatures(&g, skip, "not bad at all")
	if len(g.Buckets) != len(f.Buckets)+4 {
		t.Fatalf("%d buckets with skip-bigrams, %d without: want 4 more (one per token)", len(g.Buckets), len(f.Buckets))
	}
	// "not _ at" is the same pair in both texts, "bad at" is not.
	var h Features
	a.AppendFeatures(&h, skip, "not good at all")
	shared := 0
	in := map[uint32]bool{}
	for _, b := range g.Buckets {
		in[b] = true
	}
	for _, b := range h.Buckets {
		if in[b] {
			shared++
		}
	}
	a.AppendFeatures(&h, base, "not good at all")
	sharedBase := 0
	in = map[uint32]bool{}
	for _, b := range f.Buckets {
		in[b] = true
	}
	for _, b := range h.Buckets {
		if in[b] {
			sharedBase++
		}
	}
	if shared <= sharedBase {
		t.Errorf("texts differing in one word share %d buckets with skip-bigrams, %d without: want more", shared, sharedBase)
	}
}

func TestPolarityDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	m := model()
	text := []byte(benchText)
	m.Polarity(text, 0.5)
	if n := testing.AllocsPerRun(100, func() { m.Polarity(text, 0.5) }); n > 0 {
		t.Errorf("Polarity allocates %.1f times per call", n)
	}
}

func TestPolarityConcurrent(t *testing.T) {
	m := model()
	texts := make([][]byte, 20)
	want := make([]float64, len(texts))
	for i := range texts {
		texts[i] = []byte(fmt.Sprintf("%s %d %s", tricky[i%len(tricky)], i, benchText[:i*5]))
		want[i] = m.Polarity(texts[i], 0)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range 200 {
				i := (g*7 + k) % len(texts)
				if got := m.Polarity(texts[i], 0); got != want[i] {
					t.Errorf("Polarity(%q) = %v concurrently, %v alone", texts[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkPolarity is the learned model on one 300-byte review, VADER's
// feature given (the matcher computes it once per post anyway); compare
// BenchmarkCompound, VADER alone on the same text.
func BenchmarkPolarity(b *testing.B) {
	m := model()
	text := []byte(benchText)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		m.Polarity(text, 0.5)
	}
}

// BenchmarkPolarityWithVADER is the whole learned score: VADER, then the
// model.
func BenchmarkPolarityWithVADER(b *testing.B) {
	m := model()
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		m.PolarityString(benchText)
	}
}

func BenchmarkEmbeddedLoad(b *testing.B) {
	a := analyzer()
	for b.Loop() {
		Embedded(a)
	}
}

// FuzzPolarity: any bytes score in [-1, 1] without panicking.
func FuzzPolarity(f *testing.F) {
	for _, s := range append(tricky, "", "\xff\xfe", strings.Repeat("sooo gooood!!! ", 3000), "#", "@", "http://", ":-", "n't", "’’’") {
		f.Add(s)
	}
	m := model()
	f.Fuzz(func(t *testing.T, s string) {
		p := m.PolarityString(s)
		if p < -1 || p > 1 || p != p {
			t.Fatalf("polarity %v of %q", p, s)
		}
	})
}
