package notify

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/earshothq/earshot/models"
)

// TestRenderEventMatchesScanEvent: the fast rendering of a SCAN is byte
// for byte the marshalled models.ScanEvent.
func TestRenderEventMatchesScanEvent(t *testing.T) {
	sub := &models.Community{ID: "t5_2qi1r", Name: "marketing", URL: "https://reddit.com/r/marketing"}
	for _, s := range []*models.Scan{
		{Name: "namespaces/a/managers/m/scans/1", CreateTime: time.Now(), Post: models.Post{Type: models.PostRedditLink, ID: "t3_1",
			Time: models.NewTimestamp(time.Now()), Title: "<b>&\u2028 \"q\"", Text: "héllo", URL: "https://x/?a=1&b=2", Subreddit: sub,
			User: models.User{ID: "t2_u", Name: "u", URL: "https://reddit.com/user/u"}},
			Match: &models.Match{Focus: "SALES", Score: 0.5, Terms: []string{"a"}, Reasons: []string{}}},
		{Name: "namespaces/a/managers/m/scans/2", Post: models.Post{Type: models.PostTwitterTweet}},
	} {
		stored, _ := json.Marshal(s)
		got, err := renderEvent(models.EventScan, stored)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(models.ScanEvent(s))
		if string(got) != string(want) {
			t.Errorf("render:\n got %s\nwant %s", got, want)
		}
	}
}
