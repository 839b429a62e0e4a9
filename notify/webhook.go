package notify

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/earshothq/earshot/models"
)

// Webhook is the HTTP_CONNECTION channel: the event's JSON, signed
// (Standard Webhooks), with the connection's own headers, to its URL.
var Webhook = NewChannelKind(ChannelSpec[struct{}]{
	ConnectionType: models.ConnectionTypeHTTP,
	NoticeType:     models.NoticeTypeHTTP,
	Doc:            "a signed webhook: the event's JSON (the Advite SCAN payload), with the Standard Webhooks headers",
	Fields:         []string{"url", "method", "headers"},
	Validate:       validateWebhook,
	New: func(env ChannelEnv) Channel {
		return ChannelFunc(func(ctx context.Context, conn *models.Connection, msg Message) Outcome {
			return env.HTTP.Send(ctx, conn, msg)
		})
	},
})

// Connection methods a webhook may be sent with; empty means POST.
var ConnectionMethods = []string{"POST", "PUT", "PATCH"}

// ReservedHeaders are set by Earshot on every delivery; a connection cannot
// override them, or the body's framing and its signature would no longer
// hold.
var ReservedHeaders = []string{"Content-Type", "Content-Length", "Host", HeaderID, HeaderTimestamp, HeaderSignature}

func validateWebhook(c *models.Connection, _ *struct{}) []models.FieldError {
	var errs []models.FieldError
	add := func(field, msg string) { errs = append(errs, models.FieldError{Field: field, Description: msg}) }
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
