package matcher

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jonreiter/govader"
)

// TestSentimentMatchesGovader: the matcher's VADER (package sentiment)
// gives every labelled post the compound score govader gives the same text.
func TestSentimentMatchesGovader(t *testing.T) {
	g := govader.NewSentimentIntensityAnalyzer()
	a := analyzer()
	posts := loadLabelled(t)
	extra := []struct{ title, text string }{
		{"", ""},
		{"  ", "\n\t"},
		{"GREAT tool", "  but the\tsupport is AWFUL!!!\n\nNever again :("},
		{"Is it worth it??", "not bad at all 😀"},
		{"Title ends with a question?", " leading space and\u00a0nbsp"},
	}
	for _, e := range extra {
		p := post("x", e.title, e.text)
		posts = append(posts, labelled{Post: *p})
	}
	for _, l := range posts {
		text := string(appendSentimentText(nil, &l.Post))
		want := 0.0
		if text != "" {
			want = g.PolarityScores(text).Compound
		}
		if got := compoundScore(a, &l.Post); math.Abs(got-want) > 1e-9 {
			t.Errorf("%s %q: compound %.12f, govader %.12f", l.Post.ID, text, got, want)
		}
	}
}

// TestSentimentText: VADER reads title and text as one text with single
// spaces, the title ended as a sentence.
func TestSentimentText(t *testing.T) {
	tests := []struct{ name, title, text, want string }{
		{"both", "Great tool", "I love it", "Great tool. I love it"},
		{"title with punctuation", "Worth it?", "yes", "Worth it? yes"},
		{"no title", "", "  just\ttext\n\nhere  ", "just text here"},
		{"no text", "  Title  ", "", "Title."},
		{"empty", " ", "\n", ""},
		{"leading space in text", "Hi!", "  there", "Hi! there"},
		{"unicode spaces", "", "a\u00a0b\u0085c\u2003d", "a b c\u2003d"},
		{"invalid byte", "", "bad\xffbyte", "bad\ufffdbyte"},
		{"emoji kept", "", "love it 😍", "love it 😍"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(appendSentimentText(nil, post("s", tt.title, tt.text))); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAppendFields: whitespace folds to single spaces exactly as a
// rune-by-rune fold would.
func TestAppendFields(t *testing.T) {
	slow := func(b []byte, s string) []byte {
		space := false
		for _, r := range s {
			switch r {
			case ' ', '\n', '\t', '\r', '\v', '\f', 0x85, 0xA0:
				space = true
				continue
			}
			if space && len(b) > 0 && b[len(b)-1] != ' ' {
				b = append(b, ' ')
			}
			space = false
			b = utf8.AppendRune(b, r)
		}
		if space {
			b = append(b, ' ')
		}
		return b
	}
	pieces := []string{"a", "bc", " ", "  ", "\t", "\n", "\u00a0", "\u0085", "é", "\xff", "😀", ".", "x y", " z "}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var sb strings.Builder
		for range r.IntN(8) {
			sb.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := sb.String()
		for _, prefix := range []string{"", "T.", "T. "} {
			if got, want := appendFields([]byte(prefix), s), slow([]byte(prefix), s); string(got) != string(want) {
				t.Fatalf("appendFields(%q, %q) = %q, want %q", prefix, s, got, want)
			}
		}
	}
}
