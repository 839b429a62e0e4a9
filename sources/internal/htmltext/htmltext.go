// Package htmltext turns the HTML that platforms put in posts (Mastodon
// statuses, feed items, Stack Exchange bodies) into the plain text the
// matcher reads and receivers show: block elements become line breaks,
// links keep their text, scripts and styles go, entities are decoded.
package htmltext

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Text returns the plain text of s, an HTML fragment. Text that holds no
// markup comes back unchanged but for entity decoding and trimming.
func Text(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0 // depth inside <script>, <style>
	pre := 0  // depth inside <pre>
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			// io.EOF, or a tokenizer error: what was read is kept.
			return tidy(b.String())
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			if pre == 0 {
				t = collapse(t)
				if cur := b.String(); cur == "" || strings.HasSuffix(cur, "\n") || strings.HasSuffix(cur, " ") {
					t = strings.TrimLeft(t, " ")
				}
			}
			b.WriteString(t)
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			start := tt != html.EndTagToken
			switch a {
			case atom.Script, atom.Style, atom.Head, atom.Title:
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case atom.Pre:
				if tt == html.StartTagToken {
					pre++
				} else if tt == html.EndTagToken && pre > 0 {
					pre--
				}
				b.WriteString("\n")
			case atom.Br:
				b.WriteString("\n")
			case atom.P, atom.Div, atom.Blockquote, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
				atom.Ul, atom.Ol, atom.Table, atom.Section, atom.Article, atom.Hr, atom.Figure:
				b.WriteString("\n\n")
			case atom.Li, atom.Tr, atom.Dt, atom.Dd:
				if start {
					b.WriteString("\n")
				}
			case atom.Td, atom.Th:
				if start {
					b.WriteString(" ")
				}
			case atom.Img:
				if start {
					for {
						k, v, more := z.TagAttr()
						if string(k) == "alt" && len(v) > 0 {
							b.WriteString(string(v))
						}
						if !more {
							break
						}
					}
				}
			}
		}
	}
}

// collapse turns runs of white space (newlines included: HTML source
// breaks lines anywhere) into one space.
func collapse(s string) string {
	if !strings.ContainsAny(s, " \t\n\r\f") {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// tidy trims line ends and keeps at most one blank line in a row.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := true
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if strings.TrimSpace(l) == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		blank = false
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
