package reddit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/internal/fetch"
)

// Fixture comment fullnames, newest first within each listing.
const (
	comment1 = "t1_n0c0k1a" // 12:27:00 on post A, comments_page1
	comment2 = "t1_n0c0j9z" // 12:15:30 on post B, a reply to a comment, comments_page1
	comment3 = "t1_n0bzz01" // 11:40:00 on post C, deleted, comments_page1
	comment4 = "t1_n0bx5aa" // 09:00:00, comments_page2
	comment5 = "t1_n09qq00" // yesterday 12:00, before the backfill, comments_page2
	comment6 = "t1_n0c0m20" // 12:31:30, comments_before
	comment7 = "t1_n0c0m88" // 12:33:00, comments_before
	comment8 = "t1_n0c0n55" // 12:36:10, comments_latest
)

const (
	newPath      = "/r/marketing+smallbusiness/new"
	commentsPath = "/r/marketing+smallbusiness/comments"
)

func withInclude(m *models.Manager, include ...string) *models.Manager {
	m.Source.Include = include
	return m
}

// call is what a test expects of one API request.
type call struct {
	path   string
	before string
	after  string
}

func wantCalls(t *testing.T, got []request, want ...call) {
	t.Helper()
	if len(got) != len(want) {
		var paths []string
		for _, r := range got {
			paths = append(paths, r.Path+"?"+r.Query.Encode())
		}
		t.Fatalf("API calls = %d %v, want %d", len(got), paths, len(want))
	}
	for i, w := range want {
		g := call{got[i].Path, got[i].Query.Get("before"), got[i].Query.Get("after")}
		if g != w {
			t.Errorf("request %d = %+v, want %+v", i, g, w)
		}
	}
}

func decodeTestCursor(t *testing.T, raw json.RawMessage) (cursor, map[string]json.RawMessage) {
	t.Helper()
	var c cursor
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &keys); err != nil {
		t.Fatal(err)
	}
	return c, keys
}

func TestIncludeEndpoints(t *testing.T) {
	listing := url.Values{"limit": {"100"}, "raw_json": {"1"}}
	search := url.Values{"q": {"crm"}, "restrict_sr": {"1"}, "sort": {"new"}, "limit": {"100"}, "raw_json": {"1"}, "type": {"link"}}
	type req struct {
		path  string
		query url.Values
	}
	tests := []struct {
		name    string
		cfg     Config
		query   string
		include []string
		want    []req
	}{
		{"default reads posts only", oauthConfig, "", nil, []req{{newPath, listing}}},
		{"posts", oauthConfig, "", []string{"posts"}, []req{{newPath, listing}}},
		{"comments only", oauthConfig, "", []string{"comments"}, []req{{commentsPath, listing}}},
		{"posts and comments", oauthConfig, "", []string{"posts", "comments"},
			[]req{{newPath, listing}, {commentsPath, listing}}},
		{"order and repeats do not matter", oauthConfig, "", []string{"comments", "posts", "comments"},
			[]req{{newPath, listing}, {commentsPath, listing}}},
		{"public API", publicConfig, "", []string{"posts", "comments"},
			[]req{{newPath + ".json", listing}, {commentsPath + ".json", listing}}},
		{"with a query, comments still come from the subreddits' listing", oauthConfig, "crm", []string{"posts", "comments"},
			[]req{{"/r/marketing+smallbusiness/search", search}, {commentsPath, listing}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, tt.cfg)
			for range tt.want {
				e.f.push(file("empty.json")) // a call beyond these fails the test
			}
			mustPoll(t, e, withInclude(manager(bothSubs, tt.query), tt.include...), nil)
			calls := e.f.apiCalls()
			if len(calls) != len(tt.want) {
				t.Fatalf("API calls = %d, want %d", len(calls), len(tt.want))
			}
			for i, w := range tt.want {
				if c := calls[i]; c.Method != http.MethodGet || c.Path != w.path || !reflect.DeepEqual(c.Query, w.query) {
					t.Errorf("request %d = %s %s %v, want GET %s %v", i, c.Method, c.Path, c.Query, w.path, w.query)
				}
			}
		})
	}
}

