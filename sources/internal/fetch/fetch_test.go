package fetch

import (
	"net/http"
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

func TestNextLink(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{`<https://mastodon.social/api/v1/timelines/tag/go?max_id=110>; rel="next", <https://mastodon.social/api/v1/timelines/tag/go?min_id=120>; rel="prev"`, "https://mastodon.social/api/v1/timelines/tag/go?max_id=110"},
		{`<https://api.github.com/search/issues?q=x&page=2>; rel="next", <https://api.github.com/search/issues?q=x&page=34>; rel="last"`, "https://api.github.com/search/issues?q=x&page=2"},
		{`<https://x.example/a>; rel="prev"`, ""},
		{`garbage; rel=next`, ""},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.in != "" {
			h.Set("Link", tt.in)
		}
		if got := NextLink(h); got != tt.want {
			t.Errorf("NextLink(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if !SameOrigin("https://a.example/api", "https://A.example/x?y") || SameOrigin("https://a.example", "https://b.example") || SameOrigin("https://a.example", "http://a.example") {
		t.Error("SameOrigin")
	}
}
