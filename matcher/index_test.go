package matcher

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/earshothq/earshot/models"
)

func TestAutomaton(t *testing.T) {
	pats := []string{" he ", " she ", " his ", " hers ", " he", " social listening ", " listening "}
	a := newAutomaton(pats)
	text := []byte(" she said his hers social listening hex ")
	var got []string
	a.scan(text, func(id int32, end int) { got = append(got, fmt.Sprintf("%s@%d", strings.TrimSpace(pats[id]), end)) })
	slices.Sort(got)
	// Naive reference.
	var want []string
	for id, p := range pats {
		for i := 0; i+len(p) <= len(text); i++ {
			if string(text[i:i+len(p)]) == p {
				want = append(want, fmt.Sprintf("%s@%d", strings.TrimSpace(pats[id]), i+len(p)))
			}
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

func TestAutomatonRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alpha := "ab "
	for round := 0; round < 200; round++ {
		var pats []string
		for i := 0; i < 1+r.IntN(30); i++ {
			var b strings.Builder
			for j := 0; j < 1+r.IntN(6); j++ {
				b.WriteByte(alpha[r.IntN(len(alpha))])
			}
			pats = append(pats, b.String())
		}
		a := newAutomaton(pats)
		text := make([]byte, 200)
		for i := range text {
			text[i] = alpha[r.IntN(len(alpha))]
		}
		counts := make([]int, len(pats))
		a.scan(text, func(id int32, _ int) { counts[id]++ })
		for id, p := range pats {
			want := 0
			for i := 0; i+len(p) <= len(text); i++ {
				if string(text[i:i+len(p)]) == p {
					want++
				}
			}
			if counts[id] != want {
				t.Fatalf("round %d pattern %q: %d hits, want %d", round, p, counts[id], want)
			}
		}
	}
}

// MatchIndex over the index must agree with Evaluate of every manager,
// for a few hand-written managers of each kind of input (a disabled one
// left out).
func TestMatchIndexAgreesWithEvaluateByHand(t *testing.T) {
	managers := []*models.Manager{
		manager("a", models.Input{Keywords: []string{"acme"}, Focus: models.Focus{Type: FocusMentions}}),
		manager("b", models.Input{Query: `crm -hiring`, Focus: models.Focus{Type: FocusSales}}),
		manager("c", models.Input{Query: `subreddit:marketing`, Focus: models.Focus{Type: FocusSentiment}}),
		manager("d", models.Input{Query: `title:"social listening" OR plug*`, Focus: models.Focus{Type: FocusMentions}}),
		manager("e", models.Input{URLs: []string{"https://www.globex.co.uk"}, Focus: models.Focus{Type: FocusMentions}}),
		manager("f", models.Input{Keywords: []string{"acme"}, Excludes: []string{"coyote"}, Focus: models.Focus{Type: FocusMentions}}),
		manager("g", models.Input{Query: `NOT spam`, Focus: models.Focus{Type: FocusSentiment, Polarity: "POSITIVE"}}),
	}
	disabled := manager("off", models.Input{Keywords: []string{"acme"}, Focus: models.Focus{Type: FocusMentions}})
	disabled.Enable = false
	m := offline(t)
	ix, err := m.IndexOf("read", append(managers, disabled))
	if err != nil {
		t.Fatal(err)
	}
	posts := []*models.Post{
		post("1", "Acme rocks", "love it"),
		post("2", "Looking for a CRM", "any recommendations? we are not hiring"),
		post("3", "Social listening plugins", "the coyote bought acme stuff, terrible"),
		post("4", "", "Globex is awful, spam everywhere"),
		post("5", "nothing", "to see"),
	}
	for _, p := range posts {
		got, err := m.MatchIndex(context.Background(), ix, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		var gotIDs, wantIDs []string
		for _, r := range got {
			gotIDs = append(gotIDs, r.Manager.ID)
			// A match carries the same score, terms and reasons.
			want, _ := m.Evaluate(context.Background(), r.Manager, p)
			if !reflect.DeepEqual(r.Result, want) {
				t.Errorf("post %s manager %s: MatchIndex %+v, Evaluate %+v", p.ID, r.Manager.ID, r.Result, want)
			}
		}
		for _, mg := range managers {
			r, _ := m.Evaluate(context.Background(), mg, p)
			if r.Matched {
				wantIDs = append(wantIDs, mg.ID)
			}
		}
		slices.Sort(gotIDs)
		slices.Sort(wantIDs)
		if !slices.Equal(gotIDs, wantIDs) {
			t.Errorf("post %s: MatchIndex %v, Evaluate %v", p.ID, gotIDs, wantIDs)
		}
	}
	// Candidates: g and c have no indexable terms and are always candidates.
	cands := ix.Candidates(post("x", "", "unrelated words"))
	var ids []string
	for _, c := range cands {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"c", "g"}) {
		t.Errorf("candidates %v", ids)
	}
}

func TestBuildIndexReportsBadManager(t *testing.T) {
	_, err := BuildIndex([]*models.Manager{manager("bad", models.Input{Query: "a OR"})})
	if err == nil || !strings.Contains(err.Error(), "namespaces/acme/managers/bad: input.query: query: column 5") {
		t.Fatalf("got %v", err)
	}
	m := offline(t)
	ix, err := m.IndexOf("read", []*models.Manager{manager("bad", models.Input{Query: "a OR"}), manager("ok", models.Input{Keywords: []string{"acme"}})})
	if err == nil || ix.Stats().Managers != 1 {
		t.Fatalf("want the good manager indexed and the bad one reported: %v", err)
	}
}

// Indexes are cached by key and rebuilt when the managers change: while
// the managers of one key change under concurrent readers, every post is
// matched against the whole generation its caller asked for — never a
// mix, never none, never the other generation.
func TestIndexOfFollowsManagerChanges(t *testing.T) {
	gens := [][]*models.Manager{
		{manager("a", models.Input{Keywords: []string{"acme"}, Focus: models.Focus{Type: FocusMentions}})},
		{manager("b", models.Input{Keywords: []string{"acme"}, Focus: models.Focus{Type: FocusMentions}})},
	}
	m := offline(t)
	p := post("1", "Acme rocks", "love it")
	errs := make(chan string, 4)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				gen := gens[(i+w)%2]
				ix, err := m.IndexOf("read", gen)
				if err != nil {
					errs <- err.Error()
					return
				}
				m.Retain(gen)
				got, err := m.MatchIndex(context.Background(), ix, p, nil)
				if err != nil || len(got) != 1 || got[0].Manager != gen[0] {
					select {
					case errs <- fmt.Sprintf("generation %s: %d results, err %v", gen[0].ID, len(got), err):
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case e := <-errs:
		t.Fatal(e)
	default:
	}
}