func TestIncludeRefused(t *testing.T) {
	tests := []struct {
		name       string
		subreddits []string
		query      string
		include    []string
		want       string
		wantField  models.FieldError // what models validation says
	}{
		{
			name:    "comments with a query only",
			query:   "earshot",
			include: []string{"posts", "comments"},
			want:    "reddit: source.include: comments needs source.subreddits",
			wantField: models.FieldError{Field: "source.include",
				Description: "comments needs source.subreddits (Reddit search does not return comments)"},
		},
		{
			name:       "unknown kind",
			subreddits: bothSubs,
			include:    []string{"posts", "votes"},
			want:       `reddit: source.include: unknown value "votes"`,
			wantField:  models.FieldError{Field: "source.include[1]", Description: "must be one of posts, comments"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := withInclude(manager(tt.subreddits, tt.query), tt.include...)
			m.Input = models.Input{Type: models.InputTypeStructured, Keywords: []string{"crm"}, Focus: models.Focus{Type: "MENTIONS"}}
			if errs := Kind.Validate(m); !slices.Contains(errs, tt.wantField) {
				t.Errorf("Validate = %v, want %v among them", errs, tt.wantField)
			}

			e := setup(t, oauthConfig)
			_, err := e.src.Poll(context.Background(), m, nil)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v, want prefix %q", err, tt.want)
			}
			if n := len(e.f.apiCalls()) + len(e.f.tokenCalls()); n != 0 {
				t.Errorf("%d requests for a refused source", n)
			}
		})
	}
}

