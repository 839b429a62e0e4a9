package matcher

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/earshothq/earshot/models"
	"github.com/jonreiter/govader"
)

// The benchmark world: 10,000 managers of 5 terms each (brand-like words
// and two-word phrases drawn from a 20,000-term vocabulary, so a term is
// shared by a few managers), and posts of about 300 bytes of ordinary
// English with two vocabulary terms in them.

const benchManagers = 10_000

var syllables = strings.Fields("ka lo mi ra ve to su ne pa di fo gu be xa zo li ta ro me ny qu sa de fi no")

var filler = strings.Fields(`the a to and of in for is on that with we our it this you are was be have has not but
they our team need looking at about from just can will what when how more some any all would like really been
customers support pricing week month today new old great bad slow fast issue problem data report dashboard
email post posts social media people company business small work working time help thanks please anyone know`)

func benchVocab(r *rand.Rand) []string {
	seen := map[string]bool{}
	var out []string
	for len(out) < 20_000 {
		var b strings.Builder
		for j := 0; j < 2+r.IntN(3); j++ {
			b.WriteString(syllables[r.IntN(len(syllables))])
		}
		w := b.String()
		if r.IntN(4) == 0 {
			w += " " + filler[r.IntN(len(filler))]
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

func benchWorld(b *testing.B) ([]*models.Manager, []*models.Post) {
	return benchWorldModel(b, "")
}

// benchWorldModel is benchWorld with every manager's focus.model set.
func benchWorldModel(b *testing.B, model string) ([]*models.Manager, []*models.Post) {
	r := rand.New(rand.NewPCG(42, 6))
	vocab := benchVocab(r)
	focuses := FocusTypes()[:3]
	managers := make([]*models.Manager, benchManagers)
	for i := range managers {
		kw := make([]string, 5)
		for j := range kw {
			kw[j] = vocab[r.IntN(len(vocab))]
		}
		managers[i] = manager(fmt.Sprintf("m%05d", i), models.Input{Keywords: kw, Focus: models.Focus{Type: focuses[i%len(focuses)], Model: model}})
	}
	posts := make([]*models.Post, 1000)
	for i := range posts {
		var t bytes.Buffer
		for t.Len() < 290 {
			if t.Len() > 0 {
				t.WriteByte(' ')
			}
			if r.IntN(25) == 0 {
				t.WriteString(vocab[r.IntN(len(vocab))])
			} else {
				t.WriteString(filler[r.IntN(len(filler))])
			}
		}
		text := t.String()
		text = strings.Replace(text, " ", ", looking for "+vocab[r.IntN(len(vocab))]+" ", 1)
		posts[i] = post(fmt.Sprint(i), "", text+"?")
	}
	return managers, posts
}

func postsPerSec(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkIndex10k: the index stage (normalize, one automaton scan,
// candidate managers) of a post against 10,000 managers.
func BenchmarkIndex10k(b *testing.B) {
	managers, posts := benchWorld(b)
	ix, err := BuildIndex(managers)
	if err != nil {
		b.Fatal(err)
	}
	cands := 0
	b.SetBytes(300)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st := ix.scan(posts[i%len(posts)])
		cands += len(st.cands)
		ix.release(st)
	}
	postsPerSec(b)
	b.ReportMetric(float64(cands)/float64(b.N), "candidates/post")
}

// BenchmarkNaive10k: the same question answered the naive way, each
// manager checking each of its terms on word boundaries (one normalized
// copy of the post, then a substring search per term).
func BenchmarkNaive10k(b *testing.B) {
	managers, posts := benchWorld(b)
	type naive struct{ pats [][]byte }
	ns := make([]naive, len(managers))
	for i, mg := range managers {
		c, _ := compileManager(mg, nil)
		for _, t := range c.terms {
			ns[i].pats = append(ns[i].pats, []byte(t.pattern))
		}
	}
	cands := 0
	var buf []byte
	b.SetBytes(300)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := newDoc(posts[i%len(posts)], buf)
		buf = d.norm
		for _, n := range ns {
			for _, p := range n.pats {
				if bytes.Contains(d.norm, p) {
					cands++
					break
				}
			}
		}
	}
	postsPerSec(b)
	b.ReportMetric(float64(cands)/float64(b.N), "candidates/post")
}

// BenchmarkScore10k: full offline scoring as a read's posts are scored
// (IndexOf, then MatchIndex for each post): index, then
// every candidate's expression and focus score, the learned sentiment
// model included (VADER too: it is one of the model's features).
func BenchmarkScore10k(b *testing.B) { benchScore10k(b, "") }

// BenchmarkScore10kVADER: the same with every manager on focus.model
// VADER, the baseline the model's cost is measured against.
func BenchmarkScore10kVADER(b *testing.B) { benchScore10k(b, models.SentimentModelVADER) }

func benchScore10k(b *testing.B, model string) {
	managers, posts := benchWorldModel(b, model)
	m := New(Options{HTTPClient: failingClient()})
	ix, err := m.IndexOf("bench", managers)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	matched := 0
	b.SetBytes(300)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rs, err := m.MatchIndex(ctx, ix, posts[i%len(posts)], nil)
		if err != nil {
			b.Fatal(err)
		}
		matched += len(rs)
	}
	postsPerSec(b)
	b.ReportMetric(float64(matched)/float64(b.N), "matches/post")
}

// BenchmarkScoreNaive10k: full scoring the naive way, Evaluate for every
// manager (compiled managers cached, as in the pipeline).
func BenchmarkScoreNaive10k(b *testing.B) {
	managers, posts := benchWorld(b)
	m := New(Options{HTTPClient: failingClient()})
	ctx := context.Background()
	for _, mg := range managers {
		m.Evaluate(ctx, mg, posts[0])
	}
	b.SetBytes(300)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := posts[i%len(posts)]
		for _, mg := range managers {
			if _, err := m.Evaluate(ctx, mg, p); err != nil {
				b.Fatal(err)
			}
		}
	}
	postsPerSec(b)
}

// BenchmarkSentiment: VADER (package sentiment) on one ~300-byte post.
func BenchmarkSentiment(b *testing.B) {
	_, posts := benchWorld(b)
	a := analyzer()
	b.SetBytes(300)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		compoundScore(a, posts[i%len(posts)])
	}
	postsPerSec(b)
}

