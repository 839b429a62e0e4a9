package models

import (
	"encoding/json"
	"testing"
	"time"
)

// TestScanEventBody: the webhook body built from a scan's JSON is byte for
// byte encoding/json's rendering of the Event envelope, whether the JSON is
// the stored Scan or the API's view of it (with updateTime and etag).
func TestScanEventBody(t *testing.T) {
	sub := &Community{ID: "t5_2qi1r", Name: "marketing", URL: "https://reddit.com/r/marketing"}
	scans := []struct {
		name string
		scan *Scan
	}{
		{"post and match, text to escape", &Scan{Name: "namespaces/a/managers/m/scans/1", CreateTime: time.Now(),
			Post: Post{Type: PostRedditLink, ID: "t3_1", Time: NewTimestamp(time.Now()), Title: "<b>&\u2028 \"q\" 🙂",
				Text: "héllo\n\tworld", URL: "https://x/?a=1&b=2", Subreddit: sub,
				User: User{ID: "t2_u", Name: "u", URL: "https://reddit.com/user/u"}},
			Match: &Match{Focus: "SALES", Score: 0.1 + 0.2, Sentiment: -0.5, Terms: []string{"a"}, Reasons: []string{}}}},
		{"no match", &Scan{Name: "namespaces/a/managers/m/scans/2", Post: Post{Type: PostTwitterTweet}}},
	}
	for _, tt := range scans {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.scan.Post
			want, err := json.Marshal(Event{Type: EventScan, Name: tt.scan.Name, Post: &p, Match: tt.scan.Match})
			if err != nil {
				t.Fatal(err)
			}
			got, err := ScanEvent(tt.scan)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("ScanEvent:\n got %s\nwant %s", got, want)
			}
			view, _ := json.Marshal(struct {
				Scan
				UpdateTime time.Time `json:"updateTime"`
				Etag       string    `json:"etag"`
			}{*tt.scan, time.Now(), "0123abcd"})
			got, err = ScanEventBody(view)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("ScanEventBody(API view):\n got %s\nwant %s", got, want)
			}
		})
	}
	if _, err := ScanEventBody([]byte(`{"name":`)); err == nil {
		t.Error("ScanEventBody accepted a truncated scan")
	}
}
