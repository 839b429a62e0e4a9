package models

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bounds of every field a client or the configuration file gives. A
// resource is stored in Redis, loaded by every process and matched against
// every post, so a field without a bound is a way to exhaust memory or
// CPU for all namespaces. input.query's own bounds (length, nesting,
// terms) are the query parser's (package matcher/query), so that every
// path that parses a query has them.
const (
	MaxNicknameLength    = 200  // characters
	MaxURLLength         = 2048 // bytes: connection url, input.urls[]
	MaxInputURLs         = 20
	MaxKeywords          = 200  // input.keywords, and input.excludes
	MaxKeywordLength     = 200  // characters of one keyword or exclude
	MaxSourceQueryLength = 1024 // a source kind's own string field (source.query)
	MaxSourceListLength  = 100  // a source kind's own list (source.subreddits, source.pages)
	MaxHeaders           = 50
	MaxHeaderNameLength  = 256  // bytes
	MaxHeaderValueLength = 4096 // bytes
	MaxNotices           = 50
	MaxScheduleLength    = 200
)

// tooLong words a length bound's violation the same way everywhere.
func tooLong(limit int, unit string) string {
	return "must be at most " + strconv.Itoa(limit) + " " + unit
}

func tooMany(limit int, what string) string {
	return "must have at most " + strconv.Itoa(limit) + " " + what
}

// checkText returns what is wrong with a free-text field (a nickname): ""
// when it is valid UTF-8 without control characters and at most max
// characters.
func checkText(s string, max int) string {
	switch {
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return "must not contain control characters (NUL, line breaks, …)"
	case utf8.RuneCountInString(s) > max:
		return tooLong(max, "characters")
	}
	return ""
}

// checkWord returns what is wrong with a keyword, exclude, subreddit or
// page: valid UTF-8, no control characters, at most max characters.
func checkWord(s string, max int) string { return checkText(s, max) }

func (c *Connection) checkLimits(errs *fieldErrors) {
	if msg := checkText(c.Nickname, MaxNicknameLength); msg != "" {
		errs.add("nickname", "%s", msg)
	}
	if len(c.Headers) > MaxHeaders {
		errs.add("headers", "%s", tooMany(MaxHeaders, "headers"))
	}
	for _, name := range sortedKeys(c.Headers) {
		field := "headers[" + strconv.Quote(name) + "]"
		if len(name) > MaxHeaderNameLength {
			errs.add(field, "header name %s", tooLong(MaxHeaderNameLength, "bytes"))
		}
		if len(c.Headers[name]) > MaxHeaderValueLength {
			errs.add(field, "header value %s", tooLong(MaxHeaderValueLength, "bytes"))
		}
	}
}

// checkLimits bounds a source kind's own fields whatever the kind: a
// string (source.query) at MaxSourceQueryLength bytes, a list
// (source.subreddits, source.pages) at MaxSourceListLength entries of
// MaxKeywordLength characters.
func (s *Source) checkLimits(errs *fieldErrors) {
	for _, key := range slices.Sorted(maps.Keys(s.Settings)) {
		field := "source." + key
		var v any
		if json.Unmarshal(s.Settings[key], &v) != nil {
			continue // the kind's validator reports it
		}
		switch v := v.(type) {
		case string:
			if len(v) > MaxSourceQueryLength {
				errs.add(field, "%s", tooLong(MaxSourceQueryLength, "bytes"))
			} else if msg := checkText(v, MaxSourceQueryLength); msg != "" {
				errs.add(field, "%s", msg)
			}
		case []any:
			if len(v) > MaxSourceListLength {
				errs.add(field, "%s", tooMany(MaxSourceListLength, "entries"))
				continue
			}
			for i, e := range v {
				if str, ok := e.(string); ok {
					if msg := checkWord(str, MaxKeywordLength); msg != "" {
						errs.add(field+"["+strconv.Itoa(i)+"]", "%s", msg)
					}
				}
			}
		}
	}
}

func (m *Manager) checkLimits(errs *fieldErrors) {
	if msg := checkText(m.Nickname, MaxNicknameLength); msg != "" {
		errs.add("nickname", "%s", msg)
	}
	if len(m.Schedule) > MaxScheduleLength {
		errs.add("schedule", "%s", tooLong(MaxScheduleLength, "characters"))
	}
	if len(m.Notices) > MaxNotices {
		errs.add("notices", "%s", tooMany(MaxNotices, "notices"))
	}
	m.Source.checkLimits(errs)
	in := &m.Input
	if len(in.URLs) > MaxInputURLs {
		errs.add("input.urls", "%s", tooMany(MaxInputURLs, "URLs"))
	}
	for _, f := range []struct {
		name string
		list []string
	}{{"input.keywords", in.Keywords}, {"input.excludes", in.Excludes}} {
		name, list := f.name, f.list
		if len(list) > MaxKeywords {
			errs.add(name, "%s", tooMany(MaxKeywords, "entries"))
		}
		for i, k := range list {
			if msg := checkWord(k, MaxKeywordLength); msg != "" {
				errs.add(name+"["+strconv.Itoa(i)+"]", "%s", msg)
			}
		}
	}
}

// ValidDeliveryID reports whether id can be a delivery's id (a webhook-id
// such as msg_2ygfbyxq…): msg_ and up to 64 lowercase letters, digits and
// '_'. Anything else names no delivery, whatever Redis holds under it
// (…/deliveries/msg_x:attempts would read a record's attempts list).
func ValidDeliveryID(id string) bool {
	rest, ok := strings.CutPrefix(id, "msg_")
	if !ok || rest == "" || len(rest) > 64 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