// BenchmarkSentimentModel: the learned model on the same posts, its VADER
// feature included.
func BenchmarkSentimentModel(b *testing.B) {
	_, posts := benchWorld(b)
	ds := make([]*doc, len(posts))
	for i, p := range posts {
		ds[i] = newDoc(p, nil)
	}
	b.SetBytes(300)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := ds[i%len(ds)]
		d.learnedDone, d.sentDone = false, false
		d.learnedPolarity()
	}
	postsPerSec(b)
}

// BenchmarkSentimentGovader: the same posts through govader, the oracle
// package sentiment is checked against (TestSentimentMatchesGovader).
func BenchmarkSentimentGovader(b *testing.B) {
	_, posts := benchWorld(b)
	g := govader.NewSentimentIntensityAnalyzer()
	texts := make([]string, len(posts))
	for i, p := range posts {
		texts[i] = string(appendSentimentText(nil, p))
	}
	b.SetBytes(300)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g.PolarityScores(texts[i%len(texts)])
	}
	postsPerSec(b)
}

// BenchmarkBuildIndex10k: compiling 10,000 managers and building the
// automaton; reports the index's own size.
func BenchmarkBuildIndex10k(b *testing.B) {
	managers, _ := benchWorld(b)
	b.ReportAllocs()
	b.ResetTimer()
	var st IndexStats
	for i := 0; i < b.N; i++ {
		ix, err := BuildIndex(managers)
		if err != nil {
			b.Fatal(err)
		}
		st = ix.Stats()
	}
	b.ReportMetric(float64(st.Bytes)/(1<<20), "index-MiB")
	b.ReportMetric(float64(st.States), "states")
	b.ReportMetric(float64(st.Patterns), "patterns")
}
