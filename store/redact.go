package store

import (
	"net/url"
	"regexp"
	"strings"
)

var urlInText = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>]+`)

// RedactError returns an error message fit to be shown and stored: every
// URL in it loses its user information and query string, which is where
// platforms' tokens travel (Facebook's access_token, say).
func RedactError(msg string) string {
	return urlInText.ReplaceAllStringFunc(msg, func(raw string) string {
		// Punctuation that ends a sentence ("GET https://…: 503") is not
		// the URL's.
		trimmed := strings.TrimRight(raw, ":;,.)]")
		tail := raw[len(trimmed):]
		u, err := url.Parse(trimmed)
		if err != nil {
			return "<url>" + tail
		}
		u.User = nil
		if u.RawQuery != "" {
			u.RawQuery = "<redacted>"
		}
		u.Fragment = ""
		return u.String() + tail
	})
}
