package hackernews

import (
	"html"
	"strings"
)

// plainText turns the HTML of an HN item (story_text, comment_text) into
// plain text: paragraphs (<p>) become blank lines, line breaks stay, every
// other tag goes, and entities (&#x27;, &#x2F;, &gt;) are unescaped. HN's
// markup is this small subset, so no HTML parser is needed; a stray '<'
// that starts no tag is kept.
func plainText(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '>')
		name := ""
		if end > 0 {
			name = tagName(s[i+1 : i+end])
		}
		if name == "" {
			b.WriteByte('<')
			s = s[i+1:]
			continue
		}
		switch name {
		case "p":
			b.WriteString("\n\n")
		case "br":
			b.WriteString("\n")
		}
		s = s[i+end+1:]
	}
	text := html.UnescapeString(b.String())
	// Trim the blank lines a leading or trailing <p> leaves, and spaces
	// at line ends.
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// tagName returns the lower-case name of the tag whose text (between < and
// >) is t, or "" when t is not a tag.
func tagName(t string) string {
	t = strings.TrimPrefix(t, "/")
	n := 0
	for n < len(t) && (t[n] >= 'a' && t[n] <= 'z' || t[n] >= 'A' && t[n] <= 'Z' || n > 0 && t[n] >= '0' && t[n] <= '9') {
		n++
	}
	if n == 0 || n < len(t) && t[n] != ' ' && t[n] != '/' && t[n] != '\t' && t[n] != '\n' {
		return ""
	}
	return strings.ToLower(t[:n])
}
