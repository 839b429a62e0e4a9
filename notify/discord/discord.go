package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/earshothq/earshot/internal/retryafter"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
)

// Channel sends events to Discord webhooks.
type Channel struct{ http *notify.Sender }

// Send renders the event as an embed and posts it once.
func (c *Channel) Send(ctx context.Context, conn *models.Connection, msg notify.Message) notify.Outcome {
	ev, err := notify.ParseEvent(msg.Body)
	if err != nil {
		return notify.Outcome{Err: err}
	}
	body, err := json.Marshal(Render(ev))
	if err != nil {
		return notify.Outcome{Err: fmt.Errorf("discord: encode message: %w", err)}
	}
	rep, err := c.http.Do(ctx, notify.Request{URL: conn.URL, Body: body, Timeout: msg.Timeout})
	if err != nil {
		return notify.Failed(rep, err)
	}
	return classify(rep)
}

// apiError is Discord's error body.
type apiError struct {
	Message    string  `json:"message"`
	Code       int     `json:"code"`
	RetryAfter float64 `json:"retry_after"` // seconds, a float
	Global     bool    `json:"global"`
}

// classify reads Discord's answers as it documents them: 204 (200 with
// ?wait=true) delivered; 429 with a JSON retry_after in seconds (and the
// X-RateLimit-* headers; global says the limit is the application's, not
// the webhook's); 404 Unknown Webhook and 401 Invalid Webhook Token: the
// webhook was deleted, the connection is disabled; other 4xx final; 5xx
// retried.
func classify(rep notify.Reply) notify.Outcome {
	out := notify.Answered("discord", rep)
	if out.OK() {
		return out
	}
	var e apiError
	_ = json.Unmarshal(rep.Body, &e)
	what := strings.TrimSpace(e.Message)
	if what != "" {
		if e.Code != 0 {
			what += " (code " + strconv.Itoa(e.Code) + ")"
		}
		out.Err = fmt.Errorf("discord: answered %d: %s", rep.StatusCode, what)
	}
	switch rep.StatusCode {
	case http.StatusTooManyRequests:
		out.Retry = true
		if e.RetryAfter > 0 {
			out.RetryAfter = min(time.Duration(e.RetryAfter*float64(time.Second)), retryafter.Max)
		} else if d, ok := retryafter.Seconds(rep.Header.Get("X-RateLimit-Reset-After")); ok && out.RetryAfter == 0 {
			out.RetryAfter = d
		}
		if e.Global || strings.EqualFold(rep.Header.Get("X-RateLimit-Global"), "true") {
			out.Err = fmt.Errorf("discord: answered 429: global rate limit, retry after %s", out.RetryAfter)
		}
	case http.StatusNotFound, http.StatusUnauthorized:
		out.Retry = false
		out.Disable = fmt.Sprintf("Discord answered %d %s: the webhook was deleted or its token revoked", rep.StatusCode, what)
	}
	return out
}

// Message is a Discord execute-webhook body.
type Message struct {
	Username        string          `json:"username,omitempty"`
	Content         string          `json:"content,omitempty"`
	Embeds          []Embed         `json:"embeds"`
	AllowedMentions AllowedMentions `json:"allowed_mentions"`
}

// AllowedMentions with an empty Parse lets nothing in the message ping
// anyone: not @everyone, not a role, not a user.
type AllowedMentions struct {
	Parse []string `json:"parse"`
}

// Embed is a Discord embed.
type Embed struct {
	Title       string  `json:"title,omitempty"`
	URL         string  `json:"url,omitempty"`
	Description string  `json:"description,omitempty"`
	Color       int     `json:"color,omitempty"`
	Timestamp   string  `json:"timestamp,omitempty"`
	Author      *Author `json:"author,omitempty"`
	Fields      []Field `json:"fields,omitempty"`
	Footer      *Footer `json:"footer,omitempty"`
}

type Author struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type Field struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline"`
}

type Footer struct {
	Text string `json:"text"`
}

// Discord's limits: title 256, description 4096, field value 1024, author
// name 256, 6000 in all.
const (
	maxTitle       = 240
	maxDescription = 1500
	maxTopPosts    = 5
	maxURL         = 2000
	colorMatch     = 0x2f80ed
	colorSpike     = 0xd64545
)

// Render builds the message of an event.
func Render(ev *notify.EventView) Message {
	m := Message{Username: "Earshot", AllowedMentions: AllowedMentions{Parse: []string{}}}
	switch {
	case ev.Type == models.EventSpike && ev.Spike != nil:
		m.Embeds = []Embed{renderSpike(ev)}
	case ev.Type == models.EventTest:
		m.Embeds = []Embed{{Title: "Earshot test message", Description: "Connection " + Escape(ev.Name) + "\nChallenge: " + code(ev.Challenge())}}
	case ev.Post != nil:
		m.Embeds = []Embed{renderScan(ev)}
	default:
		m.Embeds = []Embed{{Title: Escape("Earshot " + ev.Type + " event"), Description: Escape(ev.Name)}}
	}
	return m
}

