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

// `earshot poll` of a BLUESKY manager listens to the firehose for a few
// seconds and prints the posts it read.
func TestPollListensToTheFirehose(t *testing.T) {
	js := fakes.NewJetstream()
	defer js.Close()
	now := time.Now()
	for i, text := range []string{"earshot on bluesky", "anything else"} {
		js.Add(fmt.Sprintf(`{"did":"did:plc:polltest","time_us":%d,"kind":"commit","commit":{"rev":"r%d","operation":"create","collection":"app.bsky.feed.post","rkey":"k%d","record":{"$type":"app.bsky.feed.post","createdAt":%q,"text":%q},"cid":"c"}}`,
			now.UnixMicro()+int64(i), i, i, now.UTC().Format(time.RFC3339Nano), text))
	}
	path := filepath.Join(t.TempDir(), "earshot.yaml")
	yaml := fmt.Sprintf(`
sources:
  bluesky: {jetstream_url: %q}
log: {level: warn}
namespaces:
  - id: acme
    managers:
      - id: bsky
        source: {type: BLUESKY}
        input: {keywords: [earshot], focus: {type: MENTIONS}}
`, js.SubscribeURL())
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"poll", "--config", path, "--manager", "acme/bsky"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"type":"BLUESKY_POST"`) || !strings.Contains(lines[0], `"id":"at://did:plc:polltest/app.bsky.feed.post/k0"`) {
		t.Errorf("printed %q", out.String())
	}
	if !strings.Contains(errb.String(), "2 posts from BLUESKY") {
		t.Errorf("stderr %q", errb.String())
	}
}
