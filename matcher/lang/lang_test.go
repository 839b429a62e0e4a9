package lang

import (
	"bufio"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/earshothq/earshot/models"
)

type sample struct{ lang, text string }

func evalSet(t testing.TB) []sample {
	t.Helper()
	f, err := os.Open("testdata/eval.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		l, text, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		out = append(out, sample{l, text})
	}
	return out
}

// TestAccuracyOnTheFrozenSet reports accuracy on short posts the settings
// were not chosen on, and fails below a floor well under the figure in
// BENCHMARKS.md: a regression, not noise.
func TestAccuracyOnTheFrozenSet(t *testing.T) {
	set := evalSet(t)
	d := New()
	right, unsure := 0, 0
	for _, s := range set {
		got := d.Detect(s.text)
		switch got {
		case s.lang:
			right++
		case "":
			unsure++
		default:
			t.Logf("%s detected as %s: %s", s.lang, got, s.text)
		}
	}
	acc := float64(right) / float64(len(set))
	t.Logf("accuracy %.1f%% (%d/%d), unsure %d", 100*acc, right, len(set), unsure)
	if acc < 0.85 {
		t.Errorf("accuracy %.1f%%, want at least 85%%", 100*acc)
	}
}

func TestFill(t *testing.T) {
	d := New()
	tests := []struct {
		name string
		post models.Post
		want string
	}{
		{"named by the platform", models.Post{Lang: "de", Text: "This is clearly written in English, friends."}, "de"},
		{"reddit title and text", models.Post{Title: "Looking for a social listening tool", Text: "We are a small team and need something cheap."}, "en"},
		{"too short", models.Post{Text: "lol ok"}, ""},
		{"spanish", models.Post{Text: "¿Alguien puede recomendarme una herramienta para mi negocio?"}, "es"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.post
			d.Fill(&p)
			if p.Lang != tt.want {
				t.Errorf("lang = %q, want %q", p.Lang, tt.want)
			}
		})
	}
	var none *Detector
	p := models.Post{Text: "This is clearly written in English, friends."}
	none.Fill(&p)
	if p.Lang != "" {
		t.Error("a nil detector detected")
	}
}

func BenchmarkDetect(b *testing.B) {
	set := evalSet(b)
	d := New()
	for _, s := range set {
		d.Detect(s.text) // load the models of every language
	}
	b.ResetTimer()
	for i := range b.N {
		d.Detect(set[i%len(set)].text)
	}
}

// TestModelMemory reports the heap the models of the detected languages
// take once loaded (run alone, in a process of its own:
// go test ./matcher/lang -run TestModelMemory -v).
func TestModelMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("loads every model")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d := New()
	for _, s := range evalSet(t) {
		d.Detect(s.text)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("models take %.1f MiB of heap", float64(after.HeapAlloc-before.HeapAlloc)/(1<<20))
}
