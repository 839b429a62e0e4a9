package models

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FieldError says what is wrong with one field of a resource. Field is the
// field's path relative to the resource, in the API's JSON names: "url",
// "input.focus.type", "notices[0].connection", and headers["Name"] for a key
// of a map. The API returns these as they are; the config loader prefixes
// them with the resource's place in the file and turns them into line numbers.
//
// Descriptions never repeat the offending value: it may be a secret, or have
// been read from the environment.
type FieldError struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Description }

// fieldErrors collects FieldErrors in the order the fields appear.
type fieldErrors []FieldError

func (fe *fieldErrors) add(field, format string, args ...any) {
	*fe = append(*fe, FieldError{Field: field, Description: fmt.Sprintf(format, args...)})
}

// Connection methods a webhook may be sent with; empty means POST.
var ConnectionMethods = []string{"POST", "PUT", "PATCH"}

// ReservedHeaders are set by Earshot on every delivery; a connection cannot
// override them, or the body's framing and its signature would no longer
// hold.
var ReservedHeaders = []string{"Content-Type", "Content-Length", "Host", "webhook-id", "webhook-timestamp", "webhook-signature"}

// SourceIncludes are the kinds of item a source can read.
var SourceIncludes = []string{"posts", "comments"}

// Sentiment polarities; empty means PolarityNegative.
const (
	PolarityNegative = "NEGATIVE"
	PolarityPositive = "POSITIVE"
)

// SecretPrefix starts every signing secret (Standard Webhooks).
const SecretPrefix = "whsec_"

// Signing secrets carry 24 to 64 random bytes, as Standard Webhooks asks.
const (
	minSecretBytes = 24
	maxSecretBytes = 64
)

// DefaultManager returns the manager a decoder starts from, so that fields
// left out of a request or a YAML file keep their defaults; in particular an
// absent `enable` means true.
func DefaultManager() Manager {
	return Manager{
		Type:   ManagerTypeFeed,
		Enable: true,
		Input:  Input{Type: InputTypeStructured},
	}
}

// ApplyDefaults fills the enum fields that have a single allowed value, so
// that they may be left out.
func (m *Manager) ApplyDefaults() {
	if m.Type == "" {
		m.Type = ManagerTypeFeed
	}
	if m.Input.Type == "" {
		m.Input.Type = InputTypeStructured
	}
	for i := range m.Notices {
		if m.Notices[i].Type == "" {
			m.Notices[i].Type = NoticeTypeHTTP
		}
	}
}

// ApplyDefaults fills the type (it has one allowed value) and the method.
func (c *Connection) ApplyDefaults() {
	if c.Type == "" {
		c.Type = ConnectionTypeHTTP
	}
	if c.Method == "" {
		c.Method = "POST"
	}
}

// Validate reports every problem of the connection's fields. It does not
// look at ID, which the caller checks with ValidID where it is given.
func (c *Connection) Validate() []FieldError {
	var errs fieldErrors
	if c.Type != ConnectionTypeHTTP {
		errs.add("type", "%s", mustBeOneOf(ConnectionTypeHTTP))
	}
	if msg := checkURL(c.URL); msg != "" {
		errs.add("url", "%s", msg)
	}
	if c.Method != "" && !slices.Contains(ConnectionMethods, c.Method) {
		errs.add("method", "%s", mustBeOneOf(ConnectionMethods...))
	}
	for _, name := range sortedKeys(c.Headers) {
		field := "headers[" + strconv.Quote(name) + "]"
		switch {
		case !validToken(name):
			errs.add(field, "header name must be a valid HTTP token (letters, digits and !#$%%&'*+-.^_`|~)")
		case isReservedHeader(name):
			errs.add(field, "header is set by Earshot and cannot be overridden")
		}
		if !validHeaderValue(c.Headers[name]) {
			errs.add(field, "header value must not contain line breaks or other control characters")
		}
	}
	if c.Secret != "" && !validSecret(c.Secret) {
		errs.add("secret", "must be %q followed by the base64 encoding of %d to %d random bytes", SecretPrefix, minSecretBytes, maxSecretBytes)
	}
	c.validateDelivery(&errs)
	return errs
}

