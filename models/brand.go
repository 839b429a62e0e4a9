package models

import (
	"net/url"
	"strings"
)

// SiteBrand returns a site URL's host (without "www.") and its brand word:
// the label before the public suffix, so https://www.acme.com,
// https://blog.acme.io and https://acme.co.uk all give "acme". A bare
// domain ("acme.com") is accepted. Both are "" when raw has no host.
//
// The matcher counts the brand word as a term of the manager; sources that
// build a platform search from a manager's input search for it too.
func SiteBrand(raw string) (host, brand string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", ""
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" {
		return "", ""
	}
	host = strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	labels := strings.Split(host, ".")
	switch {
	case len(labels) == 1:
		return host, labels[0]
	case len(labels) >= 3 && len(labels[len(labels)-1]) == 2 && secondLevel[labels[len(labels)-2]]:
		return host, labels[len(labels)-3]
	default:
		return host, labels[len(labels)-2]
	}
}

// secondLevel lists the second-level labels of two-letter country suffixes
// (co.uk, com.au, ac.jp, …).
var secondLevel = map[string]bool{"co": true, "com": true, "org": true, "net": true, "ac": true, "gov": true, "edu": true, "ne": true, "or": true}
