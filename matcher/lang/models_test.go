package lang

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/earshothq/earshot/third_party/lingua"
)

// unigramsOnly are the detected languages for which lingua has no bigram
// or trigram models (upstream ships none: their scripts name them).
var unigramsOnly = []lingua.Language{lingua.Japanese, lingua.Chinese, lingua.Korean}

// TestEveryModelShipped: third_party/lingua embeds, for every detected
// language, each model low-accuracy mode reads (trigrams, and the bigrams
// and unigrams it backs off to), each one whole — and nothing else. lingua
// takes a missing model for an empty one, so a model left out would
// change detection silently in production; here it fails.
func TestEveryModelShipped(t *testing.T) {
	names := map[int]string{1: "unigrams", 2: "bigrams", 3: "trigrams"}
	var want []string
	for _, l := range Languages {
		orders := []int{1, 2, 3}
		if slices.Contains(unigramsOnly, l) {
			orders = []int{1}
		}
		for _, n := range orders {
			count, err := lingua.LoadModel(l, n)
			if err != nil {
				t.Errorf("%v %s: %v", l, names[n], err)
				continue
			}
			t.Logf("%v %s: %d n-grams", l, names[n], count)
			want = append(want, fmt.Sprintf("language-models/%s/%s.pb.bin.zip", strings.ToLower(l.IsoCode639_1().String()), names[n]))
		}
	}
	got, err := lingua.ModelFiles()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	slices.Sort(want)
	for _, f := range got {
		if !slices.Contains(want, f) {
			t.Errorf("%s is embedded but never read", f)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("embedded %d model files, want %d", len(got), len(want))
	}
}
