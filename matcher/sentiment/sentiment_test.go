package sentiment

import (
	"encoding/csv"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jonreiter/govader"
)

// govader is the oracle: every score must equal its compound score.
var (
	oracle   = sync.OnceValue(govader.NewSentimentIntensityAnalyzer)
	analyzer = sync.OnceValue(New)
)

const tolerance = 1e-9

func checkSame(t *testing.T, text string) {
	t.Helper()
	want := oracle().PolarityScores(text).Compound
	got := analyzer().Compound(text)
	if math.Abs(got-want) > tolerance || math.IsNaN(got) {
		t.Errorf("Compound(%q) = %.12f, govader %.12f", text, got, want)
	}
	if gotB := analyzer().CompoundBytes([]byte(text)); gotB != got {
		t.Errorf("CompoundBytes(%q) = %.12f, Compound %.12f", text, gotB, got)
	}
}

// tricky exercises every rule: the reference examples of VADER and
// govader, then negation windows, "no", "least", "but", ALL CAPS,
// punctuation, idioms, emoticons, emoji, odd spacing and bytes.
var tricky = []string{
	"VADER is smart, handsome, and funny.",
	"VADER is smart, handsome, and funny!",
	"VADER is very smart, handsome, and funny.",
	"VADER is VERY SMART, handsome, and FUNNY.",
	"VADER is VERY SMART, handsome, and FUNNY!!!",
	"VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
	"VADER is not smart, handsome, nor funny.",
	"The book was good.",
	"At least it isn't a horrible book.",
	"The book was only kind of good.",
	"The plot was good, but the characters are uncompelling and the dialog is not great.",
	"Today SUX!",
	"Today only kinda sux! But I'll get by, lol",
	"Make sure you :) or :D today!",
	"Catch utf-8 emoji such as such as 💘 and 💋 and 😁",
	"Catch utf-8 emoji such as such as💘 and 💋 and 😁",
	"Not bad at all",
	"Sentiment analysis has never been good.",
	"Sentiment analysis has never been this good!",
	"Most automated sentiment analysis tools are shit.",
	"With VADER, sentiment analysis is the shit!",
	"Other sentiment analysis tools can be quite bad.",
	"On the other hand, VADER is quite bad ass",
	"VADER is such a badass!",
	"Without a doubt, excellent idea.",
	"Without a doubt, an excellent idea.",
	"Roger Dodger is one of the most compelling variations on this theme.",
	"Roger Dodger is at least compelling as a variation on the theme.",
	"Roger Dodger is one of the least compelling variations on this theme.",
	"Not such a badass after all.",
	"Not GREATLY bad at all!!!!!",
	"Not GREATLY bad at all??",
	"Not GREATLY bad at all????",
	"Not least GREATLY bad at all????",
	"Not GREATLY least bad at all????",
	"least bad at all????",
	"No not GREATLY least bad at all????",
	"The book was only kind of no good.",
	"The book was only kind of bad ass good.",
	"The book was only kind of never so bad ass good.",
	"The book was only kind of without doubt bad ass good.",
	"The book was only kind of badn't ass good.",
	// negation
	"I don't love it", "I dont love it", "It isn't bad", "not really good", "never so happy",
	"never this good", "never been so good", "without doubt great", "nothing good here",
	"I can't say it was good", "no problem at all", "no good", "no way this is good",
	"no sugar or happiness", "no sugar nor joy", "no problems, no worries", "it was not not good",
	"hardly good", "barely acceptable", "this is not the worst", "uh-uh, not happy", "I wasn't",
	// boosters and dampeners
	"really really good", "extremely bad", "kind of sad", "sort of happy", "sorta great",
	"just enough fun", "it was kind of great", "the kind of person I love", "kind",
	"EXTREMELY good service", "extremely GOOD service", "SO bad", "so BAD", "VERY VERY happy",
	// least
	"the least helpful", "at least helpful", "very least helpful", "Least helpful", "LEAST helpful",
	"least", "at least", "it is the LEAST bad",
	// but
	"good but bad", "bad but good", "It was great, but the support was awful.",
	"but", "BUT it was good", "good but", "I like it but but I hate it",
	// caps
	"GREAT", "GREAT product", "GREAT PRODUCT", "the product is GREAT", "I HATE IT", "i hate IT",
	"NO", "NO good", "ok OK ok", "A B c", "AWFUL awful",
	// punctuation
	"good!", "good!!", "good!!!!", "good!!!!!!!!", "good?", "good??", "good???", "good????", "bad?!?!",
	"!!!", "???", "bad!!! but good???", "neutral words only!!!",
	// idioms
	"yeah right", "that is the bomb", "the shit", "kiss of death", "this is to die for",
	"bad ass", "badass", "this is the shit really", "what a kiss of death that was",
	"cut the mustard", "under the weather", "yeah right it is good", "oh yeah right good",
	"a b c the shit good", "x kiss of death good",
	// emoticons and emoji
	":)", ":(", ":-)", ":D", ":d", "XD", "<3", "</3", ";)", ":P", "=)", ":-(", "good :(", "bad :)",
	"😀", "😡😡", "I love it😍", "so sad 😢 today", "ok 👍👍👍", "🙂🙃", "no 😀", "❤", "❤️", "✨ great ✨",
	"©", "™ good",
	// spacing, empty and odd bytes
	"", " ", "   ", "\t\n", "good  bad", "  good  ", "good\tbad", "good\nbad", "good\u00a0bad",
	"a  b  c  good", "...", "a.", "!good!", "(good)", "'good'", "\"great\"", "good.bad", "good,bad",
	"gr\xffeat", "\xff\xfe good", "good \xed\xa0\x80", "\uFFFD good", "ÉNORME good", "Straße good",
	"İstanbul is lovely", "ǅ good", "\u212Aind of good", "ﬁne good", "Ⱥ great",
	"GOOD! GREAT? AWFUL...", "don't", "DON'T like it", "n't good", "aren't good", "isn't GOOD",
	// requests that read as positive
	"What's the best tool? Any recommendations would be great, thanks!",
	"Looking for a good CRM, I'd love suggestions.",
	"I've used it for a year and I love it. Best purchase ever.",
	"Terrible support. Never again!!!",
}

