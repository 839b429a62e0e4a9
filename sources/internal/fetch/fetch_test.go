package fetch

import (
	"testing"
	"time"
)

func TestRedactor(t *testing.T) {
	r := Redactor("tok123", "")
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"token tok123 here", "token <secret> here"},
		{`Get "https://graph.facebook.com/v21.0/x/feed?access_token=abc&since=1": dial tcp`, `Get "https://graph.facebook.com/v21.0/x/feed?<redacted>": dial tcp`},
		{"http://h/p no query", "http://h/p no query"},
	}
	for _, tt := range tests {
		if got := r(tt.in); got != tt.want {
			t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEpochSeconds(t *testing.T) {
	now := time.Unix(1781352000, 0)
	if got, ok := EpochSeconds("1781352600", now); !ok || !got.Equal(now.Add(10*time.Minute)) {
		t.Errorf("got %s %v", got, ok)
	}
	for _, v := range []string{"", "x", "1781351000", "1791352000"} {
		if _, ok := EpochSeconds(v, now); ok {
			t.Errorf("%q accepted", v)
		}
	}
}

func TestPrintable(t *testing.T) {
	if got := Printable(" a\x00b\nc ", 10); got != "a b c" {
		t.Errorf("got %q", got)
	}
	if got := Printable("abcdef", 3); got != "abc…" {
		t.Errorf("got %q", got)
	}
}
