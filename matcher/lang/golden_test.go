package lang

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// goldenHeader heads testdata/golden.tsv, which holds the answers of
// upstream github.com/pemistahl/lingua-go v1.4.0 (before its trimmed
// copy in third_party/lingua replaced it) for the texts of eval.tsv and
// golden-extra.tsv.
const goldenHeader = `# Answers of upstream lingua-go v1.4.0, recorded before third_party/lingua replaced it.
# detect<TAB>lingua<TAB>confidences<TAB>text: Detect's answer (fast path included), lingua's own
# answer (DetectLanguageOf, no fast path), lingua's non-zero confidence values (equal to within
# 1e-12: lingua sums log probabilities in map order, so their last digits vary). "-" is no answer.
# Do not regenerate from the trimmed copy: a difference is a change of detection.
`

type golden struct{ detect, lingua, confidences string }

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// answer is what d and its lingua detector say of text.
func answer(d *Detector, text string) golden {
	g := golden{detect: orNone(d.Detect(text)), lingua: "-"}
	ld := d.detector()
	if l, ok := ld.DetectLanguageOf(text); ok {
		g.lingua = strings.ToLower(l.IsoCode639_1().String())
	}
	var cs []string
	for _, c := range ld.ComputeLanguageConfidenceValues(text) {
		if c.Value() != 0 {
			cs = append(cs, strings.ToLower(c.Language().IsoCode639_1().String())+"="+strconv.FormatFloat(c.Value(), 'g', -1, 64))
		}
	}
	g.confidences = orNone(strings.Join(cs, " "))
	return g
}

// sameConfidences tells whether two lists of confidence values name the
// same values to within 1e-12 (a language missing from one is at 0).
func sameConfidences(t *testing.T, a, b string) bool {
	t.Helper()
	parse := func(s string) map[string]float64 {
		m := map[string]float64{}
		if s == "-" {
			return m
		}
		for _, f := range strings.Fields(s) {
			l, v, _ := strings.Cut(f, "=")
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("bad confidence %q", f)
			}
			m[l] = x
		}
		return m
	}
	ma, mb := parse(a), parse(b)
	for l := range mb {
		if _, ok := ma[l]; !ok {
			ma[l] = 0
		}
	}
	for l, x := range ma {
		if math.Abs(x-mb[l]) > 1e-12 {
			return false
		}
	}
	return true
}

// TestGoldenAnswers: the detector answers every recorded text exactly as
// upstream lingua-go did, down to its confidence values, so that an edit
// of third_party/lingua or of its model files cannot change detection
// unnoticed.
func TestGoldenAnswers(t *testing.T) {
	f, err := os.Open("testdata/golden.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := New()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.SplitN(line, "\t", 4)
		if len(fields) != 4 {
			t.Fatalf("bad line %q", line)
		}
		want := golden{fields[0], fields[1], fields[2]}
		got := answer(d, fields[3])
		if got.detect != want.detect || got.lingua != want.lingua || !sameConfidences(t, got.confidences, want.confidences) {
			t.Errorf("%q:\n got %+v\nwant %+v", fields[3], got, want)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d golden answers read", n)
	}
}