func TestCommentMapping(t *testing.T) {
	e := setup(t, publicConfig)
	e.f.push(file("comments_page1.json"), file("comments_page2.json"))
	res := mustPoll(t, e, withInclude(manager(bothSubs, ""), "comments"), nil)
	wantIDs(t, res.Posts, comment4, comment3, comment2, comment1)
	byID := map[string]models.Post{}
	for _, p := range res.Posts {
		byID[p.ID] = p
	}

	tests := []struct {
		name string
		got  models.Post
		want models.Post
	}{
		{
			name: "comment on a link",
			got:  byID[comment1],
			want: models.Post{
				Type:  "REDDIT_COMMENT",
				Time:  models.NewTimestamp(time.Date(2026, 6, 13, 12, 27, 0, 0, time.UTC)),
				ID:    "t1_n0c0k1a",
				Title: "",
				Text:  "Try Earshot — it's self-hosted & sends webhooks.\n\nNo per-seat pricing.",
				URL:   "https://www.reddit.com/r/marketing/comments/1l9q7xk/recs_needed_social_listening_tool_for_a_small/n0c0k1a/",
				Subreddit: &models.Community{
					ID:   "t5_2qi1r",
					Name: "marketing",
					URL:  "https://www.reddit.com/r/marketing",
				},
				User: models.User{
					ID:   "t2_7fq2mz",
					Name: "agency_ops",
					URL:  "https://www.reddit.com/user/agency_ops",
				},
				Parent: &models.Parent{
					ID:    "t3_1l9q7xk",
					Title: "Recs needed: social listening tool for a small agency?",
					URL:   "https://www.reddit.com/r/marketing/comments/1l9q7xk/recs_needed_social_listening_tool_for_a_small/",
				},
			},
		},
		{
			name: "reply to a comment: the parent is still the link",
			got:  byID[comment2],
			want: models.Post{
				Type:      "REDDIT_COMMENT",
				Time:      models.NewTimestamp(time.Date(2026, 6, 13, 12, 15, 30, 0, time.UTC)),
				ID:        "t1_n0c0j9z",
				Text:      "Thanks! We're looking for a social listening tool too, any recs?",
				URL:       "https://www.reddit.com/r/smallbusiness/comments/1l9p4fz/our_bakery_got_featured_in_the_local_paper/n0c0j9z/",
				Subreddit: &models.Community{ID: "t5_2qhnd", Name: "smallbusiness", URL: "https://www.reddit.com/r/smallbusiness"},
				User:      models.User{ID: "t2_9x1kq2", Name: "bakery_owner_ny", URL: "https://www.reddit.com/user/bakery_owner_ny"},
				Parent: &models.Parent{
					ID:    "t3_1l9p4fz",
					Title: "Our bakery got featured in the local paper",
					URL:   "https://www.reddit.com/r/smallbusiness/comments/1l9p4fz/our_bakery_got_featured_in_the_local_paper/",
				},
			},
		},
		{
			name: "deleted comment: no account",
			got:  byID[comment3],
			want: models.Post{
				Type:      "REDDIT_COMMENT",
				Time:      models.NewTimestamp(time.Date(2026, 6, 13, 11, 40, 0, 0, time.UTC)),
				ID:        "t1_n0bzz01",
				Text:      "[deleted]",
				URL:       "https://www.reddit.com/r/marketing/comments/1l9o1aa/whats_your_cold_outreach_reply_rate_in_2026/n0bzz01/",
				Subreddit: &models.Community{ID: "t5_2qi1r", Name: "marketing", URL: "https://www.reddit.com/r/marketing"},
				User:      models.User{ID: "", Name: "[deleted]", URL: ""},
				Parent: &models.Parent{
					ID:    "t3_1l9o1aa",
					Title: "What's your cold outreach reply rate in 2026?",
					URL:   "https://www.reddit.com/r/marketing/comments/1l9o1aa/whats_your_cold_outreach_reply_rate_in_2026/",
				},
			},
		},
		{
			name: "no name, permalinks or link title: built from the ids",
			got: comment{ID: "n0c1abc", Body: "hi", Author: "someone", LinkID: "t3_1l9q7xk",
				Subreddit: "marketing", SubredditID: "t5_2qi1r", CreatedUTC: float64(t0.Unix())}.post(),
			want: models.Post{
				Type:      "REDDIT_COMMENT",
				Time:      models.NewTimestamp(t0),
				ID:        "t1_n0c1abc",
				Text:      "hi",
				URL:       "https://www.reddit.com/r/marketing/comments/1l9q7xk/_/n0c1abc/",
				Subreddit: &models.Community{ID: "t5_2qi1r", Name: "marketing", URL: "https://www.reddit.com/r/marketing"},
				User:      models.User{Name: "someone", URL: "https://www.reddit.com/user/someone"},
				Parent:    &models.Parent{ID: "t3_1l9q7xk", URL: "https://www.reddit.com/r/marketing/comments/1l9q7xk/"},
			},
		},
		{
			name: "link permalink on another host: the path on www.reddit.com",
			got: comment{Name: "t1_n0c1abd", LinkID: "t3_1l9q7xk", LinkTitle: "T",
				LinkPermalink: "https://old.reddit.com/r/marketing/comments/1l9q7xk/t/",
				Permalink:     "/r/marketing/comments/1l9q7xk/t/n0c1abd/", CreatedUTC: float64(t0.Unix())}.post(),
			want: models.Post{
				Type:   "REDDIT_COMMENT",
				Time:   models.NewTimestamp(t0),
				ID:     "t1_n0c1abd",
				URL:    "https://www.reddit.com/r/marketing/comments/1l9q7xk/t/n0c1abd/",
				Parent: &models.Parent{ID: "t3_1l9q7xk", Title: "T", URL: "https://www.reddit.com/r/marketing/comments/1l9q7xk/t/"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, w := tt.got, tt.want
			check := func(field string, got, want any) {
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", field, got, want)
				}
			}
			check("type", g.Type, w.Type)
			check("time", g.Time.UTC(), w.Time.UTC())
			check("id", g.ID, w.ID)
			check("title", g.Title, w.Title)
			check("text", g.Text, w.Text)
			check("url", g.URL, w.URL)
			check("subreddit", g.Subreddit, w.Subreddit)
			check("user", g.User, w.User)
			check("parent", g.Parent, w.Parent)
			check("post", g, w)
		})
	}
}

