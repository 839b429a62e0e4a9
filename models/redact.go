package models

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// RedactURL returns a URL as it may be printed in an error, a log line or
// an API answer: scheme, host and path, with the user info replaced by
// <secret>@ and the query by ?<redacted> (either may carry credentials:
// https://user:token@host/hook?key=…); the fragment is dropped.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Keep only the scheme: anything after it could be a credential.
		if i := strings.Index(raw, "://"); i >= 0 && !strings.ContainsAny(raw[:i], "/?#@") {
			return raw[:i+3] + "<redacted>"
		}
		return "<redacted URL>"
	}
	var b strings.Builder
	if u.Scheme != "" {
		b.WriteString(u.Scheme + "://")
	}
	if u.User != nil {
		b.WriteString("<secret>@")
	}
	b.WriteString(u.Host)
	b.WriteString(u.EscapedPath())
	if u.RawQuery != "" || u.ForceQuery {
		b.WriteString("?<redacted>")
	}
	return b.String()
}

// WithoutURL returns err without the *url.Error net/http wraps around a
// failed request, which repeats the request's URL with its query string
// and user name; the caller names the URL itself, redacted.
func WithoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

var urlInText = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>]+`)

// RedactURLs returns a text (an error message a source returned, say) with
// every URL in it redacted as RedactURL does. Punctuation that ends a
// sentence ("GET https://…: 503") is kept, outside the URL.
func RedactURLs(text string) string {
	return urlInText.ReplaceAllStringFunc(text, func(raw string) string {
		trimmed := strings.TrimRight(raw, ":;,.)]")
		return RedactURL(trimmed) + raw[len(trimmed):]
	})
}
