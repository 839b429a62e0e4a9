package reddit

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

func named(name string, subreddits []string, query string, include ...string) *models.Manager {
	m := manager(subreddits, query)
	m.Name, m.ID = "namespaces/acme/managers/"+name, name
	m.Source.Include = include
	return m
}

func TestStreamKeys(t *testing.T) {
	pub := New(Config{})
	oauth := New(Config{ClientID: "id", ClientSecret: "secret"})
	tests := []struct {
		name string
		a, b *models.Manager
		src  *Source
		same bool
	}{
		{"all of Reddit", named("a", nil, ""), named("b", nil, "", "posts", "comments"), pub, true},
		{"subreddits, any", named("a", []string{"saas"}, ""), named("b", []string{"marketing", "crm"}, ""), pub, true},
		{"one query", named("a", nil, "earshot"), named("b", nil, " earshot "), pub, true},
		{"two queries", named("a", nil, "earshot"), named("b", nil, "social listening"), pub, false},
		{"a query within subreddits", named("a", []string{"saas"}, "earshot"), named("b", nil, "earshot"), pub, false},
		{"all of Reddit is not the subreddits", named("a", nil, ""), named("b", []string{"saas"}, ""), pub, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.src.StreamKey(tc.a) == tc.src.StreamKey(tc.b); got != tc.same {
				t.Errorf("keys %q and %q: same = %v, want %v", tc.src.StreamKey(tc.a), tc.src.StreamKey(tc.b), got, tc.same)
			}
		})
	}
	// Each set of credentials has its own reader (its own rate limit).
	if pub.StreamKey(named("a", nil, "")) == oauth.StreamKey(named("a", nil, "")) {
		t.Error("two sets of credentials share a stream")
	}
	if k := oauth.StreamKey(named("a", nil, "")); strings.Contains(k, "id") && strings.Contains(k, "secret") {
		t.Errorf("the key %q shows the credentials", k)
	}
}

// Multireddit reads grow with the distinct subreddits, hold at most 100
// each, cover every subreddit once, serve only the managers that watch
// one of theirs, and a subreddit added changes one read only.
func TestCombineMultireddits(t *testing.T) {
	src := New(Config{})
	var ms []*models.Manager
	for i := range 1000 {
		ms = append(ms, named(fmt.Sprintf("m%04d", i), []string{fmt.Sprintf("sub%03d", i%300), fmt.Sprintf("sub%03d", (i*7)%300)}, ""))
	}
	reads := src.Combine(ms)
	if want := (300 + multiTarget - 1) / multiTarget; len(reads) < want || len(reads) > want+2 {
		t.Fatalf("%d reads for 300 subreddits, want about %d", len(reads), want)
	}
	cover := map[string]int{}
	subsOf := func(r sources.Read) []string {
		s, err := sources.Settings[Settings](r.Manager)
		if err != nil {
			t.Fatal(err)
		}
		return s.Subreddits
	}
	for _, r := range reads {
		subs := subsOf(r)
		if len(subs) > maxMulti {
			t.Errorf("read %s holds %d subreddits", r.Key, len(subs))
		}
		for _, s := range subs {
			cover[s]++
		}
		for _, m := range r.Managers {
			st, _ := sources.Settings[Settings](m)
			if !slices.ContainsFunc(st.Subreddits, func(s string) bool { return slices.Contains(subs, s) }) {
				t.Errorf("read %s serves %s, which watches none of its subreddits", r.Key, m.ID)
			}
		}
	}
	if len(cover) != 300 {
		t.Errorf("%d subreddits read, want 300", len(cover))
	}
	for s, n := range cover {
		if n != 1 {
			t.Errorf("r/%s read by %d reads", s, n)
		}
	}
	// One more subreddit: one read changes.
	before := map[string]string{}
	for _, r := range reads {
		before[r.Key] = strings.Join(subsOf(r), "+")
	}
	changed := 0
	for _, r := range src.Combine(append(ms, named("new", []string{"brandnewsub"}, ""))) {
		if before[r.Key] != strings.Join(subsOf(r), "+") {
			changed++
		}
	}
	if changed != 1 {
		t.Errorf("%d reads changed for one new subreddit, want 1", changed)
	}
	// A link is for the managers of its subreddit; a comment for those
	// that read comments.
	link := &models.Post{Type: PostTypeLink, Subreddit: &models.Community{Name: "Sub007"}}
	comment := &models.Post{Type: PostTypeComment, Subreddit: &models.Community{Name: "sub007"}}
	if !src.Wants(ms[7], link) || src.Wants(ms[8], link) || src.Wants(ms[7], comment) {
		t.Error("Wants routes links by subreddit, comments by include")
	}
	if !src.Wants(named("c", []string{"sub007"}, "", "comments"), comment) {
		t.Error("a comments manager does not get its comment")
	}
}
