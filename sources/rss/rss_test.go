package rss

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/internal/fetch"
	"github.com/earshothq/earshot/sources/internal/sourcetest"
)

var now = time.Date(2026, 6, 13, 12, 15, 0, 0, time.UTC)

type env struct {
	*sourcetest.Env
	src *Source
}

func newEnv(t *testing.T, opts ...sources.Option) *env {
	t.Helper()
	e := &env{Env: sourcetest.NewEnv(now)}
	e.src = New(Config{}, append(e.Options(sources.WithPrivateTargets(true)), opts...)...)
	return e
}

func manager(feeds ...string) *models.Manager {
	return sourcetest.Manager("feeds", Type, Settings{Feeds: feeds}, "earshot")
}

func file(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRSS2FirstPollThenConditionalGets(t *testing.T) {
	srv := fakes.NewFeeds()
	defer srv.Close()
	srv.Set("/feed.xml", fakes.FeedDoc{Body: file(t, "rss2.xml"), Modified: now.Add(-time.Hour)})
	e := newEnv(t)
	m := manager(srv.URL + "/feed.xml?token=s3cret")

	res, err := e.src.Poll(context.Background(), m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Posts) != 3 {
		t.Fatalf("%d posts, want 3 (the old one is before the backfill): %+v", len(res.Posts), res.Posts)
	}
	byTitle := map[string]models.Post{}
	for _, p := range res.Posts {
		byTitle[p.Title] = p
	}
	sl := byTitle["Why we switched to social listening"]
	want := models.Post{
		Type: PostType, Time: models.NewTimestamp(time.Date(2026, 6, 13, 11, 30, 0, 0, time.UTC)),
		ID: "https://blog.acme.example/posts/social-listening", Title: "Why we switched to social listening",
		Text: "We tried Earshot for brand monitoring.\n\nIt & works.",
		URL:  "https://blog.acme.example/posts/social-listening?utm_source=rss",
		User: models.User{ID: "Jane Doe", Name: "Jane Doe"}, Lang: "en",
	}
	if got, _ := json.Marshal(sl); string(got) != string(must(json.Marshal(want))) {
		t.Errorf("post =\n%s\nwant\n%s", got, must(json.Marshal(want)))
	}
	rel := byTitle["Release 2.1"]
	if rel.URL != "https://blog.acme.example/posts/release-2-1" || rel.Text != "Bug fixes\nand speed" {
		t.Errorf("relative link or <br>: url %q text %q", rel.URL, rel.Text)
	}
	if !strings.HasSuffix(rel.ID, "/feed.xml?token=s3cret#release-2-1") {
		t.Errorf("a bare guid is made unique to the feed: %q", rel.ID)
	}
	if u := byTitle["Undated note"]; !u.Time.Equal(now) {
		t.Errorf("undated item time = %v, want first seen (%v)", u.Time, now)
	}
	for i := 1; i < len(res.Posts); i++ {
		if res.Posts[i].Time.Before(res.Posts[i-1].Time.Time) {
			t.Error("posts not oldest first")
		}
	}

	// Unchanged: the conditional GET is answered 304 and nothing moves.
	e.Clock.Add(time.Minute)
	res2, err := e.src.Poll(context.Background(), m, res.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(res2.Posts) != 0 || string(res2.Cursor) != string(res.Cursor) {
		t.Errorf("304: %d posts, cursor changed %v", len(res2.Posts), string(res2.Cursor) != string(res.Cursor))
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if last.Header.Get("If-None-Match") == "" || last.Header.Get("If-Modified-Since") == "" {
		t.Errorf("not a conditional GET: %v", last.Header)
	}
	if ua := last.Header.Get("User-Agent"); ua != DefaultUserAgent {
		t.Errorf("User-Agent = %q", ua)
	}

	// A new item: only it is new, though the whole document is read.
	body := strings.Replace(file(t, "rss2.xml"), "<item>", `<item><title>Fresh</title><link>https://blog.acme.example/fresh</link><guid>https://blog.acme.example/fresh</guid><pubDate>Sat, 13 Jun 2026 12:16:00 GMT</pubDate></item><item>`, 1)
	srv.Set("/feed.xml", fakes.FeedDoc{Body: body, Modified: now})
	e.Clock.Add(time.Minute)
	res3, err := e.src.Poll(context.Background(), m, res2.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(res3.Posts) != 1 || res3.Posts[0].Title != "Fresh" {
		t.Fatalf("third poll: %+v, want the fresh item only", res3.Posts)
	}
	// A restart that lost the last cursor reads the same item again (the
	// pipeline's scan ids make that harmless); with it, nothing.
	res4, err := e.src.Poll(context.Background(), m, res3.Cursor)
	if err != nil || len(res4.Posts) != 0 {
		t.Fatalf("fourth poll: %v %d", err, len(res4.Posts))
	}
	if strings.Contains(e.Logs.String(), "s3cret") {
		t.Error("the feed's query (a token) was logged")
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestFormats(t *testing.T) {
	tests := []struct {
		name, file, ct string
		want           []models.Post
	}{
		{"atom", "atom.xml", "application/atom+xml", []models.Post{{
			Type: PostType, Time: models.NewTimestamp(time.Date(2026, 6, 13, 10, 0, 0, 0, time.UTC)),
			ID: "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", Title: "Atom-Eintrag", Text: "Hallo Welt",
			URL: "https://example.org/2026/06/13/eintrag", User: models.User{ID: "Max Mustermann", Name: "Max Mustermann"}, Lang: "de",
		}}},
		{"json feed", "feed.json", "application/feed+json", []models.Post{
			{Type: PostType, Time: models.NewTimestamp(time.Date(2026, 6, 13, 8, 0, 0, 0, time.UTC)), Text: "Bonjour, monde", URL: "https://example.org/initial-post", Lang: "fr"},
			{Type: PostType, Time: models.NewTimestamp(time.Date(2026, 6, 13, 11, 0, 0, 0, time.UTC)), Text: "Ceci est un second article.", URL: "https://example.org/second-item", User: models.User{ID: "Marie", Name: "Marie"}, Lang: "fr"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakes.NewFeeds()
			defer srv.Close()
			srv.Set("/f", fakes.FeedDoc{Body: file(t, tt.file), ContentType: tt.ct})
			e := newEnv(t)
			res, err := e.src.Poll(context.Background(), manager(srv.URL+"/f"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Posts) != len(tt.want) {
				t.Fatalf("%d posts, want %d", len(res.Posts), len(tt.want))
			}
			for i, w := range tt.want {
				if w.ID == "" {
					w.ID = res.Posts[i].ID // bare JSON Feed ids are made unique to the feed
					if !strings.HasPrefix(w.ID, srv.URL+"/f#") {
						t.Errorf("id %q", w.ID)
					}
				}
				got, want := must(json.Marshal(res.Posts[i])), must(json.Marshal(w))
				if string(got) != string(want) {
					t.Errorf("post %d =\n%s\nwant\n%s", i, got, want)
				}
			}
		})
	}
}

func TestFailuresKeepTheCursor(t *testing.T) {
	big := "<rss version=\"2.0\"><channel><title>x</title>" + strings.Repeat("<item><title>a</title></item>", (maxBodyBytes/29)+10) + "</channel></rss>"
	tests := []struct {
		name string
		doc  fakes.FeedDoc
		is   error
		msg  string
	}{
		{"an HTML page", fakes.FeedDoc{Body: file(t, "page.html"), ContentType: "text/html"}, ErrNotFeed, `not an RSS, Atom or JSON feed (Content-Type "text/html")`},
		{"garbage", fakes.FeedDoc{Body: "\x00\x01 not xml {", ContentType: "application/rss+xml"}, ErrNotFeed, ""},
		{"broken XML", fakes.FeedDoc{Body: `<rss version="2.0"><channel><item><title>a</ti`}, ErrNotFeed, ""},
		{"too large", fakes.FeedDoc{Body: big}, fetch.ErrTooLarge, ""},
		{"server error", fakes.FeedDoc{Status: 500, Body: "oops"}, fetch.ErrServer, ""},
		{"gone", fakes.FeedDoc{Status: 404}, fetch.ErrStatus, ""},
		{"rate limited", fakes.FeedDoc{Status: 429, Header: map[string]string{"Retry-After": "120"}}, sources.ErrRateLimited, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakes.NewFeeds()
			defer srv.Close()
			srv.Set("/f", tt.doc)
			e := newEnv(t)
			res, err := e.src.Poll(context.Background(), manager(srv.URL+"/f"), nil)
			if !errors.Is(err, tt.is) {
				t.Fatalf("error %v, want %v", err, tt.is)
			}
			if tt.msg != "" && !strings.HasSuffix(err.Error(), tt.msg) {
				t.Errorf("error = %q, want it to end %q", err, tt.msg)
			}
			if !errors.Is(err, sources.ErrRateLimited) && !strings.Contains(err.Error(), "rss: GET http://127.0.0.1") {
				t.Errorf("error does not name the feed: %q", err)
			}
			if res.Cursor != nil || res.Posts != nil {
				t.Error("a failed poll returned posts or a cursor")
			}
		})
	}
	t.Run("rate limit is shared per host", func(t *testing.T) {
		srv := fakes.NewFeeds()
		defer srv.Close()
		srv.Set("/f", fakes.FeedDoc{Status: 429, Header: map[string]string{"Retry-After": "120"}})
		e := newEnv(t)
		if _, err := e.src.Poll(context.Background(), manager(srv.URL+"/f"), nil); !errors.Is(err, sources.ErrRateLimited) {
			t.Fatal(err)
		}
		other := New(Config{}, e.Elsewhere(sources.WithPrivateTargets(true))...)
		// Another process, another feed of the host.
		sourcetest.BlockedElsewhere(t, other, manager(srv.URL+"/other"), srv)
		e.Clock.Add(121 * time.Second)
		srv.Set("/f", fakes.FeedDoc{Body: file(t, "atom.xml")})
		if res, err := other.Poll(context.Background(), manager(srv.URL+"/f"), nil); err != nil || len(res.Posts) != 1 {
			t.Errorf("after the block: %v", err)
		}
	})
}

func TestOneBrokenFeedDoesNotHoldBackTheOthers(t *testing.T) {
	srv := fakes.NewFeeds()
	defer srv.Close()
	srv.Set("/good", fakes.FeedDoc{Body: file(t, "atom.xml")})
	srv.Set("/bad", fakes.FeedDoc{Body: file(t, "page.html"), ContentType: "text/html"})
	e := newEnv(t)
	m := manager(srv.URL+"/good", srv.URL+"/bad")
	res, err := e.src.Poll(context.Background(), m, nil)
	if err != nil || len(res.Posts) != 1 {
		t.Fatalf("%v, %d posts", err, len(res.Posts))
	}
	if !strings.Contains(e.Logs.String(), "not an RSS, Atom or JSON feed") {
		t.Error("the broken feed was not logged")
	}
	var c cursor
	_ = json.Unmarshal(res.Cursor, &c)
	if _, ok := c.Feeds[srv.URL+"/bad"]; ok {
		t.Error("the broken feed got a cursor (it would skip its backfill once fixed)")
	}
	srv.Set("/bad", fakes.FeedDoc{Body: file(t, "feed.json")})
	res, err = e.src.Poll(context.Background(), m, res.Cursor)
	if err != nil || len(res.Posts) != 2 {
		t.Fatalf("once fixed: %v, %d posts, want the 2 of the fixed feed", err, len(res.Posts))
	}
}

func TestPrivateAddressesAreRefusedByDefault(t *testing.T) {
	srv := fakes.NewFeeds()
	defer srv.Close()
	srv.Set("/f", fakes.FeedDoc{Body: file(t, "atom.xml")})
	src := New(Config{})
	_, err := src.Poll(context.Background(), manager(srv.URL+"/f"), nil)
	if !errors.Is(err, fetch.ErrPrivateTarget) {
		t.Fatalf("error %v, want the SSRF guard's", err)
	}
	if len(srv.Requests()) != 0 {
		t.Error("the private address was reached")
	}
}

func TestStreamKey(t *testing.T) {
	s := New(Config{})
	a := s.StreamKey(manager("https://a.example/feed", "https://b.example/feed"))
	b := s.StreamKey(manager("https://b.example/feed", "https://a.example/feed", "https://a.example/feed"))
	if a != b || a == "" {
		t.Errorf("same feeds, keys %q and %q", a, b)
	}
	if c := s.StreamKey(manager("https://a.example/feed")); c == a {
		t.Error("different feeds, same key")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		feeds []string
		want  string
	}{
		{"none", nil, "source.feeds"},
		{"relative", []string{"/feed.xml"}, "source.feeds[0]"},
		{"ftp", []string{"https://ok.example/f", "ftp://x.example/f"}, "source.feeds[1]"},
		{"fine", []string{"https://ok.example/f"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := Kind.Validate(manager(tt.feeds...))
			if tt.want == "" {
				if len(errs) != 0 {
					t.Errorf("errors %v", errs)
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != tt.want {
				t.Errorf("errors %v, want one on %s", errs, tt.want)
			}
		})
	}
}
