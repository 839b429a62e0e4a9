package notify

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"

	"github.com/earshothq/earshot/models"
)

// Webhook is the HTTP_CONNECTION channel: the event's JSON, signed
// (Standard Webhooks), with the connection's own headers, to its URL.
var Webhook = NewChannelKind(ChannelSpec[WebhookSettings]{
	ConnectionType: models.ConnectionTypeHTTP,
	NoticeType:     models.NoticeTypeHTTP,
	Doc:            "a signed webhook: the event's JSON (the Advite SCAN payload), with the Standard Webhooks headers",
	Fields:         []string{"url", "method", "headers"},
	Example: map[string]any{"type": models.ConnectionTypeHTTP, "nickname": "CRM", "url": "https://crm.example.com/webhooks/earshot",
		"headers": map[string]string{"X-Advite-Webhook-Secret": "…"}},
	Validate: validateWebhook,
	New: func(env ChannelEnv) Channel {
		return ChannelFunc(func(ctx context.Context, conn *models.Connection, msg Message) Outcome {
			if _, ok := conn.Settings["template"]; ok {
				body, err := templated(conn, msg.Body)
				if err != nil {
					return Outcome{Err: err}
				}
				msg.Body = body
			}
			return env.HTTP.Send(ctx, conn, msg)
		})
	},
})

// WebhookSettings are an HTTP connection's own fields.
type WebhookSettings struct {
	// Template, when set, is a Go text/template that writes the request
	// body from the event (decoded JSON: {{.type}}, {{.post.title}}), so
	// that a receiver gets its own shape; {{json …}} writes a value as
	// JSON. It must produce JSON. The signature is of the body sent.
	Template string `json:"template,omitempty" yaml:"template"`
}

// templated renders a connection's body template. The parsed template
// is kept per template text: parsing is most of the cost.
func templated(conn *models.Connection, event []byte) ([]byte, error) {
	var s WebhookSettings
	if err := conn.Settings.Decode(&s); err != nil {
		return nil, fmt.Errorf("notify: connection settings: %w", err)
	}
	t, err := parsedTemplate(s.Template)
	if err != nil {
		return nil, err
	}
	return RenderTemplate(t, event)
}

var (
	templates      sync.Map // template text → *template.Template
	templatesCount atomic.Int32
)

// maxCachedTemplates bounds the cache: edited templates leave their old
// text behind.
const maxCachedTemplates = 512

func parsedTemplate(src string) (*template.Template, error) {
	if t, ok := templates.Load(src); ok {
		return t.(*template.Template), nil
	}
	t, err := ParseTemplate(src)
	if err != nil {
		return nil, fmt.Errorf("notify: template: %w", err)
	}
	if templatesCount.Add(1) > maxCachedTemplates {
		templates.Clear()
		templatesCount.Store(1)
	}
	templates.Store(src, t)
	return t, nil
}

// Connection methods a webhook may be sent with; empty means POST.
var ConnectionMethods = []string{"POST", "PUT", "PATCH"}

// ReservedHeaders are set by Earshot on every delivery; a connection cannot
// override them, or the body's framing and its signature would no longer
// hold.
var ReservedHeaders = []string{"Content-Type", "Content-Length", "Host", HeaderID, HeaderTimestamp, HeaderSignature}

func validateWebhook(c *models.Connection, s *WebhookSettings) []models.FieldError {
	var errs []models.FieldError
	add := func(field, msg string) { errs = append(errs, models.FieldError{Field: field, Description: msg}) }
	if _, given := c.Settings["template"]; given {
		if msg := checkTemplate(s.Template); msg != "" {
			add("template", msg)
		}
	}
	if msg := models.CheckURL(c.URL); msg != "" {
		add("url", msg)
	}
	if c.Method != "" && !slices.Contains(ConnectionMethods, c.Method) {
		add("method", "must be one of "+strings.Join(ConnectionMethods, ", "))
	}
	keys := make([]string, 0, len(c.Headers))
	for k := range c.Headers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, name := range keys {
		field := "headers[" + strconv.Quote(name) + "]"
		switch {
		case !models.ValidToken(name):
			add(field, "header name must be a valid HTTP token (letters, digits and !#$%&'*+-.^_`|~)")
		case slices.ContainsFunc(ReservedHeaders, func(r string) bool { return strings.EqualFold(r, name) }):
			add(field, "header is set by Earshot and cannot be overridden")
		}
		if !models.ValidHeaderValue(c.Headers[name]) {
			add(field, "header value must not contain line breaks or other control characters")
		}
	}
	return errs
}