// Validate reports every problem of the manager's fields. It checks the
// shape of each notice's connection name, not that the connection exists:
// only the caller knows the namespace's connections. The schedule and the
// input query are checked by the packages that interpret them.
func (m *Manager) Validate() []FieldError {
	var errs fieldErrors
	if m.Type != ManagerTypeFeed {
		errs.add("type", "%s", mustBeOneOf(ManagerTypeFeed))
	}
	m.Source.validate(&errs)
	m.Input.validate(&errs)
	m.validateSearch(&errs)
	for i, n := range m.Notices {
		path := "notices[" + strconv.Itoa(i) + "]"
		if n.Type != NoticeTypeHTTP {
			errs.add(path+".type", "%s", mustBeOneOf(NoticeTypeHTTP))
		}
		if n.Connection == "" {
			errs.add(path+".connection", "is required")
			continue
		}
		if _, _, err := ParseConnectionName(n.Connection); err != nil {
			errs.add(path+".connection", "must be a connection name (namespaces/{namespace}/connections/{connection})")
			continue
		}
		// Two notices to one connection would deliver each event to it twice.
		if j := slices.IndexFunc(m.Notices[:i], func(o Notice) bool { return o.Connection == n.Connection }); j >= 0 {
			errs.add(path+".connection", "names the same connection as notices[%d]", j)
		}
	}
	return errs
}

func (s *Source) validate(errs *fieldErrors) {
	if !slices.Contains(SourceTypes, s.Type) {
		errs.add("source.type", "%s", mustBeOneOf(SourceTypes...))
	}
	// Subreddits and pages mean nothing to other platforms; accepting them
	// silently would hide a copy-paste mistake.
	if len(s.Subreddits) > 0 && s.Type != SourceReddit && s.Type != "" {
		errs.add("source.subreddits", "only a %s source takes subreddits", SourceReddit)
	}
	for i, name := range s.Subreddits {
		field := "source.subreddits[" + strconv.Itoa(i) + "]"
		switch {
		case strings.HasPrefix(strings.ToLower(name), "r/") || strings.HasPrefix(strings.ToLower(name), "/r/"):
			errs.add(field, "write the subreddit's name without the \"r/\" prefix")
		case !subredditName.MatchString(name):
			errs.add(field, "must be a subreddit name: 2 to 21 letters, digits or '_'")
		}
	}
	if len(s.Pages) > 0 && s.Type != SourceFacebook && s.Type != "" {
		errs.add("source.pages", "only a %s source takes pages", SourceFacebook)
	}
	for i, p := range s.Pages {
		if strings.TrimSpace(p) == "" {
			errs.add("source.pages["+strconv.Itoa(i)+"]", "must not be empty")
		}
	}
	for i, inc := range s.Include {
		if !slices.Contains(SourceIncludes, inc) {
			errs.add("source.include["+strconv.Itoa(i)+"]", "%s", mustBeOneOf(SourceIncludes...))
		}
	}
	// Reddit's comments are read from the subreddits' /comments listing:
	// its search finds links only, so a query alone has no comments to read.
	if s.Type == SourceReddit && slices.Contains(s.Include, "comments") && len(s.Subreddits) == 0 {
		errs.add("source.include", "comments needs source.subreddits (Reddit search does not return comments)")
	}
}

// validateSearch checks that a source that searches a platform has
// something to search for: its own query, or the input's keywords (X and
// Hacker News queries are built from them), or, for Facebook, pages to read.
// An INGEST source is pushed to and needs nothing.
func (m *Manager) validateSearch(errs *fieldErrors) {
	hasQuery := strings.TrimSpace(m.Source.Query) != ""
	hasKeywords := slices.ContainsFunc(m.Input.Keywords, func(k string) bool { return strings.TrimSpace(k) != "" })
	switch m.Source.Type {
	case SourceTwitter, SourceHackerNews:
		if !hasQuery && !hasKeywords {
			errs.add("source.query", "a %s source needs a query, or input.keywords to build one from", m.Source.Type)
		}
	case SourceFacebook:
		if len(m.Source.Pages) == 0 {
			errs.add("source.pages", "a %s source needs at least one page id or username", SourceFacebook)
		}
	}
}

func (in *Input) validate(errs *fieldErrors) {
	if in.Type != InputTypeStructured {
		errs.add("input.type", "%s", mustBeOneOf(InputTypeStructured))
	}
	if len(in.Keywords) == 0 && len(in.URLs) == 0 && strings.TrimSpace(in.Query) == "" {
		errs.add("input", "needs at least one of keywords, urls or query")
	}
	for i, k := range in.Keywords {
		if strings.TrimSpace(k) == "" {
			errs.add("input.keywords["+strconv.Itoa(i)+"]", "must not be empty")
		}
	}
	for i, k := range in.Excludes {
		if strings.TrimSpace(k) == "" {
			errs.add("input.excludes["+strconv.Itoa(i)+"]", "must not be empty")
		}
	}
	for i, u := range in.URLs {
		if msg := checkURL(u); msg != "" {
			errs.add("input.urls["+strconv.Itoa(i)+"]", "%s", msg)
		}
	}
	in.Focus.validate(errs)
}

