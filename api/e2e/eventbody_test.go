package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
)

// A scan's webhook body is the same bytes whether delivered, listed or
// shown: the body the receiver got is, byte for byte, what
// models.ScanEventBody builds from the API's listing and from its view of
// the one scan, with text that every JSON encoder escapes its own way.
func TestScanBodySameDeliveredListedShown(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			reddit := fakes.NewReddit()
			defer reddit.Close()
			rcv := fakes.NewReceiver()
			defer rcv.Close()
			p := start(t, testConfig(t, b.URL(t), reddit.URL))

			p.call(t, "POST", "/v1/namespaces/acme/connections?connectionId=crm",
				`{"type":"HTTP_CONNECTION","url":"`+rcv.URL+`/hook","method":"POST"}`, 200)
			mgr := p.call(t, "POST", "/v1/namespaces/acme/managers", `{"type":"FEED_MANAGER","enable":true,"source":{"type":"REDDIT"},
 "input":{"type":"STRUCTURED","urls":["https://mycompany.com"],"focus":{"type":"SALES"}},
 "notices":[{"type":"HTTP_REQUEST","connection":"namespaces/acme/connections/crm"}]}`, 200)
			ns, mid, err := models.ParseManagerName(mgr["name"].(string))
			if err != nil {
				t.Fatal(err)
			}
			reddit.Add(fakes.RedditPost{ID: "1body1", Subreddit: "SaaS",
				Title:    `Is MyCompany worth it? <script>&amp; "quoted" 'single'`,
				Selftext: "Any recommendations?\u2028line\u2029para \u00e9\u00e8 🙂 \x7f tab\there\\slash </b>",
				Author:   "founder_fran", Created: time.Now().UTC().Add(-5 * time.Minute)})
			if _, err := p.srv.Poller().Poll(context.Background(), ns, mid); err != nil {
				t.Fatalf("poll: %v", err)
			}
			got := rcv.WaitFor(1, 20*time.Second)
			if len(got) == 0 {
				t.Fatal("no SCAN delivered")
			}
			delivered := got[0].Body
			var ev struct{ Name string }
			if err := json.Unmarshal(delivered, &ev); err != nil || ev.Name == "" {
				t.Fatalf("delivered %s: %v", delivered, err)
			}

			shown, err := models.ScanEventBody(p.send(t, "GET", "/v1/"+ev.Name, "", 200))
			if err != nil {
				t.Fatal(err)
			}
			if string(shown) != string(delivered) {
				t.Errorf("shown scan's body differs from the delivered one:\nshown     %s\ndelivered %s", shown, delivered)
			}
			var list struct{ Scans []json.RawMessage }
			if err := json.Unmarshal(p.send(t, "GET", "/v1/namespaces/acme/managers/-/scans", "", 200), &list); err != nil || len(list.Scans) != 1 {
				t.Fatalf("scans list: %d scans, %v", len(list.Scans), err)
			}
			listed, err := models.ScanEventBody(list.Scans[0])
			if err != nil {
				t.Fatal(err)
			}
			if string(listed) != string(delivered) {
				t.Errorf("listed scan's body differs from the delivered one:\nlisted    %s\ndelivered %s", listed, delivered)
			}
		})
	}
}
