package query

import (
	"errors"
	"strings"
	"testing"
)

// A query over a bound is refused before any work that grows with it, with
// an error naming the limit; one at the bound parses.
func TestParseBounds(t *testing.T) {
	terms := func(n int) string { return strings.TrimSpace(strings.Repeat("w ", n)) }
	for _, tc := range []struct {
		name string
		q    string
		what string // "" parses
	}{
		{"deepest allowed nesting", strings.Repeat("(", MaxDepth) + "a" + strings.Repeat(")", MaxDepth), ""},
		{"nesting one too deep", strings.Repeat("(", MaxDepth+1) + "a" + strings.Repeat(")", MaxDepth+1), "depth"},
		{"NOTs one too deep", strings.Repeat("NOT ", MaxDepth+1) + "a", "depth"},
		{"mixed nesting", strings.Repeat("(NOT ", MaxDepth/2+1) + "a" + strings.Repeat(")", MaxDepth/2+1), "depth"},
		{"a megabyte of parentheses", strings.Repeat("(", 1<<20) + "a" + strings.Repeat(")", 1<<20), "length"},
		{"ten million characters", strings.Repeat("(a OR ", 10_000_000/6), "length"},
		{"most terms", terms(MaxTerms), ""},
		{"too many terms", terms(MaxTerms + 1), "terms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.q)
			var le *LimitError
			switch {
			case tc.what == "" && err != nil:
				t.Fatalf("Parse: %v", err)
			case tc.what != "" && (!errors.As(err, &le) || le.What != tc.what):
				t.Fatalf("Parse: %v, want a %s limit error", err, tc.what)
			case tc.what != "" && !strings.Contains(err.Error(), "(the limit)"):
				t.Errorf("error %q does not name the limit", err)
			}
		})
	}
	if _, err := Parse("acme \xff"); err == nil {
		t.Error("invalid UTF-8 parsed")
	}
}
