package query

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// show prints a tree compactly: (AND a (OR b c)).
func show(n Node) string {
	switch n := n.(type) {
	case *And:
		return "(AND " + showAll(n.Children) + ")"
	case *Or:
		return "(OR " + showAll(n.Children) + ")"
	case *Not:
		return "(NOT " + show(n.Child) + ")"
	case *Term:
		s := strings.Join(n.Words, "_")
		if n.Prefix {
			s += "*"
		}
		if n.Field != FieldAny {
			s = n.Field.String() + ":" + s
		}
		return s
	}
	return "?"
}

func showAll(ns []Node) string {
	var p []string
	for _, n := range ns {
		p = append(p, show(n))
	}
	return strings.Join(p, " ")
}

func TestParse(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"word", "crm", "crm"},
		{"implicit and", "crm tool", "(AND crm tool)"},
		{"or binds looser than and", "a b OR c", "(OR (AND a b) c)"},
		{"explicit and", "a AND b", "(AND a b)"},
		{"parentheses", "a (b OR c)", "(AND a (OR b c))"},
		{"not", "a NOT b", "(AND a (NOT b))"},
		{"minus", "a -b", "(AND a (NOT b))"},
		{"phrase", `"social listening" tool`, "(AND social_listening tool)"},
		{"prefix", "plug*", "plug*"},
		{"phrase prefix", `"social listen"*`, "social_listen*"},
		{"fields", `title:"price increase" subreddit:r/SaaS author:u/Bob lang:en type:REDDIT_*`, "(AND title:price_increase subreddit:saas author:bob lang:en type:reddit_*)"},
		{"lowercase operators are words", "cats and dogs", "(AND cats and dogs)"},
		{"unicode", "Café Ünïcode ΣΟΦΊΑ", "(AND café ünïcode σοφία)"},
		{"punctuation splits words", "node.js", "node_js"},
		{"cjk is per character", "東京", "東_京"},
		{"unknown field is a word", "foo:bar", "foo_bar"},
		{"nested", "NOT (a OR NOT b)", "(NOT (OR a (NOT b)))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := show(n); got != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in string
		col      int
		expected string
	}{
		{"empty", "  ", 1, "a term"},
		{"dangling or", "a OR", 5, "a term"},
		{"unclosed paren", "(a OR b", 8, `")" to close`},
		{"stray close", "a)", 2, "an operator or a term"},
		{"unclosed phrase", `a "b c`, 7, `closing '"'`},
		{"short prefix", "p*", 1, "at least 2 characters"},
		{"inner wildcard", "pl*g", 3, "a wildcard only at the end"},
		{"no letters", "a ++", 3, "a word with letters or digits"},
		{"field without value", "title: foo", 7, "a value after title:"},
		{"not at end", "a NOT", 6, "a term"},
		{"empty parens", "()", 2, "a term"},
		{"empty phrase", `""`, 1, "words inside the quotes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) = %v, want *Error", tt.in, err)
			}
			if pe.Column != tt.col || !strings.Contains(pe.Expected, tt.expected) {
				t.Errorf("Parse(%q) = %v; want column %d expecting %q", tt.in, err, tt.col, tt.expected)
			}
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("query: column %d: expected ", tt.col)) {
				t.Errorf("message %q", err.Error())
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hello, World!", " hello world "},
		{"e-mail  CRM's", " e mail crm s "},
		{"ÉCOLE naïve", " école naïve "},
		{"ΟΔΟΣ", " οδοσ "},
		{"東京タワー", " 東 京 タ ワ ー "},
		{"", " "},
	}
	for _, tt := range tests {
		if got := string(AppendNormalized(nil, tt.in)); got != tt.want {
			t.Errorf("AppendNormalized(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLiteral(t *testing.T) {
	l, err := Literal(`Social Listening`)
	if err != nil || l.Pattern() != " social listening " {
		t.Fatalf("got %v %v", l, err)
	}
	l, err = Literal(`AND "x"`)
	if err != nil || l.Pattern() != " and x " {
		t.Fatalf("keywords are literal: got %q %v", l.Pattern(), err)
	}
	l, _ = Literal("plug*")
	if l.Pattern() != " plug" {
		t.Fatalf("prefix: %q", l.Pattern())
	}
	if _, err := Literal("!!"); err == nil {
		t.Fatal("want error for no letters")
	}
}
