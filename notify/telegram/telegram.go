package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/earshothq/earshot/internal/retryafter"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
)

// Channel sends events through the Bot API.
type Channel struct{ http *notify.Sender }

// sendMessage is the Bot API's sendMessage request.
type sendMessage struct {
	ChatID             string             `json:"chat_id"`
	Text               string             `json:"text"`
	ParseMode          string             `json:"parse_mode"`
	LinkPreviewOptions linkPreviewOptions `json:"link_preview_options"`
}

type linkPreviewOptions struct {
	IsDisabled bool `json:"is_disabled"`
}

// Send renders the event as an HTML message and sends it once.
func (c *Channel) Send(ctx context.Context, conn *models.Connection, msg notify.Message) notify.Outcome {
	var s Settings
	if err := conn.Settings.Decode(&s); err != nil {
		return notify.Outcome{Err: fmt.Errorf("telegram: connection settings: %w", err)}
	}
	redact := Redactor(s.BotToken)
	ev, err := notify.ParseEvent(msg.Body)
	if err != nil {
		return notify.Outcome{Err: err}
	}
	body, err := json.Marshal(sendMessage{ChatID: string(s.ChatID), Text: Render(ev), ParseMode: "HTML", LinkPreviewOptions: linkPreviewOptions{IsDisabled: true}})
	if err != nil {
		return notify.Outcome{Err: fmt.Errorf("telegram: encode message: %w", err)}
	}
	base := strings.TrimRight(s.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	rep, err := c.http.Do(ctx, notify.Request{URL: base + "/bot" + s.BotToken + "/sendMessage", Body: body, Timeout: msg.Timeout, Redact: redact})
	if err != nil {
		return notify.Failed(rep, err)
	}
	out := classify(rep)
	out.Body, out.Disable, out.Err = redact(out.Body), redact(out.Disable), notify.Redacted(out.Err, redact)
	return out
}

// Redactor returns a function that replaces the token in a text by
// <secret>.
func Redactor(token string) func(string) string {
	return func(s string) string {
		if token == "" {
			return s
		}
		return strings.ReplaceAll(s, token, "<secret>")
	}
}

// apiAnswer is the Bot API's answer.
type apiAnswer struct {
	OK          bool   `json:"ok"`
	ErrorCode   int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter      float64 `json:"retry_after"`
		MigrateToChatID int64   `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// classify reads the Bot API's answers as it documents them: {"ok":true}
// sent; 429 with parameters.retry_after; 400 and 403 with a description,
// final; 403 (the bot was kicked from the chat, or blocked), 401 (the
// token was revoked) and a group upgraded to a supergroup (the chat id
// changed) disable the connection, since no later attempt can succeed.
func classify(rep notify.Reply) notify.Outcome {
	out := notify.Answered("telegram", rep)
	var a apiAnswer
	_ = json.Unmarshal(rep.Body, &a)
	if out.OK() {
		if !a.OK {
			out.Err = fmt.Errorf("telegram: answered %d without ok: %s", rep.StatusCode, notify.Truncate(a.Description, 200))
		}
		return out
	}
	desc := notify.Truncate(strings.TrimSpace(a.Description), 300)
	if desc != "" {
		out.Err = fmt.Errorf("telegram: answered %d: %s", rep.StatusCode, desc)
	}
	switch {
	case rep.StatusCode == http.StatusTooManyRequests:
		out.Retry = true
		if a.Parameters.RetryAfter > 0 {
			out.RetryAfter = min(time.Duration(a.Parameters.RetryAfter*float64(time.Second)), retryafter.Max)
		}
	case a.Parameters.MigrateToChatID != 0:
		out.Retry = false
		out.Disable = "Telegram says the group became a supergroup: set chatId to " + strconv.FormatInt(a.Parameters.MigrateToChatID, 10)
	case rep.StatusCode == http.StatusForbidden:
		out.Retry = false
		out.Disable = "Telegram answered 403 " + desc + ": add the bot to the chat again (or unblock it), then enable the connection"
	case rep.StatusCode == http.StatusUnauthorized || rep.StatusCode == http.StatusNotFound:
		out.Retry = false
		out.Disable = fmt.Sprintf("Telegram answered %d %s: the bot token is not valid (revoked?)", rep.StatusCode, desc)
	case rep.StatusCode == http.StatusBadRequest:
		out.Retry = false
	}
	return out
}

// Telegram's limit is 4096 characters of text after entities are parsed;
// rendering stays well within it.
const (
	maxHeadline = 200
	maxExcerpt  = 1500
	maxTopPosts = 5
)

// Escape writes s as Telegram HTML text.
func Escape(s string) string { return html.EscapeString(s) }

// link is <a href="url">text</a> for an http(s) URL, the escaped text
// otherwise.
func link(u, text string) string {
	if u = notify.LinkURL(u); u == "" {
		return Escape(text)
	}
	return `<a href="` + Escape(u) + `">` + Escape(text) + `</a>`
}

// Render builds the HTML text of an event. Post text is escaped, so it
// cannot add a tag, a link or a mention link of its own.
func Render(ev *notify.EventView) string {
	var b strings.Builder
	switch {
	case ev.Type == models.EventSpike && ev.Spike != nil:
		s := ev.Spike
		fmt.Fprintf(&b, "<b>Crisis spike: %d negative posts in %s</b>\n", s.Count, s.Window)
		fmt.Fprintf(&b, "Monitor <code>%s</code> · baseline %.1f · ratio %.1f× · sentiment %.2f\n", Escape(ev.Manager()), s.Baseline, s.Ratio, s.Sentiment)
		for i := range s.TopPosts[:min(len(s.TopPosts), maxTopPosts)] {
			p := &s.TopPosts[i]
			b.WriteString("\n• " + link(p.URL, notify.Headline(p, 120)))
			if p.User.Name != "" {
				b.WriteString(" — " + Escape(p.User.Name))
			}
		}
	case ev.Type == models.EventTest:
		b.WriteString("<b>Earshot test message</b>\nConnection <code>" + Escape(ev.Name) + "</code>\nChallenge <code>" + Escape(ev.Challenge()) + "</code>")
	case ev.Post != nil:
		p := ev.Post
		title := notify.Headline(p, maxHeadline)
		b.WriteString("<b>" + link(p.URL, title) + "</b>\n")
		if ex := notify.Excerpt(p, maxExcerpt); ex != "" && ex != title {
			b.WriteString(Escape(ex) + "\n")
		}
		meta := []string{Escape(p.Type)}
		if p.User.Name != "" {
			meta = append(meta, "by "+link(p.User.URL, p.User.Name))
		}
		if p.Subreddit != nil && p.Subreddit.Name != "" {
			meta = append(meta, "in "+link(p.Subreddit.URL, p.Subreddit.Name))
		}
		b.WriteString("<i>" + strings.Join(meta, " · ") + "</i>\n")
		b.WriteString("Monitor <code>" + Escape(ev.Manager()) + "</code>")
		if m := ev.Match; m != nil {
			b.WriteString(" · " + Escape(m.Focus) + " " + notify.Score(m.Score))
			if m.Intent != "" {
				b.WriteString(" · " + Escape(m.Intent))
			}
			b.WriteString(" · sentiment " + strconv.FormatFloat(m.Sentiment, 'f', 2, 64))
		}
	default:
		b.WriteString("Earshot " + Escape(ev.Type) + " event <code>" + Escape(ev.Name) + "</code>")
	}
	return b.String()
}
