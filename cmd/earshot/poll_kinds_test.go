package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/fakes"
)

// TestPollReadsTheNewKinds: `earshot poll` works for a kind with no code
// of its own in cmd: a feed and a Mastodon hashtag, on loopback fakes
// (sources.allow_private_targets on), and refuses the loopback address
// with the guard on.
func TestPollReadsTheNewKinds(t *testing.T) {
	feeds := fakes.NewFeeds()
	defer feeds.Close()
	now := time.Now().UTC()
	feeds.Set("/feed.xml", fakes.FeedDoc{Body: fmt.Sprintf(`<rss version="2.0"><channel><title>b</title><link>https://blog.example.com/</link>
<item><title>Earshot in production</title><link>https://blog.example.com/earshot</link><guid>https://blog.example.com/earshot</guid><pubDate>%s</pubDate></item>
</channel></rss>`, now.Add(-time.Hour).Format(time.RFC1123Z))})
	masto := fakes.NewMastodon()
	defer masto.Close()
	masto.Add(fakes.MastodonStatus{ID: now.Add(-time.Minute).UnixMilli() << 16, Tags: []string{"earshot"}, Acct: "alice", Content: "<p>hello #earshot</p>", Language: "en", Created: now.Add(-time.Minute)})

	config := func(allow bool) string {
		path := filepath.Join(t.TempDir(), "earshot.yaml")
		yaml := fmt.Sprintf(`
sources:
  allow_private_targets: %t
log: {level: warn}
namespaces:
  - id: acme
    managers:
      - id: blog
        source: {type: RSS, feeds: [%q]}
        input: {keywords: [earshot], focus: {type: MENTIONS}}
      - id: fedi
        source: {type: MASTODON, instance: %q, hashtags: [earshot]}
        input: {keywords: [earshot], focus: {type: MENTIONS}}
`, allow, feeds.URL+"/feed.xml", masto.URL)
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, tt := range []struct{ manager, want string }{
		{"acme/blog", `"type":"RSS_ITEM"`},
		{"acme/fedi", `"type":"MASTODON_STATUS"`},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"poll", "--config", config(true), "--manager", tt.manager}, nil, &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.manager, code, errb.String())
		}
		if !strings.Contains(out.String(), tt.want) || strings.Count(strings.TrimSpace(out.String()), "\n") != 0 {
			t.Errorf("%s printed:\n%s", tt.manager, out.String())
		}
		out.Reset()
		errb.Reset()
		if code := run(context.Background(), []string{"poll", "--config", config(false), "--manager", tt.manager}, nil, &out, &errb); code == 0 || !strings.Contains(errb.String(), "address is not public") {
			t.Errorf("%s with the guard on: exit %d, stderr %q", tt.manager, code, errb.String())
		}
	}
}
