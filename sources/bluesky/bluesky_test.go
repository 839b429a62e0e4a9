package bluesky

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

func recorded(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/jetstream.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func newSource(j *fakes.Jetstream, window time.Duration) *Source {
	return New(Config{JetstreamURL: j.SubscribeURL()}, WithPollWindow(window),
		sources.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
}

// The documented message shapes become posts: only commits creating a
// post, with the at-URI, web URL, author DID, language and parent, and a
// time from createdAt unless it is absent or absurd.
func TestPollReadsPostsFromJetstream(t *testing.T) {
	j := fakes.NewJetstream()
	defer j.Close()
	j.Add(recorded(t)...)
	res, err := newSource(j, 500*time.Millisecond).Poll(context.Background(), &models.Manager{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := j.Queries()
	if len(q) != 1 || q[0].Get("wantedCollections") != "app.bsky.feed.post" || q[0].Has("cursor") {
		t.Errorf("subscriptions %v", q)
	}
	ev := func(us int64) models.Timestamp { return models.NewTimestamp(time.UnixMicro(us)) }
	created := func(s string) models.Timestamp { t, _ := time.Parse(time.RFC3339, s); return models.NewTimestamp(t) }
	want := []models.Post{
		{Type: PostType, Time: created("2024-09-09T19:46:02.102Z"), ID: "at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/3l3qo2vuowo2b",
			Text: "Looking for a social listening tool that is not Hootsuite, any recommendations?",
			URL:  "https://bsky.app/profile/did:plc:eygmaihciaxprqvxpfvl6flk/post/3l3qo2vuowo2b",
			User: models.User{ID: "did:plc:eygmaihciaxprqvxpfvl6flk", URL: "https://bsky.app/profile/did:plc:eygmaihciaxprqvxpfvl6flk"}, Lang: "en"},
		{Type: PostType, Time: created("2024-09-09T19:46:02.480Z"), ID: "at://did:plc:wa7b35aakoll7hugkrjtf3xf/app.bsky.feed.post/3l3qo2w2kxk2b",
			Text: "Earshot does that, and it is open source.",
			URL:  "https://bsky.app/profile/did:plc:wa7b35aakoll7hugkrjtf3xf/post/3l3qo2w2kxk2b",
			User: models.User{ID: "did:plc:wa7b35aakoll7hugkrjtf3xf", URL: "https://bsky.app/profile/did:plc:wa7b35aakoll7hugkrjtf3xf"}, Lang: "pt",
			Parent: &models.Parent{ID: "at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/3l3qo2vuowo2b",
				URL: "https://bsky.app/profile/did:plc:eygmaihciaxprqvxpfvl6flk/post/3l3qo2vuowo2b"}},
		{Type: PostType, Time: ev(1725911162800000), ID: "at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3l3qo2x7kxk2b",
			Text: "a client whose clock is far ahead", URL: "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l3qo2x7kxk2b",
			User: models.User{ID: "did:plc:z72i7hdynmk6r22z27h6tvur", URL: "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur"}},
		{Type: PostType, Time: ev(1725911162900000), ID: "at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3l3qo2y7kxk2b",
			Text: "no createdAt at all", URL: "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l3qo2y7kxk2b",
			User: models.User{ID: "did:plc:z72i7hdynmk6r22z27h6tvur", URL: "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur"}},
	}
	if len(res.Posts) != len(want) {
		t.Fatalf("%d posts, want %d: %+v", len(res.Posts), len(want), res.Posts)
	}
	for i := range want {
		g, _ := json.Marshal(res.Posts[i])
		w, _ := json.Marshal(want[i])
		if string(g) != string(w) {
			t.Errorf("post %d =\n%s\nwant\n%s", i, g, w)
		}
	}
	if got := decodeCursor(res.Cursor); got != 1725911162900000 {
		t.Errorf("cursor %d, want the newest post's time_us", got)
	}
}

// A later poll resumes a few seconds before its cursor and drops nothing
// new; a Jetstream that cannot be reached fails the poll.
func TestPollResumesFromCursor(t *testing.T) {
	j := fakes.NewJetstream()
	defer j.Close()
	j.Add(recorded(t)...)
	src := newSource(j, 300*time.Millisecond)
	cur := encodeCursor(1725911162850000)
	res, err := src.Poll(context.Background(), &models.Manager{}, cur)
	if err != nil {
		t.Fatal(err)
	}
	if got := j.Queries()[0].Get("cursor"); got != fmt.Sprint(1725911162850000-rewind.Microseconds()) {
		t.Errorf("cursor asked %s, want the stored one less %s", got, rewind)
	}
	// The rewind replays everything here; a poll drops nothing itself
	// (the Scans are per post), but Stream drops what it handed on.
	if len(res.Posts) == 0 {
		t.Error("nothing read")
	}
	j.Close()
	if _, err := src.Poll(context.Background(), &models.Manager{}, cur); err == nil {
		t.Error("a poll of an unreachable Jetstream succeeded")
	}
}

// Stream hands on batches, reconnects after the connection drops, resumes
// a few seconds before the last batch handed on and drops what it already
// handed on; a failed hand-on ends it with that error.
func TestStreamReconnectsAndDropsDuplicates(t *testing.T) {
	j := fakes.NewJetstream()
	defer j.Close()
	base := time.Now().Add(-time.Minute).UnixMicro()
	mk := func(i int) string {
		return fmt.Sprintf(`{"did":"did:plc:abc","time_us":%d,"kind":"commit","commit":{"rev":"r%d","operation":"create","collection":"app.bsky.feed.post","rkey":"k%d","record":{"$type":"app.bsky.feed.post","createdAt":%q,"text":"post %d"},"cid":"c"}}`,
			base+int64(i)*1000, i, i, time.UnixMicro(base+int64(i)*1000).UTC().Format(time.RFC3339Nano), i)
	}
	for i := range 10 {
		j.Add(mk(i))
	}
	src := newSource(j, time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	seen := map[string]int{}
	var last json.RawMessage
	handed := make(chan struct{}, 100)
	fail := errors.New("redis down")
	failAt := -1
	done := make(chan error, 1)
	go func() {
		done <- src.Stream(ctx, &models.Manager{}, nil, func(_ context.Context, b sources.Result) error {
			mu.Lock()
			defer mu.Unlock()
			if failAt >= 0 && len(seen) >= failAt {
				return fail
			}
			for _, p := range b.Posts {
				seen[p.ID]++
			}
			last = b.Cursor
			handed <- struct{}{}
			return nil
		})
	}()
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(seen) }
	waitFor := func(n int) {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for count() < n {
			select {
			case <-handed:
			case <-deadline:
				t.Fatalf("%d posts handed on, want %d", count(), n)
			}
		}
	}
	waitFor(10)
	j.Drop()
	for i := 10; i < 15; i++ {
		j.Add(mk(i))
	}
	waitFor(15)
	mu.Lock()
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s handed on %d times", id, n)
		}
	}
	lastCur := decodeCursor(last)
	mu.Unlock()
	if lastCur != base+14000 {
		t.Errorf("cursor %d, want the newest event's %d", lastCur, base+14000)
	}
	qs := j.Queries()
	if len(qs) < 2 || qs[len(qs)-1].Get("cursor") == "" {
		t.Fatalf("no resubscription from a cursor: %v", qs)
	}
	// A failed hand-on ends Stream with its error.
	mu.Lock()
	failAt = 15
	mu.Unlock()
	j.Add(mk(15))
	select {
	case err := <-done:
		if !errors.Is(err, fail) {
			t.Errorf("Stream ended with %v, want the hand-on's error", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Stream went on after its hand-on failed")
	}
}
