package models

import "testing"

func TestRedactURLs(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"reddit: GET https://oauth.reddit.com/r/x/new?access_token=SECRET: server error 503",
			"reddit: GET https://oauth.reddit.com/r/x/new?<redacted>: server error 503"},
		{`Get "https://user:pw@graph.facebook.com/v21.0/page/posts?fields=a&access_token=EAAB": EOF`,
			`Get "https://<secret>@graph.facebook.com/v21.0/page/posts?<redacted>": EOF`},
		{"no url here", "no url here"},
		{"dial tcp https://example.com/path, refused", "dial tcp https://example.com/path, refused"},
	} {
		if got := RedactURLs(c.in); got != c.want {
			t.Errorf("RedactURLs(%q)\n= %q\nwant %q", c.in, got, c.want)
		}
	}
}
