package api

import (
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/earshothq/earshot/models"
)

// The scans list's filter is a conjunction (AIP-160's AND) of these terms:
//
//	createTime > "2026-06-13T12:00:00Z"   also >=, <, <=
//	state = NEW                           also !=
//	tags : "hot lead"                     the scan has the tag (= too)
//	match.focus = SALES
//	post.type = REDDIT_LINK
//	platform = REDDIT                     the post type's platform
//	"pricing"                             the text appears (any case) in
//	                                      the post's title, text, author
//	                                      or URL; a bare word does too
//
// Values may be quoted ("…", with \" and \\ escapes) or bare words.

// maxFilterLen bounds a filter.
const maxFilterLen = 2000

// scanFilter is a parsed filter.
type scanFilter struct {
	// since is the lower bound of createTime, for the index range.
	since     time.Time
	inclusive bool
	preds     []func(*models.Scan) bool
}

// keep reports whether a scan passes every term (nil: no terms besides
// createTime >).
func (f *scanFilter) keep() func(*models.Scan) bool {
	if len(f.preds) == 0 {
		return nil
	}
	return func(s *models.Scan) bool {
		for _, p := range f.preds {
			if !p(s) {
				return false
			}
		}
		return true
	}
}

const filterHelp = `the scans list takes terms joined by AND: createTime > "RFC 3339 time" (or >=, <, <=), state = NEW|READ|ARCHIVED (or !=), tags:"tag", match.focus = FOCUS, post.type = TYPE, platform = PLATFORM, and quoted text to search for`

// filterToken is a word, a quoted string or an operator.
type filterToken struct {
	text   string
	quoted bool
}

func tokenizeFilter(f string) ([]filterToken, string) {
	var out []filterToken
	rs := []rune(f)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '"':
			var b strings.Builder
			i++
			closed := false
			for i < len(rs) {
				if rs[i] == '\\' && i+1 < len(rs) {
					b.WriteRune(rs[i+1])
					i += 2
					continue
				}
				if rs[i] == '"' {
					closed = true
					i++
					break
				}
				b.WriteRune(rs[i])
				i++
			}
			if !closed {
				return nil, "a quoted value is not closed"
			}
			out = append(out, filterToken{text: b.String(), quoted: true})
		case strings.ContainsRune("<>=!:", r):
			op := string(r)
			if i+1 < len(rs) && rs[i+1] == '=' && r != '=' && r != ':' {
				op += "="
			}
			if op == "!" {
				return nil, "! must be followed by ="
			}
			out = append(out, filterToken{text: op})
			i += len([]rune(op))
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && !strings.ContainsRune(`<>=!:"`, rs[j]) {
				j++
			}
			out = append(out, filterToken{text: string(rs[i:j])})
			i = j
		}
	}
	return out, ""
}

func isOp(t filterToken) bool {
	return !t.quoted && slices.Contains([]string{"=", "!=", ":", "<", "<=", ">", ">="}, t.text)
}

// parseScanFilter parses the filter of the scans list.
func parseScanFilter(f string) (*scanFilter, error) {
	out := &scanFilter{}
	if strings.TrimSpace(f) == "" {
		return out, nil
	}
	if len(f) > maxFilterLen {
		return nil, invalidField("filter", "is longer than %d bytes", maxFilterLen)
	}
	toks, bad := tokenizeFilter(f)
	if bad != "" {
		return nil, invalidField("filter", "%s; %s", bad, filterHelp)
	}
	for i := 0; i < len(toks); {
		if i > 0 {
			if toks[i].quoted || toks[i].text != "AND" {
				return nil, invalidField("filter", "expected AND before %q; %s", toks[i].text, filterHelp)
			}
			i++
			if i == len(toks) {
				return nil, invalidField("filter", "AND must be followed by a term; %s", filterHelp)
			}
		}
		// A value alone is a text search.
		if i+1 >= len(toks) || !isOp(toks[i+1]) {
			if isOp(toks[i]) {
				return nil, invalidField("filter", "unexpected %s; %s", toks[i].text, filterHelp)
			}
			needle := strings.ToLower(toks[i].text)
			out.preds = append(out.preds, func(s *models.Scan) bool { return scanHasText(s, needle) })
			i++
			continue
		}
		if i+2 >= len(toks) || isOp(toks[i+2]) {
			return nil, invalidField("filter", "%s %s needs a value; %s", toks[i].text, toks[i+1].text, filterHelp)
		}
		field, op, value := toks[i].text, toks[i+1].text, toks[i+2].text
		if err := out.add(field, op, value); err != nil {
			return nil, err
		}
		i += 3
	}
	return out, nil
}

func (f *scanFilter) add(field, op, value string) error {
	eq := func(want string, get func(*models.Scan) string) error {
		switch op {
		case "=":
			f.preds = append(f.preds, func(s *models.Scan) bool { return get(s) == want })
		case "!=":
			f.preds = append(f.preds, func(s *models.Scan) bool { return get(s) != want })
		default:
			return invalidField("filter", "%s takes = or !=, not %s", field, op)
		}
		return nil
	}
	switch field {
	case "createTime":
		t, err := time.Parse(time.RFC3339Nano, value)
		if err != nil {
			return invalidField("filter", `createTime must be compared with an RFC 3339 time, such as "2026-06-13T12:00:00Z"`)
		}
		switch op {
		case ">", ">=":
			if f.since.IsZero() || t.After(f.since) {
				f.since, f.inclusive = t, op == ">="
			}
		case "<":
			f.preds = append(f.preds, func(s *models.Scan) bool { return s.CreateTime.Before(t) })
		case "<=":
			f.preds = append(f.preds, func(s *models.Scan) bool { return !s.CreateTime.After(t) })
		default:
			return invalidField("filter", "createTime takes >, >=, < or <=, not %s", op)
		}
		return nil
	case "state":
		if !slices.Contains(models.ScanStates, value) {
			return invalidField("filter", "state must be one of %s", strings.Join(models.ScanStates, ", "))
		}
		return eq(value, func(s *models.Scan) string { return s.State })
	case "tags":
		if op != ":" && op != "=" {
			return invalidField("filter", "tags takes : (has the tag), not %s", op)
		}
		f.preds = append(f.preds, func(s *models.Scan) bool { return slices.Contains(s.Tags, value) })
		return nil
	case "match.focus":
		return eq(value, func(s *models.Scan) string {
			if s.Match == nil {
				return ""
			}
			return s.Match.Focus
		})
	case "post.type":
		return eq(value, func(s *models.Scan) string { return s.Post.Type })
	case "platform":
		return eq(value, func(s *models.Scan) string { return PostPlatform(s.Post.Type) })
	}
	return invalidField("filter", "unsupported field %q; %s", field, filterHelp)
}

// PostPlatform returns the platform of a post type: REDDIT for
// REDDIT_COMMENT, the type itself for an ingested post's own type.
func PostPlatform(postType string) string {
	p, _, _ := strings.Cut(postType, "_")
	return p
}

func scanHasText(s *models.Scan, needle string) bool {
	for _, h := range []string{s.Post.Title, s.Post.Text, s.Post.User.Name, s.Post.URL} {
		if strings.Contains(strings.ToLower(h), needle) {
			return true
		}
	}
	return false
}
