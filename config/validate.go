package config

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/models"
)

// MinAPIKeyLength keeps guessable API keys out of the file.
const MinAPIKeyLength = 16

// Allowed values of the log section.
var (
	LogLevels  = []string{"debug", "info", "warn", "error"}
	LogFormats = []string{"text", "json"}
)

// validate checks the decoded, defaulted configuration. Every problem is
// placed by its path; see problemAt.
func (p *parser) validate(c *Config) {
	if msg := checkListen(c.Listen); msg != "" {
		p.problemAt("listen", msg)
	}
	if c.Metrics.Listen != MetricsOff {
		if msg := checkListen(c.Metrics.Listen); msg != "" {
			p.problemAt("metrics.listen", msg+` (or "off")`)
		}
	}
	p.validateRedis(&c.Redis)
	p.validateTracing(&c.Tracing)
	for i, d := range c.Delivery.RetrySchedule {
		if d <= 0 {
			p.problemAt(indexPath("delivery.retry_schedule", i), "must be greater than 0")
		}
	}
	if c.Delivery.Concurrency < 0 {
		p.problemAt("delivery.concurrency", "must not be negative")
	}
	if c.Delivery.Timeout.D() > models.MaxConnectionTimeout {
		p.problemAt("delivery.timeout", fmt.Sprintf("must be at most %s", models.MaxConnectionTimeout))
	}
	if len(c.Delivery.RetrySchedule) > models.MaxRetryScheduleLength {
		p.problemAt("delivery.retry_schedule", fmt.Sprintf("must have at most %d entries", models.MaxRetryScheduleLength))
	}
	if c.Delivery.RateLimit < 0 {
		p.problemAt("delivery.rate_limit", "must not be negative")
	}
	if c.Delivery.ConnectionConcurrency < 0 {
		p.problemAt("delivery.connection_concurrency", "must not be negative")
	}
	if !slices.Contains(LogLevels, c.Log.Level) {
		p.problemAt("log.level", "must be one of "+strings.Join(LogLevels, ", "))
	}
	if !slices.Contains(LogFormats, c.Log.Format) {
		p.problemAt("log.format", "must be one of "+strings.Join(LogFormats, ", "))
	}
	p.validateSources(&c.Sources)
	if llm := c.Matcher.LLM; llm != nil {
		if msg := checkHTTPURL(llm.BaseURL); msg != "" || llm.BaseURL == "" {
			if msg == "" {
				msg = "is required (e.g. https://api.openai.com/v1 or http://localhost:11434/v1)"
			}
			p.problemAt("matcher.llm.base_url", msg)
		}
		if llm.Model == "" {
			p.problemAt("matcher.llm.model", "is required")
		}
		if llm.MaxCallsPerMinute < 0 {
			p.problemAt("matcher.llm.max_calls_per_minute", "must not be negative")
		}
	}
	p.validateAPIKeys(c)
	p.validateNamespaces(c.Namespaces, c.Delivery.RequireHTTPS)
}

// validateSources applies each source kind's defaults to its section (to
// a new one for a kind left out), once, and reports what the kind's check
// finds.
func (p *parser) validateSources(s *SourcesConfig) {
	if *s == nil {
		*s = SourcesConfig{}
	}
	for _, k := range catalog.Sources.All() {
		if k.Section == "" || k.ConfigType() == nil {
			continue
		}
		cfg, errs := k.Configure((*s)[k.Section])
		(*s)[k.Section] = cfg
		p.fieldErrors("sources."+k.Section, errs, nil)
	}
}

// validateAPIKeys makes sure each key is long enough and belongs to one
// namespace only: a key is how a request finds its namespace. Keys are
// never printed; problems point at them by path.
func (p *parser) validateAPIKeys(c *Config) {
	type owner struct{ namespace, path string }
	owners := make(map[string]owner)
	check := func(keys []string, namespace, path string) {
		for i, key := range keys {
			kp := indexPath(path, i)
			switch {
			case strings.TrimSpace(key) == "":
				p.problemAt(kp, "must not be empty")
				continue
			case len(key) < MinAPIKeyLength:
				p.problemAt(kp, fmt.Sprintf("must be at least %d characters", MinAPIKeyLength))
			}
			first, dup := owners[key]
			switch {
			case !dup:
				owners[key] = owner{namespace, kp}
			case first.namespace == namespace:
				p.problemAt(kp, "same key as "+first.path)
			case first.namespace == "":
				p.problemAt(kp, "key is also an admin API key; each key belongs to one namespace")
			case namespace == "":
				p.problemAt(kp, fmt.Sprintf("key is also an API key of namespace %q; an admin key must be a key of its own", first.namespace))
			default:
				p.problemAt(kp, fmt.Sprintf("key is also an API key of namespace %q; each key belongs to one namespace", first.namespace))
			}
		}
	}
	check(c.AdminAPIKeys, "", "admin_api_keys")
	for i, ns := range c.Namespaces {
		check(ns.APIKeys, ns.ID, fieldPath(indexPath("namespaces", i), "api_keys"))
	}
}

