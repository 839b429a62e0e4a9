package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/internal/testserver"
)

// jetstreamPost is a Jetstream commit creating a post, in the shape its
// documentation gives.
func jetstreamPost(n int, text string, at time.Time) (event, atURI string) {
	did := "did:plc:e2etester" + fmt.Sprint(n%3)
	rkey := fmt.Sprintf("3l3qo2vuo%04d", n)
	record, _ := json.Marshal(map[string]any{"$type": "app.bsky.feed.post", "createdAt": at.UTC().Format(time.RFC3339Nano), "langs": []string{"en"}, "text": text})
	ev := fmt.Sprintf(`{"did":%q,"time_us":%d,"kind":"commit","commit":{"rev":"3l3qo2vutsw%d","operation":"create","collection":"app.bsky.feed.post","rkey":%q,"record":%s,"cid":"bafyreidwaivazkwu67xztlmuobx35hs2lzfh3kolmgfmucldvhd3sgzcqi"}}`,
		did, at.UnixMicro(), n, rkey, record)
	return ev, "at://" + did + "/app.bsky.feed.post/" + rkey
}

// The firehose has one reader across replicas: the second process waits
// while the first reads, takes over from the stored time_us cursor when
// the first stops, and every matching post is delivered once.
func TestBlueskyFirehoseHasOneReaderAcrossReplicas(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			redisURL := b.URL(t)
			js := fakes.NewJetstream()
			defer js.Close()
			rcv := fakes.NewReceiver()
			defer rcv.Close()
			cfg := sourceConfig(t, redisURL, fmt.Sprintf("  bluesky: {jetstream_url: %q}", js.SubscribeURL()), "{type: BLUESKY}", rcv.URL)

			want := map[string]bool{}
			publish := func(n int, text string, match bool) {
				ev, id := jetstreamPost(n, text, time.Now())
				js.Add(ev)
				if match {
					want[id] = true
				}
			}
			first := testserver.Start(t, cfg)
			publish(1, "Has anyone tried Earshot for social listening?", true)
			publish(2, "Nothing to see here", false)
			rcv.WaitFor(1, 20*time.Second)
			second := testserver.Start(t, cfg)
			publish(3, "earshot again, from the first reader", true)
			rcv.WaitFor(2, 20*time.Second)
			time.Sleep(time.Second)
			if n := len(js.Queries()); n != 1 {
				t.Fatalf("%d subscriptions while two replicas run, want 1", n)
			}
			first.Stop()
			publish(4, "earshot while the reader changes hands", true)
			rcv.WaitFor(3, 30*time.Second)
			qs := js.Queries()
			if len(qs) != 2 || qs[1].Get("cursor") == "" || qs[1].Get("wantedCollections") != "app.bsky.feed.post" {
				t.Fatalf("subscriptions %v, want the second replica's, from the stored cursor", qs)
			}
			time.Sleep(1500 * time.Millisecond)
			second.Stop()

			seen := map[string]int{}
			for _, req := range rcv.Requests() {
				var ev struct {
					Name string `json:"name"`
					Post struct{ Type, ID, URL string }
				}
				if err := json.Unmarshal(req.Body, &ev); err != nil {
					t.Fatal(err)
				}
				seen[ev.Post.ID]++
				if ev.Post.Type != "BLUESKY_POST" || !strings.HasPrefix(ev.Post.URL, "https://bsky.app/profile/did:plc:e2etester") ||
					!strings.HasPrefix(ev.Name, "namespaces/acme/managers/monitor/scans/") {
					t.Errorf("delivered %s", req.Body)
				}
				verify(t, req)
			}
			for id, n := range seen {
				if !want[id] || n != 1 {
					t.Errorf("%s delivered %d times (matching: %v)", id, n, want[id])
				}
			}
			if len(seen) != len(want) {
				t.Errorf("delivered %v, want each of %v once", seen, want)
			}
		})
	}
}