func renderScan(ev *notify.EventView) Embed {
	p := ev.Post
	e := Embed{
		Title:       notify.Fit(notify.Headline(p, maxTitle), maxTitle, Escape),
		URL:         notify.LinkURL(p.URL),
		Description: notify.Fit(notify.Excerpt(p, maxDescription), maxDescription, Escape),
		Color:       colorMatch,
		Footer:      &Footer{Text: Escape(p.Type)},
	}
	if !p.Time.IsZero() {
		e.Timestamp = p.Time.UTC().Format(time.RFC3339)
	}
	if len(e.URL) > maxURL {
		e.URL = ""
	}
	if p.User.Name != "" {
		e.Author = &Author{Name: notify.Truncate(p.User.Name, 200), URL: notify.LinkURL(p.User.URL)}
		if len(e.Author.URL) > maxURL {
			e.Author.URL = ""
		}
	}
	e.Fields = append(e.Fields, Field{Name: "Monitor", Value: Escape(ev.Manager()), Inline: true})
	if p.Subreddit != nil && p.Subreddit.Name != "" {
		e.Fields = append(e.Fields, Field{Name: "Community", Value: Escape(p.Subreddit.Name), Inline: true})
	}
	if m := ev.Match; m != nil {
		e.Fields = append(e.Fields,
			Field{Name: "Focus", Value: Escape(m.Focus), Inline: true},
			Field{Name: "Score", Value: notify.Score(m.Score), Inline: true})
		if m.Intent != "" {
			e.Fields = append(e.Fields, Field{Name: "Intent", Value: Escape(m.Intent), Inline: true})
		}
		e.Fields = append(e.Fields, Field{Name: "Sentiment", Value: strconv.FormatFloat(m.Sentiment, 'f', 2, 64), Inline: true})
	}
	for i := range e.Fields {
		if e.Fields[i].Value == "" {
			e.Fields[i].Value = "—"
		}
	}
	return e
}

func renderSpike(ev *notify.EventView) Embed {
	s := ev.Spike
	e := Embed{
		Title: fmt.Sprintf("Crisis spike: %d negative posts in %s", s.Count, s.Window),
		Color: colorSpike,
		Fields: []Field{
			{Name: "Monitor", Value: Escape(ev.Manager()) + "\u200b", Inline: true},
			{Name: "Baseline", Value: strconv.FormatFloat(s.Baseline, 'f', 1, 64), Inline: true},
			{Name: "Ratio", Value: strconv.FormatFloat(s.Ratio, 'f', 1, 64) + "×", Inline: true},
			{Name: "Sentiment", Value: strconv.FormatFloat(s.Sentiment, 'f', 2, 64), Inline: true},
		},
		Timestamp: s.End.UTC().Format(time.RFC3339),
	}
	var lines []string
	for i := range s.TopPosts[:min(len(s.TopPosts), maxTopPosts)] {
		p := &s.TopPosts[i]
		title := notify.Fit(notify.Headline(p, 120), 240, Escape)
		line := "• " + title
		if u := notify.LinkURL(p.URL); u != "" && len(u) < 300 {
			// A link written by us, to the post's own URL: the text is
			// escaped, the URL's parentheses cannot close it early.
			line = "• [" + title + "](" + strings.NewReplacer("(", "%28", ")", "%29", " ", "%20").Replace(u) + ")"
		}
		if p.User.Name != "" {
			line += " — " + notify.Fit(p.User.Name, 100, Escape)
		}
		lines = append(lines, line)
	}
	e.Description = strings.Join(lines, "\n")
	return e
}

// markdown are the characters Discord's markdown gives a meaning to; each
// is escaped with a backslash.
var markdown = strings.NewReplacer(
	`\`, `\\`, `*`, `\*`, `_`, `\_`, "~", `\~`, "`", "\\`", `|`, `\|`, `>`, `\>`, `<`, `\<`,
	`[`, `\[`, `]`, `\]`, `(`, `\(`, `)`, `\)`, `#`, `\#`, `-`, `\-`, `:`, `\:`,
	// Mentions are off (allowed_mentions), and also written so that they
	// do not read as mentions.
	"@everyone", "@\u200beveryone", "@here", "@\u200bhere",
)

// code writes one of our own tokens (a challenge: base64url) as inline
// code, so it reads and copies as it is.
func code(s string) string {
	if strings.ContainsAny(s, "`\n") {
		return Escape(s)
	}
	return "`" + s + "`"
}

// Escape writes s as Discord markdown text: it cannot format, mention nor
// link.
func Escape(s string) string { return markdown.Replace(s) }
