package store

import (
	"net/url"
	"regexp"
)

var urlInText = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>]+`)

// RedactError returns an error message fit to be shown and stored: every
// URL in it loses its user information and query string, which is where
// platforms' tokens travel (Facebook's access_token, say).
func RedactError(msg string) string {
	return urlInText.ReplaceAllStringFunc(msg, func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil {
			return "<url>"
		}
		if u.User != nil {
			u.User = url.User("<redacted>")
		}
		if u.RawQuery != "" {
			u.RawQuery = "<redacted>"
		}
		u.Fragment = ""
		return u.String()
	})
}