func TestCommentJSONHasEveryRequiredString(t *testing.T) {
	e := setup(t, publicConfig)
	e.f.push(file("comments_page1.json"), file("comments_page2.json"))
	res := mustPoll(t, e, withInclude(manager(bothSubs, ""), "comments"), nil)
	for _, p := range res.Posts {
		b, err := models.ScanEvent(&models.Scan{Name: "namespaces/acme/managers/reddit-leads/scans/1", Post: p})
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			Post map[string]any `json:"post"`
		}
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"type", "time", "id", "url", "text"} {
			if _, ok := ev.Post[k].(string); !ok {
				t.Errorf("%s: post.%s = %#v, want a string", p.ID, k, ev.Post[k])
			}
		}
		for obj, keys := range map[string][]string{"user": {"id", "name", "url"}, "subreddit": {"id", "name", "url"}, "parent": {"id", "title", "url"}} {
			o, _ := ev.Post[obj].(map[string]any)
			for _, k := range keys {
				if _, ok := o[k].(string); !ok {
					t.Errorf("%s: post.%s.%s = %#v, want a string", p.ID, obj, k, o[k])
				}
			}
		}
	}
}

func TestPostsAndCommentsAcrossPolls(t *testing.T) {
	e := setup(t, oauthConfig)
	m := withInclude(manager(bothSubs, ""), "posts", "comments")
	steps := []struct {
		name    string
		advance time.Duration
		pages   []string
		calls   []call
		want    []string
	}{
		{
			name:  "first poll backfills both listings, merged oldest first",
			pages: []string{"new_page1.json", "new_page2.json", "comments_page1.json", "comments_page2.json"},
			calls: []call{{newPath, "", ""}, {newPath, "", postC}, {commentsPath, "", ""}, {commentsPath, "", comment3}},
			want:  []string{postE, postD, comment4, comment3, postC, postB, comment2, postA, comment1},
		},
		{
			name:    "both page forward from their own newest item",
			advance: 5 * time.Minute,
			pages:   []string{"new_before.json", "comments_before.json"},
			calls:   []call{{newPath, postA, ""}, {commentsPath, comment1, ""}},
			want:    []string{postH, comment6, comment7, postG},
		},
		{
			name:    "quiet before: newest pages, seen items dropped",
			advance: 2 * time.Minute,
			pages:   []string{"empty.json", "new_latest.json", "empty.json", "comments_latest.json"},
			calls:   []call{{newPath, postG, ""}, {newPath, "", ""}, {commentsPath, comment7, ""}, {commentsPath, "", ""}},
			want:    []string{postJ, comment8},
		},
		{
			name:    "nothing new: no duplicates",
			advance: time.Minute,
			pages:   []string{"empty.json", "new_latest.json", "empty.json", "comments_latest.json"},
			calls:   []call{{newPath, postJ, ""}, {newPath, "", ""}, {commentsPath, comment8, ""}, {commentsPath, "", ""}},
			want:    nil,
		},
	}
	var cur json.RawMessage
	seen := map[string]bool{}
	for _, st := range steps {
		e.clock.Advance(st.advance)
		n := len(e.f.apiCalls())
		for _, p := range st.pages {
			e.f.push(file(p))
		}
		res := mustPoll(t, e, m, cur)
		cur = res.Cursor
		t.Run(st.name, func(t *testing.T) {
			wantCalls(t, e.f.apiCalls()[n:], st.calls...)
			wantIDs(t, res.Posts, st.want...)
			for _, p := range res.Posts {
				if seen[p.ID] {
					t.Errorf("%s returned again", p.ID)
				}
				seen[p.ID] = true
			}
		})
	}

	c, _ := decodeTestCursor(t, cur)
	if c.Newest != postJ || c.Comments == nil || c.Comments.Newest != comment8 {
		t.Errorf("cursor newest = %s, comments %+v; want %s and %s", c.Newest, c.Comments, postJ, comment8)
	}
	if want := []string{comment4, comment3, comment2, comment1, comment6, comment7, comment8}; !reflect.DeepEqual(c.Comments.Seen, want) {
		t.Errorf("comments seen = %v, want %v", c.Comments.Seen, want)
	}
	if slices.ContainsFunc(c.Seen, func(n string) bool { return strings.HasPrefix(n, "t1_") }) {
		t.Errorf("posts seen holds comments: %v", c.Seen)
	}
}

