package spam

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name, title, text string
		want              Reason
	}{
		{"giveaway", "", "🎁 GIVEAWAY TIME 🎁 like this post, share it, and comment DONE", Giveaway},
		{"rt and follow", "", "RT & follow to win a PS5!! Winner picked Friday", Giveaway},
		{"affiliate", "Best headphones 2026", "1. Sony amzn.to/4aa. As an Amazon Associate I earn from qualifying purchases.", Affiliate},
		{"discount code", "", "obsessed with this cleanser!! use my code LOVE10 for 10% off", Affiliate},
		{"dm me", "Passive work", "DM me and I'll show you how.", DMMe},
		{"job ad", "", "WE ARE HIRING!! Work from home. Message for details", JobAd},
		{"hourly pay", "", "Remote customer service jobs, $28/hr, start today! Apply: hire-quick.co", JobAd},
		{"link farm", "", "Deals: bit.ly/x1 bit.ly/x2 tinyurl.com/x3", LinkFarm},
		{"scheme", "", "Join our VIP signals group and 10x your portfolio", Scheme},
		// What a buyer writes stays clean.
		{"buyer", "Looking for a CRM", "We need something to manage our affiliate program. Any tools you'd suggest?", None},
		{"buyer with one link", "Is this worth it?", "Thinking of getting https://example.com/x for the team. Thoughts?", None},
		{"hours", "", "Waited 2 hr on hold, need a new internet provider", None},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Check(tt.title, tt.text); got != tt.want {
				t.Errorf("Check = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFilterOnEvaluationSet measures the filter on both halves of the
// purchase-intent evaluation set: how many posts written as spam it
// catches, and how many posts with purchase intent it wrongly flags (the
// costly error). Floors sit under BENCHMARKS.md's figures.
func TestFilterOnEvaluationSet(t *testing.T) {
	for _, half := range []string{"dev", "test"} {
		f, err := os.Open("../testdata/intent/" + half + ".jsonl")
		if err != nil {
			t.Fatal(err)
		}
		var spam, caught, intent, flagged, other, otherFlagged int
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var l struct {
				Post struct{ Title, Text string }
				Kind string
			}
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatal(err)
			}
			r := Check(l.Post.Title, l.Post.Text)
			switch l.Kind {
			case "spam":
				spam++
				if r != None {
					caught++
				}
			case "intent":
				intent++
				if r != None {
					flagged++
					t.Logf("%s: intent post flagged %q: %s", half, r, l.Post.Text)
				}
			default:
				other++
				if r != None {
					otherFlagged++
				}
			}
		}
		f.Close()
		t.Logf("%s: spam caught %d/%d; intent posts flagged %d/%d; other posts flagged %d/%d", half, caught, spam, flagged, intent, otherFlagged, other)
		if float64(caught) < 0.85*float64(spam) || flagged > 1 {
			t.Errorf("%s: caught %d of %d spam posts, flagged %d intent posts", half, caught, spam, flagged)
		}
	}
}
