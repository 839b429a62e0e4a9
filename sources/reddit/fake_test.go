package reddit

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/sources"
)

// TestPollsAgainstFakeReddit polls posts and comments of a fake Reddit that
// pages with before and after the way Reddit does, through bursts larger
// than a page, and checks that every item is returned exactly once, each
// poll's oldest first.
func TestPollsAgainstFakeReddit(t *testing.T) {
	fake := fakes.NewReddit()
	defer fake.Close()
	clock := &fakeClock{t: t0}
	src := New(Config{BaseURL: fake.URL, UserAgent: testUA},
		sources.WithClock(clock.Now), sources.WithRateState(&mapRateState{m: map[string]time.Time{}}),
		sources.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	m := withInclude(manager(bothSubs, ""), "posts", "comments")

	var (
		next   int64    = 1_000_000 // ids, increasing with time as Reddit's do
		want   []string             // what the next poll must return
		posted []string             // the posts' base-36 ids, for comments to reply to
	)
	publish := func(sub string, posts, comments int, at time.Time, monitored bool) {
		for i := range posts + comments {
			next++
			id := strconv.FormatInt(next, 36)
			created := at.Add(time.Duration(i) * time.Second)
			name := "t3_" + id
			if i < posts {
				fake.Add(fakes.RedditPost{ID: id, Subreddit: sub, Title: "post " + id, Author: "poster", Created: created})
				posted = append(posted, id)
			} else {
				name = "t1_" + id
				fake.AddComments(fakes.RedditComment{ID: id, LinkID: posted[len(posted)-1], Subreddit: sub,
					Body: "comment " + id, Author: "commenter", Created: created})
			}
			if monitored {
				want = append(want, name)
			}
		}
	}

	publish("marketing", 2, 3, t0.Add(-48*time.Hour), false) // older than the backfill
	rounds := []struct {
		name     string
		requests int // posts' and comments' together
		publish  func()
	}{
		{"first poll: the backfill", 2, func() {
			publish("marketing", 3, 20, t0.Add(-2*time.Hour), true)
			publish("smallbusiness", 2, 10, t0.Add(-time.Hour), true)
		}},
		{"a burst of comments: forward over two pages", 3, func() {
			publish("smallbusiness", 1, 130, clock.Now().Add(-3*time.Minute), true)
		}},
		{"quiet: before= answers nothing, then back over the overlap (two comment pages)", 5, func() {}},
		{"another subreddit only: back over the overlap", 3, func() {
			publish("startups", 1, 5, clock.Now().Add(-time.Minute), false)
		}},
		{"after the quiet: back to the overlap", 3, func() {
			publish("marketing", 4, 7, clock.Now().Add(-time.Minute), true)
		}},
	}
	var cur []byte
	got := map[string]int{}
	for _, r := range rounds {
		r.publish()
		n := fake.Requests()
		res, err := src.Poll(context.Background(), m, cur)
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		cur = res.Cursor
		var ids []string
		for i, p := range res.Posts {
			ids = append(ids, p.ID)
			got[p.ID]++
			if i > 0 && p.Time.Before(res.Posts[i-1].Time.Time) {
				t.Errorf("%s: %s before %s: not oldest first", r.name, p.ID, res.Posts[i-1].ID)
			}
		}
		slices.Sort(ids)
		slices.Sort(want)
		if !slices.Equal(ids, want) && len(ids)+len(want) > 0 {
			t.Errorf("%s: returned %d items, want %d:\n got %v\nwant %v", r.name, len(ids), len(want), ids, want)
		}
		if got := fake.Requests() - n; got != r.requests {
			t.Errorf("%s: %d requests, want %d", r.name, got, r.requests)
		}
		want = nil
		clock.Advance(5 * time.Minute)
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("%s returned %d times", id, n)
		}
	}
}
