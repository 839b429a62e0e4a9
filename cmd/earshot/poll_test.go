package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"

	"github.com/redis/go-redis/v9"
)

func pollConfig(t *testing.T, hnURL, receiverURL string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "earshot.yaml")
	yaml := fmt.Sprintf(`
sources:
  hackernews: {base_url: %q}
log: {level: warn}
namespaces:
  - id: acme
    connections:
      - {id: crm, url: %q}
    managers:
      - id: hn
        source: {type: HACKERNEWS, backfill: 24h}
        input: {keywords: [earshot], focus: {type: MENTIONS}}
        notices: [{connection: namespaces/acme/connections/crm}]
      - id: pushed
        source: {type: INGEST}
        input: {keywords: [earshot], focus: {type: MENTIONS}}
`, hnURL+"/api/v1", receiverURL)
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPollPrintsThePostsReadAndDeliversNothing(t *testing.T) {
	hn := fakes.NewHackerNews()
	defer hn.Close()
	rcv := fakes.NewReceiver()
	defer rcv.Close()
	now := time.Now().UTC().Truncate(time.Second)
	hn.Add(
		fakes.HNItem{ID: 2, Title: "Show HN: earshot", Author: "founder", Created: now.Add(-time.Hour)},
		fakes.HNItem{ID: 3, Comment: true, StoryID: 2, Author: "fan", Text: "earshot &amp; friends", Created: now.Add(-time.Minute)},
		fakes.HNItem{ID: 1, Title: "earshot, long ago", Author: "old", Created: now.Add(-72 * time.Hour)},
	)
	path := pollConfig(t, hn.URL, rcv.URL)

	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"poll", "--config", path, "--manager", "acme/hn"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("printed %d lines, want 2:\n%s", len(lines), out.String())
	}
	var first, second models.Post
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(lines[1]), &second)
	if first.ID != "2" || first.Type != models.PostHackerNewsStory || second.ID != "3" || second.Text != "earshot & friends" {
		t.Errorf("posts = %+v, %+v", first, second)
	}
	if !strings.Contains(errb.String(), "2 posts from HACKERNEWS") {
		t.Errorf("stderr = %q", errb.String())
	}
	if n := len(rcv.Requests()); n != 0 {
		t.Errorf("poll delivered %d webhooks", n)
	}

	errb.Reset()
	if code := run(context.Background(), []string{"poll", "--config", path, "--manager", "acme/pushed"}, nil, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "INGEST") {
		t.Errorf("INGEST manager: exit %d, %q", code, errb.String())
	}
	errb.Reset()
	if code := run(context.Background(), []string{"poll", "--config", path, "--manager", "acme/nope"}, nil, &out, &errb); code != 1 {
		t.Errorf("unknown manager: exit %d, %q", code, errb.String())
	}
}

func TestPollFromTheStoredCursor(t *testing.T) {
	hn := fakes.NewHackerNews()
	defer hn.Close()
	now := time.Now().UTC().Truncate(time.Second)
	hn.Add(fakes.HNItem{ID: 2, Title: "earshot again", Author: "a", Created: now.Add(-time.Hour)})
	path := pollConfig(t, hn.URL, "https://crm.example.com/hook")
	redisURL := testredis.Embedded(t)
	t.Setenv("REDIS_URL", redisURL)

	// No cursor stored yet: a first poll.
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"poll", "--config", path, "--manager", "acme/hn", "--stored-cursor"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("out = %q", out.String())
	}
	// A cursor that has seen everything: nothing to print, and it stays.
	opts, _ := redis.ParseURL(redisURL)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	// The manager has no query of its own: it is served by the stream of
	// every new item, whose cursor is the stream's.
	cur := fmt.Sprintf(`{"v":1,"windows":{"(story,comment) ":{"since":%q,"newest":%q,"seen":[{"id":"2","t":%d}]}}}`,
		now.Add(-24*time.Hour).Format(time.RFC3339), now.Add(-time.Hour).Format(time.RFC3339), now.Add(-time.Hour).Unix())
	st := store.New(rdb)
	if err := st.SetStreamCursor(context.Background(), "HACKERNEWS/all", json.RawMessage(cur)); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"poll", "--config", path, "--manager", "acme/hn", "--stored-cursor"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if out.Len() != 0 {
		t.Errorf("printed %q, want nothing new", out.String())
	}
	if got, _ := st.StreamCursor(context.Background(), "HACKERNEWS/all"); string(got) != cur {
		t.Errorf("the stored cursor changed: %s", got)
	}
}
