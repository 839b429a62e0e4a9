package spam

import (
	"bufio"
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"strings"
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

// TestFilterOnSemEval measures the filter on tweets nobody here wrote: a
// sample of what the filter as of 50ec9ab flagged on SemEval's 2016 test
// file, labelled before the rules were narrowed (testdata/README.md). It
// reports how precise the flags still raised are and how many of the
// sample's real promotions are still caught, and holds both over floors
// set under the figures measured once (BENCHMARKS.md). Skipped without the
// data (SEMEVAL_DIR, or ../shared/data beside the repository).
func TestFilterOnSemEval(t *testing.T) {
	dir := os.Getenv("SEMEVAL_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data", "semeval-2017-task4a")
	}
	f, err := os.Open(filepath.Join(dir, "twitter-2016test-A.txt"))
	if err != nil {
		t.Skipf("no SemEval data at %s (set SEMEVAL_DIR): %v", dir, err)
	}
	defer f.Close()
	text := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if parts := strings.SplitN(sc.Text(), "\t", 3); len(parts) == 3 {
			text[parts[0]] = html.UnescapeString(parts[2])
		}
	}
	b, err := os.ReadFile("testdata/semeval-flagged-test.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var promotions, kept, flagged, right int
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		cols := strings.Split(line, "\t")
		tweet, ok := text[cols[0]]
		if !ok {
			t.Fatalf("tweet %s is not in the data", cols[0])
		}
		promo := cols[1] == "promotion"
		if promo {
			promotions++
		}
		if Check("", tweet) != None {
			flagged++
			if promo {
				right++
				kept++
			}
		}
	}
	precision := float64(right) / float64(max(flagged, 1))
	t.Logf("of 60 flags before (26 promotions, precision 0.43): %d still flagged, %d of them promotions (precision %.2f); %d of %d promotions still caught",
		flagged, right, precision, kept, promotions)
	if precision < 0.70 || kept < 16 {
		t.Errorf("precision %.2f (floor 0.70), %d of %d promotions caught (floor 16)", precision, kept, promotions)
	}
}