func (p *parser) validateNamespaces(namespaces []Namespace, requireHTTPS bool) {
	firstNS := make(map[string]string) // id → path of its first use
	for i := range namespaces {
		ns := &namespaces[i]
		path := indexPath("namespaces", i)
		p.validateID(ns.ID, fieldPath(path, "id"), "namespace", firstNS)

		firstConn := make(map[string]string)
		for j := range ns.Connections {
			conn := &ns.Connections[j]
			cp := indexPath(fieldPath(path, "connections"), j)
			p.validateID(conn.ID, fieldPath(cp, "id"), "connection", firstConn)
			p.fieldErrors(cp, catalog.ValidateConnection(conn), nil)
			// Caught here rather than at the first delivery, which would
			// fail for good.
			if u, err := url.Parse(conn.URL); requireHTTPS && err == nil && u.Scheme == "http" {
				p.problemAt(fieldPath(cp, "url"), "must be an https URL (delivery.require_https is on)")
			}
		}

		firstMgr := make(map[string]string)
		for j := range ns.Managers {
			m := &ns.Managers[j]
			mp := indexPath(fieldPath(path, "managers"), j)
			p.validateID(m.ID, fieldPath(mp, "id"), "manager", firstMgr)
			p.fieldErrors(mp, catalog.ValidateManager(m, ns.connectionNamed), p.noticeHints(ns, m))
			if m.Schedule != "" && p.opts.validateSchedule != nil {
				if err := p.opts.validateSchedule(m.Schedule); err != nil {
					p.problemAt(fieldPath(mp, "schedule"), "invalid schedule: "+err.Error())
				}
			}
			p.validateNotices(ns, m, mp)
		}
	}
}

// validateID checks an id and that it is the first of its kind in first.
func (p *parser) validateID(id, path, kind string, first map[string]string) {
	if err := models.ValidID(id); err != nil {
		p.problemAt(path, err.Error())
		return
	}
	if prev, dup := first[id]; dup {
		_, _, line := locate(p.root, prev)
		p.problemAt(path, fmt.Sprintf("duplicate %s id %q (first at line %d)", kind, id, line))
		return
	}
	first[id] = path
}

// fieldErrors reports a resource's FieldErrors at their place in the file.
// hints adds a suggestion to the error of a field.
func (p *parser) fieldErrors(prefix string, errs []models.FieldError, hints map[string]string) {
	for _, fe := range errs {
		path := prefix
		if fe.Field != "" {
			path = fieldPath(prefix, fe.Field)
		}
		p.problemAt(path, fe.Description+hints[fe.Field])
	}
}

// noticeHints suggests the full name for a notice that names a connection
// by its bare id, the mistake everyone makes once.
func (p *parser) noticeHints(ns *Namespace, m *models.Manager) map[string]string {
	var hints map[string]string
	for i, n := range m.Notices {
		if _, ok := ns.Connection(n.Connection); ok && models.ValidID(n.Connection) == nil {
			if hints == nil {
				hints = make(map[string]string)
			}
			hints[fmt.Sprintf("notices[%d].connection", i)] = fmt.Sprintf(" (did you mean %q?)", models.ConnectionName(ns.ID, n.Connection))
		}
	}
	return hints
}

// validateNotices checks that every notice names a connection of the
// manager's own namespace; models.Manager.Validate has checked the names'
// shape and cannot know the namespace.
func (p *parser) validateNotices(ns *Namespace, m *models.Manager, path string) {
	for i, n := range m.Notices {
		nsID, connID, err := models.ParseConnectionName(n.Connection)
		if err != nil {
			continue // reported by Validate
		}
		np := fieldPath(indexPath(fieldPath(path, "notices"), i), "connection")
		switch {
		case nsID != ns.ID:
			p.problemAt(np, fmt.Sprintf("connection belongs to namespace %q; a notice may only name a connection of its own namespace", nsID))
		default:
			if _, ok := ns.Connection(connID); !ok {
				p.problemAt(np, fmt.Sprintf("no connection %q in namespace %q", connID, ns.ID))
			}
		}
	}
}

// checkListen returns what is wrong with a listen address, or "".
func checkListen(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "must be host:port, such as :8080 or 127.0.0.1:8080"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "port must be a number from 0 to 65535"
	}
	return ""
}

// checkRedisURL returns what is wrong with a Redis URL, or "". The URL is
// never quoted: it usually carries a password.
func checkRedisURL(raw string) string {
	if raw == "" {
		return "" // the embedded Redis
	}
	const want = "must be a redis://, rediss:// or unix:// URL"
	u, err := url.Parse(raw)
	if err != nil {
		return want
	}
	switch u.Scheme {
	case "redis", "rediss":
		if u.Host == "" {
			return "must name a host (redis://host:6379/0)"
		}
		if db := strings.TrimPrefix(u.Path, "/"); db != "" {
			if n, err := strconv.Atoi(db); err != nil || n < 0 {
				return "database must be a number (redis://host:6379/0)"
			}
		}
	case SchemeCluster, SchemeSentinel:
		return checkMultiHostURL(u)
	case "unix":
		if u.Path == "" {
			return "must name a socket path (unix:///run/redis/redis.sock)"
		}
	default:
		return want
	}
	return ""
}

// checkHTTPURL returns what is wrong with an API base URL, or "" (also for
// an empty one, which the defaults have filled if it may be empty).
func checkHTTPURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs():
		return "must be an absolute URL (https://…)"
	case u.Scheme != "http" && u.Scheme != "https":
		return "scheme must be http or https"
	case u.Host == "":
		return "must have a host"
	}
	return ""
}
