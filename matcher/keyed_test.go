package matcher

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/models"
)

// One index pass over a stream's managers gives every manager what
// Evaluate gives it alone: the same managers match, with the same result,
// and crisis windows count the same posts. A thousand managers of every
// focus type, over random posts that hit their terms.
func TestMatchIndexAgreesWithEvaluate(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 10))
	vocab := benchVocab(r)[:400] // few terms: many managers share them
	now := time.Date(2026, 6, 13, 12, 0, 0, 0, time.UTC)
	focuses := FocusTypes()
	var managers []*models.Manager
	for i := range 1000 {
		in := models.Input{Focus: models.Focus{Type: focuses[i%len(focuses)]}}
		switch i % 5 {
		case 0:
			in.Keywords = []string{vocab[r.IntN(len(vocab))], vocab[r.IntN(len(vocab))] + " " + filler[r.IntN(len(filler))]}
		case 1:
			in.Keywords = []string{vocab[r.IntN(len(vocab))]}
			in.Excludes = []string{filler[r.IntN(len(filler))]}
		case 2:
			in.Query = fmt.Sprintf("%s AND NOT %s", vocab[r.IntN(len(vocab))], filler[r.IntN(len(filler))])
		case 3:
			in.Query = fmt.Sprintf(`title:%s OR "%s"`, vocab[r.IntN(len(vocab))], vocab[r.IntN(len(vocab))])
		case 4:
			in.URLs = []string{"https://www." + strings.ReplaceAll(vocab[r.IntN(len(vocab))], " ", "") + ".com"}
		}
		if in.Focus.Type == FocusCrisis {
			in.Focus.MinPosts = 1
		}
		managers = append(managers, manager(fmt.Sprintf("m%04d", i), in))
	}
	var posts []*models.Post
	for i := range 400 {
		var b strings.Builder
		for b.Len() < 200 {
			if r.IntN(6) == 0 {
				b.WriteString(vocab[r.IntN(len(vocab))])
			} else {
				b.WriteString(filler[r.IntN(len(filler))])
			}
			b.WriteByte(' ')
		}
		title := ""
		if i%3 == 0 {
			title = "Looking for " + vocab[r.IntN(len(vocab))] + " alternatives?"
		}
		text := b.String()
		if i%4 == 0 {
			text += " this is terrible, awful and broken, I hate it"
		}
		p := post(fmt.Sprint(i), title, text)
		p.Time = models.NewTimestamp(now.Add(time.Duration(i) * time.Second))
		posts = append(posts, p)
	}
	// Odd managers leave out the posts of odd ids: the filter of a
	// combined read (a subreddit they do not watch).
	want := func(p *models.Post) func(*models.Manager) bool {
		return func(m *models.Manager) bool { return m.ID[len(m.ID)-1]%2 == 0 || p.ID[len(p.ID)-1]%2 == 0 }
	}
	clock := func() time.Time { return now }
	indexed := New(Options{HTTPClient: failingClient(), Now: clock})
	alone := New(Options{HTTPClient: failingClient(), Now: clock})
	ctx := context.Background()
	ix, err := indexed.IndexOf("stream", managers)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := indexed.IndexOf("stream", managers); again != ix {
		t.Error("the same managers rebuilt the index")
	}
	matched, spikes := 0, 0
	for _, p := range posts {
		got, err := indexed.MatchIndex(ctx, ix, p, want(p))
		if err != nil {
			t.Fatal(err)
		}
		gotBy := map[string]Result{}
		for _, r := range got {
			gotBy[r.Manager.ID] = r.Result
		}
		var gotIDs, wantIDs []string
		for id := range gotBy {
			gotIDs = append(gotIDs, id)
		}
		for _, mg := range managers {
			if !want(p)(mg) {
				continue
			}
			r, err := alone.Evaluate(ctx, mg, p)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Matched && r.Spike == nil {
				continue
			}
			wantIDs = append(wantIDs, mg.ID)
			if g, ok := gotBy[mg.ID]; ok && !reflect.DeepEqual(g, r) {
				t.Errorf("post %s manager %s: MatchIndex %+v, Evaluate %+v", p.ID, mg.ID, g, r)
			}
			if r.Matched {
				matched++
			}
			if r.Spike != nil {
				spikes++
			}
		}
		slices.Sort(gotIDs)
		slices.Sort(wantIDs)
		if !slices.Equal(gotIDs, wantIDs) {
			t.Fatalf("post %s: MatchIndex %v, Evaluate %v", p.ID, gotIDs, wantIDs)
		}
	}
	if matched < 100 || spikes == 0 {
		t.Errorf("%d matches and %d spikes: the test exercises too little", matched, spikes)
	}
	t.Logf("%d matches, %d spikes", matched, spikes)
}