func TestCompoundMatchesGovader(t *testing.T) {
	for _, text := range tricky {
		checkSame(t, text)
	}
}

// TestCompoundMatchesGovaderCorpus compares the two on a large corpus of
// real texts, e.g. govader's own benchmark/vader_test.csv (294,000 lines):
//
//	VADER_CORPUS=$(go env GOMODCACHE)/github.com/jonreiter/govader@v0.0.0-20250429093935-f6505c8d03cc/benchmark/vader_test.csv go test ./matcher/sentiment -run Corpus
func TestCompoundMatchesGovaderCorpus(t *testing.T) {
	path := os.Getenv("VADER_CORPUS")
	if path == "" {
		t.Skip("VADER_CORPUS not set")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range rec {
			checkSame(t, text)
			// The matcher folds whitespace; score that form too.
			checkSame(t, strings.Join(strings.Fields(text), " "))
			n++
		}
		if t.Failed() {
			break
		}
	}
	t.Logf("%d texts compared", n)
}

func FuzzCompound(f *testing.F) {
	for _, text := range tricky {
		f.Add(text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkSame(t, text)
	})
}

func TestCompoundDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	a := analyzer()
	text := "The plot was GOOD, but the characters are uncompelling 😁 and the dialog is not great!!"
	a.Compound(text) // warm the pool
	if n := testing.AllocsPerRun(100, func() { a.Compound(text) }); n > 0 {
		t.Errorf("Compound allocates %.1f times per call", n)
	}
}

var benchText = "Our team has been using the dashboard for a month and honestly it's really good, " +
	"the reports are fast and support answered within an hour. Pricing is a bit steep for a small " +
	"business though, and the email integration was slow to set up. Would I recommend it? Yes, mostly!"

func BenchmarkCompound(b *testing.B) {
	a := analyzer()
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		a.Compound(benchText)
	}
}

func BenchmarkGovader(b *testing.B) {
	g := oracle()
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		g.PolarityScores(benchText)
	}
}

// TestCompoundConcurrent: one Analyzer serves many goroutines (run with
// -race).
func TestCompoundConcurrent(t *testing.T) {
	a := analyzer()
	want := make([]float64, len(tricky))
	for i, text := range tricky {
		want[i] = a.Compound(text)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 200 {
				i := (g*31 + k) % len(tricky)
				if got := a.Compound(tricky[i]); got != want[i] {
					t.Errorf("Compound(%q) = %v concurrently, %v alone", tricky[i], got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}