func (f *Focus) validate(errs *fieldErrors) {
	if !slices.Contains(FocusTypes, f.Type) {
		errs.add("input.focus.type", "%s", mustBeOneOf(FocusTypes...))
	}
	if f.MinScore != nil && (*f.MinScore < 0 || *f.MinScore > 1) {
		errs.add("input.focus.minScore", "must be between 0 and 1")
	}
	if f.Threshold != nil && (*f.Threshold < 0 || *f.Threshold > 1) {
		errs.add("input.focus.threshold", "must be between 0 and 1")
	}
	if f.Polarity != "" && f.Polarity != PolarityNegative && f.Polarity != PolarityPositive {
		errs.add("input.focus.polarity", "%s", mustBeOneOf(PolarityNegative, PolarityPositive))
	}
	// A factor below 1 would call every ordinary hour a spike.
	if f.Factor != 0 && f.Factor < 1 {
		errs.add("input.focus.factor", "must be at least 1")
	}
	if f.MinPosts < 0 {
		errs.add("input.focus.minPosts", "must not be negative")
	}
	f.validateJudgement(errs)
}

// ValidID reports whether id can name a namespace, connection or manager:
// 1 to 63 lowercase letters, digits and '-', starting with a letter or a
// digit, so that it is safe in a URL path, a Redis key and a resource name.
func ValidID(id string) error {
	switch {
	case id == "":
		return errors.New("invalid id: must not be empty")
	case len(id) > 63:
		return errors.New("invalid id: must be at most 63 characters")
	case !idPattern.MatchString(id):
		return errors.New("invalid id: must hold only lowercase letters, digits and '-', and start with a letter or digit")
	}
	return nil
}

var (
	idPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	subredditName = regexp.MustCompile(`^[A-Za-z0-9_]{2,21}$`)
)

// mustBeOneOf words an enum violation the same way everywhere.
func mustBeOneOf(allowed ...string) string {
	return "must be one of " + strings.Join(allowed, ", ")
}

// checkURL returns what is wrong with a URL a webhook or a match is made
// against, or "" when it is a usable absolute http(s) URL. The URL itself is
// never repeated: it may carry credentials.
func checkURL(raw string) string {
	if raw == "" {
		return "is required"
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "must be a valid URL"
	case !u.IsAbs():
		return "must be an absolute URL (https://…)"
	case u.Scheme != "http" && u.Scheme != "https":
		return "scheme must be http or https"
	case u.Host == "":
		return "must have a host"
	}
	return ""
}

func validSecret(s string) bool {
	rest, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	return err == nil && len(b) >= minSecretBytes && len(b) <= maxSecretBytes
}

func isReservedHeader(name string) bool {
	return slices.ContainsFunc(ReservedHeaders, func(r string) bool { return strings.EqualFold(r, name) })
}

// validToken reports whether s is an RFC 9110 token, the grammar of a header
// name.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// validHeaderValue refuses control characters other than tab: a line break
// would let a value smuggle in headers of its own.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// validateDelivery checks the connection's overrides of the delivery policy.
func (c *Connection) validateDelivery(errs *fieldErrors) {
	if len(c.RetrySchedule) > MaxRetryScheduleLength {
		errs.add("retrySchedule", "must have at most %d entries", MaxRetryScheduleLength)
	}
	for i, d := range c.RetrySchedule {
		if d <= 0 {
			errs.add("retrySchedule["+strconv.Itoa(i)+"]", "must be greater than 0")
		}
	}
	// Over a minute a hung receiver would hold a worker far too long.
	if c.Timeout != 0 && (c.Timeout.D() < 100*time.Millisecond || c.Timeout.D() > MaxConnectionTimeout) {
		errs.add("timeout", "must be between 100ms and %s", MaxConnectionTimeout)
	}
	if c.RateLimit < 0 {
		errs.add("rateLimit", "must not be negative (0 uses delivery.rate_limit)")
	}
	if c.Concurrency < 0 {
		errs.add("concurrency", "must not be negative (0 uses delivery.connection_concurrency)")
	}
}
