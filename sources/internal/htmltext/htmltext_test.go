package htmltext

import "testing"

func TestText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain", "  just text ", "just text"},
		{"entities", "Tom &amp; Jerry &lt;3", "Tom & Jerry <3"},
		{"mastodon status", `<p>Trying <a href="https://mastodon.social/tags/earshot" class="mention hashtag" rel="tag">#<span>earshot</span></a> today</p><p>second<br>line</p>`,
			"Trying #earshot today\n\nsecond\nline"},
		{"scripts dropped", `<p>a</p><script>alert(1)</script><style>p{}</style>b`, "a\n\nb"},
		{"list", "<ul><li>one</li><li>two</li></ul>", "one\ntwo"},
		{"pre kept", "<pre><code>x  :=\n  1</code></pre>", "x  :=\n  1"},
		{"source newlines collapse", "<p>a\n  b</p>", "a b"},
		{"img alt", `look <img src="x.png" alt="a cat"> here`, "look a cat here"},
		{"unclosed", "<p>cut <b>off", "cut off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