func TestCommentsFailureFailsThePoll(t *testing.T) {
	tests := []struct {
		name    string
		api     []http.HandlerFunc
		calls   int
		wantIs  error
		wantMsg string
	}{
		{"comments 500", []http.HandlerFunc{file("new_before.json"), status(500)}, 2, fetch.ErrServer,
			"reddit: GET /r/marketing+smallbusiness/comments: server error: 500 Internal Server Error"},
		{"comments malformed", []http.HandlerFunc{file("new_before.json"), file("malformed.json")}, 2, fetch.ErrMalformed,
			"reddit: GET /r/marketing+smallbusiness/comments: malformed response"},
		{"comments page 2 fails", []http.HandlerFunc{file("new_before.json"), func(w http.ResponseWriter, r *http.Request) {
			b, _ := os.ReadFile("testdata/comments_before.json")
			full := strings.Repeat(`{"kind":"more","data":{}},`, pageLimit-2) // a full page: read on
			w.Write([]byte(strings.Replace(string(b), `"children": [`, `"children": [`+full, 1)))
		}, status(502)}, 3, fetch.ErrServer,
			"reddit: GET /r/marketing+smallbusiness/comments: server error: 502 Bad Gateway"},
		{"comments rate limited", []http.HandlerFunc{file("new_before.json"), status(429, "Retry-After", "30")}, 2, sources.ErrRateLimited,
			"reddit: rate limited until"},
		{"posts fail: comments not even asked", []http.HandlerFunc{status(503)}, 1, fetch.ErrServer,
			"reddit: GET /r/marketing+smallbusiness/new: server error: 503 Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, oauthConfig)
			m := withInclude(manager(bothSubs, ""), "posts", "comments")
			e.f.push(file("new_page1.json"), file("new_page2.json"), file("comments_page1.json"), file("comments_page2.json"))
			cur := mustPoll(t, e, m, nil).Cursor
			e.clock.Advance(5 * time.Minute)

			n := len(e.f.apiCalls())
			e.f.push(tt.api...)
			res, err := e.src.Poll(context.Background(), m, cur)
			if !errors.Is(err, tt.wantIs) || !strings.HasPrefix(err.Error(), tt.wantMsg) {
				t.Fatalf("err = %v, want %v with prefix %q", err, tt.wantIs, tt.wantMsg)
			}
			if res.Cursor != nil || len(res.Posts) != 0 {
				t.Errorf("failed poll returned %d posts and cursor %s", len(res.Posts), res.Cursor)
			}
			if got := len(e.f.apiCalls()) - n; got != tt.calls {
				t.Errorf("API calls = %d, want %d", got, tt.calls)
			}

			// The next tick, with the cursor still where it was, reads the
			// posts the failed poll had read, and the comments.
			e.clock.Advance(time.Minute) // past the 429's Retry-After too
			n = len(e.f.apiCalls())
			e.f.push(file("new_before.json"), file("comments_before.json"))
			res = mustPoll(t, e, m, cur)
			wantCalls(t, e.f.apiCalls()[n:], call{newPath, postA, ""}, call{commentsPath, comment1, ""})
			wantIDs(t, res.Posts, postH, comment6, comment7, postG)
		})
	}
}

