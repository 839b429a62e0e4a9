package notify

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/earshothq/earshot/models"
)

// EventView is an event's JSON (a Message's Body) read back for the
// channels that render their own format from it. Every string in it came
// from a stranger's post and must be escaped for the format it lands in.
type EventView struct {
	Type  string          `json:"type"`
	Name  string          `json:"name"`
	Post  *models.Post    `json:"post"`
	Match *MatchView      `json:"match"`
	Spike *models.Spike   `json:"spike"`
	Data  json.RawMessage `json:"data"`
	// Digest is a DIGEST event's body (its data), for email digests.
	Digest *Digest `json:"-"`
}

// MatchView is a SCAN's match as the channels read it.
type MatchView = models.Match

// ParseEvent reads an event body.
func ParseEvent(body []byte) (*EventView, error) {
	var ev EventView
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, fmt.Errorf("notify: event body is unreadable: %w", err)
	}
	if ev.Type == EventDigest && len(ev.Data) > 0 {
		ev.Digest = new(Digest)
		if err := json.Unmarshal(ev.Data, ev.Digest); err != nil {
			return nil, fmt.Errorf("notify: digest body is unreadable: %w", err)
		}
	}
	return &ev, nil
}

// Challenge is a TEST event's challenge.
func (ev *EventView) Challenge() string {
	var d struct {
		Challenge string `json:"challenge"`
	}
	_ = json.Unmarshal(ev.Data, &d)
	return d.Challenge
}

// Manager is the id of the manager (monitor) an event belongs to, from its
// name namespaces/{ns}/managers/{m}/…, or "".
func (ev *EventView) Manager() string {
	p := strings.Split(ev.Name, "/")
	if len(p) >= 4 && p[0] == "namespaces" && p[2] == "managers" {
		return p[3]
	}
	return ""
}

// Headline is a post's title, or the start of its text when it has none.
func Headline(p *models.Post, n int) string {
	if t := strings.TrimSpace(p.Title); t != "" {
		return Truncate(oneLine(t), n)
	}
	if t := strings.TrimSpace(p.Text); t != "" {
		return Truncate(oneLine(t), n)
	}
	return "(untitled " + p.Type + ")"
}

// Excerpt is the start of a post's text on one line, cut to n runes.
func Excerpt(p *models.Post, n int) string {
	return Truncate(oneLine(strings.TrimSpace(p.Text)), n)
}

// Truncate cuts s to at most n runes, ending it with "…" when cut.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max(n-1, 0)])) + "…"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// LinkURL returns u when it is an absolute http(s) URL a message may link
// to, or "": a javascript: or data: URL from a post is never a link.
func LinkURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return p.String()
}

// Score formats a match score as a percentage.
func Score(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

// Fit returns escape(Truncate(s, n)) cut so that it is at most n runes
// long once escaped: escaping can lengthen a stranger's text several
// times over ("&" is "&amp;"), and a platform refuses a field over its
// limit.
func Fit(s string, n int, escape func(string) string) string {
	k := n
	for {
		out := escape(Truncate(s, k))
		if utf8.RuneCountInString(out) <= n || k <= 1 {
			return out
		}
		k = k * n / utf8.RuneCountInString(out)
		if k < 1 {
			k = 1
		}
	}
}
