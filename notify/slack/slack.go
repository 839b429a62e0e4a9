package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
)

// Channel sends events to Slack incoming webhooks.
type Channel struct{ http *notify.Sender }

// Send renders the event as a Block Kit message and posts it once.
func (c *Channel) Send(ctx context.Context, conn *models.Connection, msg notify.Message) notify.Outcome {
	ev, err := notify.ParseEvent(msg.Body)
	if err != nil {
		return notify.Outcome{Err: err}
	}
	body, err := json.Marshal(Render(ev))
	if err != nil {
		return notify.Outcome{Err: fmt.Errorf("slack: encode message: %w", err)}
	}
	rep, err := c.http.Do(ctx, notify.Request{URL: conn.URL, Body: body, Timeout: msg.Timeout})
	if err != nil {
		return notify.Failed(rep, err)
	}
	return classify(rep)
}

// classify reads Slack's answers, as it documents them for incoming
// webhooks: 200 "ok"; 429 with Retry-After; 400 invalid_payload (and
// no_text, …) final; 403 action_prohibited, 404 no_service or
// channel_not_found and 410 channel_is_archived: the webhook will never
// work again, so the connection is disabled.
func classify(rep notify.Reply) notify.Outcome {
	out := notify.Answered("slack", rep)
	if out.OK() {
		return out
	}
	code := strings.TrimSpace(string(rep.Body))
	if len(code) > 100 || strings.ContainsAny(code, " <{\n") {
		code = ""
	}
	if code != "" {
		out.Err = fmt.Errorf("slack: answered %d %s", rep.StatusCode, code)
	}
	switch rep.StatusCode {
	case http.StatusForbidden, http.StatusNotFound, http.StatusGone:
		out.Retry = false
		out.Disable = fmt.Sprintf("Slack answered %d %s: the webhook no longer works (archived channel, removed app or revoked URL)", rep.StatusCode, code)
	case http.StatusBadRequest:
		out.Retry = false
	}
	return out
}

// Message is a Slack incoming-webhook message.
type Message struct {
	Text   string  `json:"text"` // the notification's fallback
	Blocks []Block `json:"blocks"`
	// The post's links are not unfurled: a stranger's page would be
	// previewed in the channel.
	UnfurlLinks bool `json:"unfurl_links"`
	UnfurlMedia bool `json:"unfurl_media"`
}

// Block is a Block Kit block (the few kinds used here).
type Block struct {
	Type     string `json:"type"`
	Text     *Text  `json:"text,omitempty"`
	Fields   []Text `json:"fields,omitempty"`
	Elements []Text `json:"elements,omitempty"`
}

// Text is a Block Kit text object.
type Text struct {
	Type string `json:"type"` // mrkdwn or plain_text
	Text string `json:"text"`
}

func mrkdwn(s string) Text { return Text{Type: "mrkdwn", Text: s} }
func plain(s string) *Text { return &Text{Type: "plain_text", Text: s} }

// Slack's limits: a section's text 3000 characters, a header 150, ten
// fields.
const (
	maxHeadline = 140
	maxExcerpt  = 600
	maxTopPosts = 5
)

// Render builds the message of an event. Every string from a post is
// escaped for mrkdwn, so a post can neither mention (<!channel>, <@U…>)
// nor link (<url|text>).
func Render(ev *notify.EventView) Message {
	switch {
	case ev.Type == models.EventSpike && ev.Spike != nil:
		return renderSpike(ev)
	case ev.Type == models.EventTest:
		t := "Earshot test message for " + Escape(ev.Name) + ". Challenge: `" + Escape(ev.Challenge()) + "`"
		return Message{Text: "Earshot test message", Blocks: []Block{{Type: "section", Text: &Text{Type: "mrkdwn", Text: t}}}}
	case ev.Post != nil:
		return renderScan(ev)
	}
	return Message{Text: "Earshot " + Escape(ev.Type) + " event " + Escape(ev.Name)}
}

func renderScan(ev *notify.EventView) Message {
	p := ev.Post
	title := notify.Headline(p, maxHeadline)
	head := "*" + link(p.URL, title) + "*"
	if ex := notify.Excerpt(p, maxExcerpt); ex != "" && ex != title {
		head += "\n>" + notify.Fit(ex, maxExcerpt, Escape)
	}
	context := []string{Escape(p.Type)}
	if p.User.Name != "" {
		context = append(context, "by "+link(p.User.URL, p.User.Name))
	}
	if p.Subreddit != nil && p.Subreddit.Name != "" {
		context = append(context, "in "+link(p.Subreddit.URL, p.Subreddit.Name))
	}
	if !p.Time.IsZero() {
		context = append(context, fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", p.Time.Unix(), p.Time.UTC().Format("2006-01-02 15:04 UTC")))
	}
	fields := []Text{mrkdwn("*Monitor*\n" + Escape(ev.Manager()))}
	if m := ev.Match; m != nil {
		fields = append(fields, mrkdwn("*Focus*\n"+Escape(m.Focus)), mrkdwn("*Score*\n"+notify.Score(m.Score)))
		if m.Intent != "" {
			fields = append(fields, mrkdwn("*Intent*\n"+Escape(m.Intent)))
		}
		fields = append(fields, mrkdwn("*Sentiment*\n"+strconv.FormatFloat(m.Sentiment, 'f', 2, 64)))
	}
	return Message{
		Text: "New match: " + Escape(title),
		Blocks: []Block{
			{Type: "section", Text: &Text{Type: "mrkdwn", Text: head}},
			{Type: "context", Elements: []Text{mrkdwn(strings.Join(context, " · "))}},
			{Type: "section", Fields: fields},
		},
	}
}

func renderSpike(ev *notify.EventView) Message {
	s := ev.Spike
	head := fmt.Sprintf("Crisis spike: %d negative posts in %s", s.Count, s.Window)
	facts := fmt.Sprintf("*Monitor* %s · *baseline* %.1f · *ratio* %.1f× · *sentiment* %.2f\n%s – %s",
		Escape(ev.Manager()), s.Baseline, s.Ratio, s.Sentiment,
		s.Start.UTC().Format("2006-01-02 15:04"), s.End.UTC().Format("15:04 UTC"))
	blocks := []Block{
		{Type: "header", Text: plain(head)},
		{Type: "section", Text: &Text{Type: "mrkdwn", Text: facts}},
	}
	if len(s.TopPosts) > 0 {
		var lines []string
		for i := range s.TopPosts[:min(len(s.TopPosts), maxTopPosts)] {
			p := &s.TopPosts[i]
			line := "• " + link(p.URL, notify.Headline(p, 100))
			if p.User.Name != "" {
				line += " — " + Escape(p.User.Name)
			}
			lines = append(lines, line)
		}
		blocks = append(blocks, Block{Type: "section", Text: &Text{Type: "mrkdwn", Text: "*Top posts*\n" + strings.Join(lines, "\n")}})
	}
	return Message{Text: head, Blocks: blocks}
}

// Escape writes s as mrkdwn text: Slack's three control characters are
// replaced by their entities, as Slack asks.
func Escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// link is <url|text> for an http(s) URL, the escaped text otherwise.
func link(u, text string) string {
	u = notify.LinkURL(u)
	if u == "" || len(u) > 1000 {
		return notify.Fit(text, maxHeadline, Escape)
	}
	u = strings.ReplaceAll(Escape(u), "|", "%7C")
	return "<" + u + "|" + notify.Fit(strings.ReplaceAll(text, "|", "¦"), maxHeadline, Escape) + ">"
}
