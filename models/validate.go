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

// Validate reports the problems of the connection's common fields: its
// secret and delivery overrides. Its channel kind checks the rest (see
// notify.Channels.ValidateConnection, which runs both). It does not look
// at ID, which the caller checks with ValidID where it is given.
func (c *Connection) Validate() []FieldError {
	var errs fieldErrors
	if c.Secret != "" && !validSecret(c.Secret) {
		errs.add("secret", "must be %q followed by the base64 encoding of %d to %d random bytes", SecretPrefix, minSecretBytes, maxSecretBytes)
	}
	c.validateDelivery(&errs)
	c.checkLimits(&errs)
	return errs
}

// Validate reports the problems of the manager's fields that need no
// kind to see: the manager's and input's types, the input's lists and the
// shape of each notice. The source's kind, the focus kind and the channel
// of each notice check the rest: catalog.ValidateManager runs them all, and
// is what the configuration, the API and the server call.
func (m *Manager) Validate() []FieldError {
	var errs fieldErrors
	if m.Type != ManagerTypeFeed {
		errs.add("type", "%s", mustBeOneOf(ManagerTypeFeed))
	}
	m.Input.validate(&errs)
	for i, n := range m.Notices {
		path := "notices[" + strconv.Itoa(i) + "]"
		if n.Type == "" {
			errs.add(path+".type", "is required")
		}
		n.validate(path, &errs)
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
	m.checkLimits(&errs)
	return errs
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
		if msg := CheckURL(u); msg != "" {
			errs.add("input.urls["+strconv.Itoa(i)+"]", "%s", msg)
		}
	}
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

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// mustBeOneOf words an enum violation the same way everywhere.
func mustBeOneOf(allowed ...string) string {
	return "must be one of " + strings.Join(allowed, ", ")
}

// CheckURL returns what is wrong with a URL a webhook or a match is made
// against, or "" when it is a usable absolute http(s) URL. The URL itself is
// never repeated: it may carry credentials.
func CheckURL(raw string) string {
	if raw == "" {
		return "is required"
	}
	if len(raw) > MaxURLLength {
		return tooLong(MaxURLLength, "bytes")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "must be a valid URL"
	case !validPort(u.Port()):
		return "port must be a number from 1 to 65535"
	case !u.IsAbs():
		return "must be an absolute URL (https://…)"
	case u.Scheme != "http" && u.Scheme != "https":
		return "scheme must be http or https"
	case u.Host == "":
		return "must have a host"
	}
	return ""
}

// validPort reports whether a URL's port is absent or 1 to 65535 (url.Parse
// takes any digits).
func validPort(p string) bool {
	if p == "" {
		return true
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

func validSecret(s string) bool {
	rest, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	return err == nil && len(b) >= minSecretBytes && len(b) <= maxSecretBytes
}

// ValidToken reports whether s is an RFC 9110 token, the grammar of a header
// name.
func ValidToken(s string) bool {
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

// ValidHeaderValue refuses control characters other than tab: a line break
// would let a value smuggle in headers of its own.
func ValidHeaderValue(v string) bool {
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
