package train

import (
	"bytes"
	"crypto/sha256"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/earshothq/earshot/matcher/sentiment"
)

// TestReadSemEval: texts are unquoted and deduplicated across the sets
// (the test file first, then the tuning file), training texts with
// conflicting labels are dropped, malformed lines skipped.
func TestReadSemEval(t *testing.T) {
	s, err := ReadSemEval("testdata/semeval")
	if err != nil {
		t.Fatal(err)
	}
	texts := func(ex []Example) []string {
		var out []string
		for _, e := range ex {
			out = append(out, sentiment.ClassNames[e.Label]+":"+e.Text)
		}
		return out
	}
	check := func(name string, got, want []string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %q, want %q", name, got, want)
			return
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: %q, want %q", name, got, want)
				return
			}
		}
	}
	check("test", texts(s.Test), []string{`positive:i love it, "really"`, "negative:so sad today", "neutral:bus at 9"})
	check("tune", texts(s.Tune), []string{"neutral:Great   game tonight"})
	// "I love it" is in the test file, "great game tonight" in the tuning
	// file, "worst day ever" has two labels.
	check("train", texts(s.Train), []string{"neutral:meeting at 3pm"})
	if s.Conflicts != 2 || s.Malformed != 2 {
		t.Errorf("conflicts %d malformed %d, want 2 and 2", s.Conflicts, s.Malformed)
	}
}

// TestNBScales: a bucket seen only in one class's examples is scaled up
// for that class beyond one seen evenly in all; none is under the floor.
func TestNBScales(t *testing.T) {
	// Buckets: 0 in every example, 1 only in positive ones, 2 in none.
	data := &Featurized{
		buckets: [][]uint32{{0, 1}, {0, 1, 1}, {0}, {0}, {0}, {0}},
		labels:  []int{sentiment.ClassPositive, sentiment.ClassPositive, sentiment.ClassNegative, sentiment.ClassNegative, sentiment.ClassNeutral, sentiment.ClassNeutral},
	}
	const floor = 0.3
	m := nbScales(data, 4, floor)
	for i, v := range m {
		if v < floor || math.IsNaN(v) {
			t.Errorf("scale %d = %v, want ≥ %v", i, v, floor)
		}
	}
	pos := func(b int) float64 { return m[b*k+sentiment.ClassPositive] }
	if pos(1) <= pos(0)+0.5 {
		t.Errorf("positive-only bucket scaled %.3f, shared bucket %.3f: want the first well above", pos(1), pos(0))
	}
	if again := nbScales(data, 4, floor); !slices.Equal(again, m) {
		t.Error("nbScales differs between runs")
	}
}

func TestMetrics(t *testing.T) {
	var m Metrics
	// gold negative: 2 right, 1 neutral; gold neutral: 1 right, 1 positive;
	// gold positive: 2 right.
	for _, p := range [][2]int{{0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 2}, {2, 2}, {2, 2}} {
		m.Add(p[0], p[1])
	}
	// F1: negative 0.8, neutral 0.5, positive 0.8.
	if got := m.MacroF1(); got < 0.6999 || got > 0.7001 {
		t.Errorf("macro-F1 %v, want 0.7", got)
	}
	if got := m.MacroRecall(); got < (2.0/3+0.5+1)/3-1e-9 || got > (2.0/3+0.5+1)/3+1e-9 {
		t.Errorf("macro recall %v", got)
	}
	if got := m.F1PN(); got < 0.7999 || got > 0.8001 {
		t.Errorf("F1-PN %v, want 0.8", got)
	}
	if got := m.Accuracy(); got != 5.0/7 {
		t.Errorf("accuracy %v", got)
	}
}

// dataDir is the SemEval data: $SEMEVAL_DIR, or ../shared/data beside the
// repository as BENCHMARKS.md has it.
func dataDir(t *testing.T) string {
	dir := os.Getenv("SEMEVAL_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "data", "semeval-2017-task4a")
	}
	if _, err := os.Stat(filepath.Join(dir, TestFile)); err != nil {
		t.Skipf("no SemEval data at %s (set SEMEVAL_DIR): %v", dir, err)
	}
	return dir
}

// TestEmbeddedModelIsReproducible retrains the model with the default
// settings and checks that it is the embedded one, byte for byte, and that
// it keeps its measured quality on the test file (floors a little under
// BENCHMARKS.md's figures).
func TestEmbeddedModelIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for several seconds")
	}
	split, err := ReadSemEval(dataDir(t))
	if err != nil {
		t.Fatal(err)
	}
	b, r, err := Run(split, DefaultOptions(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := os.ReadFile(filepath.Join("..", "model", "sentiment.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, embedded) {
		t.Errorf("retrained model (sha256 %x) differs from the embedded one (sha256 %x)", sha256.Sum256(b), sha256.Sum256(embedded))
	}
	t.Logf("test: model %s; VADER %s", r.TestModel.String(), r.TestVADER.String())
	if f := r.TestModel.MacroF1(); f < 0.615 {
		t.Errorf("test macro-F1 %.3f, floor 0.615", f)
	}
	if f, v := r.TestModel.MacroF1(), r.TestVADER.MacroF1(); f < v+0.10 {
		t.Errorf("test macro-F1 %.3f, VADER %.3f: want the model 0.10 ahead", f, v)
	}
}