func TestPostsOnlyCursorCarriesOn(t *testing.T) {
	old, err := os.ReadFile("testdata/cursor_posts_v1.json") // as written before comments were read
	if err != nil {
		t.Fatal(err)
	}
	postsOnlyKeys := []string{"config", "follow", "newest", "newestTime", "seen", "since", "v"}
	tests := []struct {
		name      string
		include   []string
		pages     []string
		calls     []call
		want      []string
		wantKeys  []string
		wantSince time.Time // of the comments' stream
	}{
		{
			name:     "posts only: forward from the newest post, same cursor shape",
			pages:    []string{"new_before.json"},
			calls:    []call{{newPath, postA, ""}},
			want:     []string{postH, postG},
			wantKeys: postsOnlyKeys,
		},
		{
			name:      "comments turned on: posts carry on, comments start with a backfill",
			include:   []string{"posts", "comments"},
			pages:     []string{"new_before.json", "comments_page1.json", "comments_page2.json"},
			calls:     []call{{newPath, postA, ""}, {commentsPath, "", ""}, {commentsPath, "", comment3}},
			want:      []string{comment4, comment3, comment2, comment1, postH, postG},
			wantKeys:  append([]string{"comments"}, postsOnlyKeys...),
			wantSince: t0.Add(5*time.Minute - 24*time.Hour),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, oauthConfig)
			e.clock.Advance(5 * time.Minute)
			for _, p := range tt.pages {
				e.f.push(file(p))
			}
			res := mustPoll(t, e, withInclude(manager(bothSubs, ""), tt.include...), old)
			wantCalls(t, e.f.apiCalls(), tt.calls...)
			wantIDs(t, res.Posts, tt.want...)

			c, keys := decodeTestCursor(t, res.Cursor)
			var got []string
			for k := range keys {
				got = append(got, k)
			}
			slices.Sort(got)
			slices.Sort(tt.wantKeys)
			if !reflect.DeepEqual(got, tt.wantKeys) {
				t.Errorf("cursor keys = %v, want %v", got, tt.wantKeys)
			}
			if want := time.Date(2026, 6, 12, 12, 30, 0, 0, time.UTC); !c.Since.Equal(want) || c.Newest != postG {
				t.Errorf("posts stream since %s newest %s, want the old since %s and %s", c.Since, c.Newest, want, postG)
			}
			if want := []string{postE, postD, postC, postB, postA, postH, postG}; !reflect.DeepEqual(c.Seen, want) {
				t.Errorf("posts seen = %v, want %v", c.Seen, want)
			}
			if tt.wantSince.IsZero() != (c.Comments == nil) {
				t.Fatalf("comments stream = %+v", c.Comments)
			}
			if c.Comments != nil && !c.Comments.Since.Equal(tt.wantSince) {
				t.Errorf("comments since = %s, want %s", c.Comments.Since, tt.wantSince)
			}
		})
	}
}

func TestIncludeChangesKeepTheOtherStream(t *testing.T) {
	e := setup(t, oauthConfig)
	both := withInclude(manager(bothSubs, ""), "posts", "comments")
	e.f.push(file("new_page1.json"), file("new_page2.json"), file("comments_page1.json"), file("comments_page2.json"))
	cur := mustPoll(t, e, both, nil).Cursor

	steps := []struct {
		name    string
		m       *models.Manager
		pages   []string
		calls   []call
		want    []string
		noPosts bool // the posts' stream is left out of the cursor
	}{
		{
			name:  "comments turned off: posts carry on",
			m:     manager(bothSubs, ""),
			pages: []string{"new_before.json"},
			calls: []call{{newPath, postA, ""}},
			want:  []string{postH, postG},
		},
		{
			// Comments 6 and 7 came while comments were off; 1 and 2 were
			// returned before and are not again.
			name:  "comments turned on again: a fresh backfill, not a catch-up",
			m:     both,
			pages: []string{"empty.json", "new_latest.json", "comments_latest.json", "empty.json"},
			calls: []call{{newPath, postG, ""}, {newPath, "", ""}, {commentsPath, "", ""}, {commentsPath, "", comment2}},
			want:  []string{comment6, comment7, postJ, comment8},
		},
		{
			name:    "posts turned off: comments carry on",
			m:       withInclude(manager(bothSubs, ""), "comments"),
			pages:   []string{"empty.json", "comments_latest.json"},
			calls:   []call{{commentsPath, comment8, ""}, {commentsPath, "", ""}},
			noPosts: true,
		},
		{
			// K (12:20) is new to the stream; B, A, H, G and J were returned.
			name:  "posts turned on again: a fresh backfill, seen posts dropped",
			m:     both,
			pages: []string{"new_latest.json", "empty.json", "comments_latest.json"},
			calls: []call{{newPath, "", ""}, {newPath, "", postB}, {commentsPath, "", ""}},
			want:  []string{postK},
		},
	}
	for _, st := range steps {
		e.clock.Advance(5 * time.Minute)
		n := len(e.f.apiCalls())
		for _, p := range st.pages {
			e.f.push(file(p))
		}
		res := mustPoll(t, e, st.m, cur)
		cur = res.Cursor
		t.Run(st.name, func(t *testing.T) {
			wantCalls(t, e.f.apiCalls()[n:], st.calls...)
			wantIDs(t, res.Posts, st.want...)
			c, _ := decodeTestCursor(t, cur)
			if st.noPosts != (c.Since.IsZero() && c.Newest == "" && !c.Follow) || len(c.Seen) == 0 {
				t.Errorf("posts stream = %+v; want only its seen-set while posts are off", c.stream)
			}
		})
	}
}
