package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
)

// Option adds a check that belongs to another package to Load and Parse.
type Option func(*options)

type options struct {
	validateSchedule func(spec string) error
}

// WithScheduleValidator checks each manager's schedule (a cron spec or
// @every). The scheduler owns the syntax, so it provides the check; without
// one, schedules are not checked.
func WithScheduleValidator(f func(spec string) error) Option {
	return func(o *options) { o.validateSchedule = f }
}

// Load reads the configuration file at path, taking ${VAR} values from the
// process's environment. Its error is Problems when the file is wrong, and a
// plain error when it cannot be read.
func Load(path string, opts ...Option) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data, os.LookupEnv, opts...)
}

// Parse reads a configuration from data. name is the file name problems are
// reported against. lookupEnv supplies ${VAR} values and the REDIS_URL
// override (os.LookupEnv in production; nil means an empty environment).
//
// ${VAR} is replaced in values, never in keys: ${VAR:-default} gives a
// default for an unset or empty variable, $${ writes a literal ${, and an
// unset variable without a default is a problem. A replaced value takes the
// type of the field it fills, whether or not it was quoted, so
// `minScore: "${MIN_SCORE}"` (quoted as a flow mapping needs) is a number.
//
// Parse reports every problem it finds, not just the first, as Problems
// sorted by line, and returns a nil Config with them. Values that came from
// the environment are never repeated in a problem: they may be secrets.
//
// The returned Config has its defaults filled in, and each connection's and
// manager's Name set to its resource name.
func Parse(name string, data []byte, lookupEnv func(string) (string, bool), opts ...Option) (*Config, error) {
	if lookupEnv == nil {
		lookupEnv = func(string) (string, bool) { return "", false }
	}
	p := &parser{
		file:         name,
		lookupEnv:    lookupEnv,
		env:          make(map[*yaml.Node][]string),
		interpolated: make(map[*yaml.Node]bool),
		checked:      make(map[checkKey]bool),
	}
	for _, o := range opts {
		o(&p.opts)
	}
	cfg := p.parse(data)
	if len(p.problems) > 0 {
		return nil, p.result()
	}
	return cfg, nil
}

// parser holds the state of one Parse.
type parser struct {
	file      string
	lookupEnv func(string) (string, bool)
	opts      options

	// root is the document's top-level mapping; problems are placed by
	// following their path from it.
	root     *yaml.Node
	problems Problems
	// broken are the paths of values already reported as unreadable (a
	// wrong type, an unset variable). Validation problems under them are
	// dropped: "url is required" after "environment variable URL is not
	// set" says nothing new.
	broken []string
	// env maps each scalar that took a value from the environment to the
	// variables it used, and secrets holds those values, so that no
	// problem repeats them.
	env          map[*yaml.Node][]string
	secrets      []string
	interpolated map[*yaml.Node]bool
	checked      map[checkKey]bool
	// kinded is the source or connection type whose fields are being
	// checked (nil otherwise), for the messages of unknown fields.
	kinded reflect.Type
	// redisFromEnv is set when REDIS_URL overrode redis.url.
	redisFromEnv bool
	// redisClusterFromEnv is set when REDIS_CLUSTER_ADDRS named the cluster.
	redisClusterFromEnv bool
}

var configType = reflect.TypeFor[Config]()

func (p *parser) parse(data []byte) *Config {
	if !p.readYAML(data) {
		return nil
	}
	cfg := &Config{Path: p.file}
	if p.root != nil {
		p.check(p.root, configType, "", p.root.Line)
		if err := p.root.Decode(cfg); err != nil {
			// The strict pass refuses what yaml.v3 would; this is a
			// safety net, and the message goes through the redaction of
			// result like every other.
			p.problem(0, "", "cannot decode: "+strings.TrimPrefix(err.Error(), "yaml: "))
			return nil
		}
		p.decodeManagers(cfg)
	}
	cfg.Path = p.file
	p.applyRedisEnv(&cfg.Redis)
	p.applyTracingEnv(&cfg.Tracing)
	cfg.applyDefaults()
	p.validate(cfg)
	return cfg
}

// readYAML parses data into p.root, reporting a syntax error with its line.
// It returns false when there is nothing to go on.
func (p *parser) readYAML(data []byte) bool {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return true // an empty file: every default
		}
		p.syntaxProblem(err)
		return false
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		p.problem(extra.Line, "", "the file must hold one YAML document; remove the second (---)")
	case !errors.Is(err, io.EOF):
		p.syntaxProblem(err)
	}
	if len(doc.Content) == 0 {
		return true
	}
	root := doc.Content[0]
	if root.ShortTag() == "!!null" {
		return true
	}
	if deref(root).Kind != yaml.MappingNode {
		p.problem(root.Line, "", "the configuration must be a mapping of settings (listen: …, namespaces: …)")
		return false
	}
	p.root = deref(root)
	return true
}

var yamlLineError = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// isParserProblem reports whether a yaml.v3 syntax problem comes from its
// parser (parserc.go) rather than its scanner.
func isParserProblem(problem string) bool {
	for _, p := range []string{"did not find expected ", "found duplicate %", "found incompatible YAML document", "found undefined tag handle"} {
		if strings.HasPrefix(problem, p) {
			return true
		}
	}
	return false
}

func (p *parser) syntaxProblem(err error) {
	msg := err.Error()
	if m := yamlLineError.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if isParserProblem(m[2]) {
			// yaml.v3 prints a parser error's 0-based line (only its
			// scanner errors get the +1): one line early.
			line++
		}
		p.problem(line, "", m[2])
		return
	}
	p.problem(0, "", strings.TrimPrefix(msg, "yaml: "))
}

// decodeManagers decodes each manager again, this time on top of
// models.DefaultManager, so that a field left out keeps its default (an
// absent `enable` is true) as it does in the API.
func (p *parser) decodeManagers(cfg *Config) {
	for i := range cfg.Namespaces {
		ns := &cfg.Namespaces[i]
		for j := range ns.Managers {
			n, found, _ := locate(p.root, indexPath(fieldPath(indexPath("namespaces", i), "managers"), j))
			if !found {
				continue
			}
			m := models.DefaultManager()
			if err := n.Decode(&m); err != nil {
				continue // reported by the decode of the whole file
			}
			ns.Managers[j] = m
		}
	}
}

// applyDefaults fills what the file left out.
func (c *Config) applyDefaults() {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.Metrics.Listen == "" {
		c.Metrics.Listen = DefaultMetricsListen
	}
	if c.Delivery.Timeout == 0 {
		c.Delivery.Timeout = models.Duration(DefaultDeliveryTimeout)
	}
	// An explicit empty list (retry_schedule: []) means no retries; only
	// an absent one takes the default.
	if c.Delivery.RetrySchedule == nil {
		for _, d := range notify.DefaultRetrySchedule {
			c.Delivery.RetrySchedule = append(c.Delivery.RetrySchedule, models.Duration(d))
		}
	}
	if c.Delivery.Concurrency == 0 {
		c.Delivery.Concurrency = DefaultConcurrency
	}
	if c.Scans.Retention == 0 {
		c.Scans.Retention = models.Duration(DefaultScanRetention)
	}
	if c.Console.SessionTTL <= 0 {
		c.Console.SessionTTL = models.Duration(DefaultSessionTTL)
	}
	if c.Log.Level == "" {
		c.Log.Level = DefaultLogLevel
	}
	if c.Log.Format == "" {
		c.Log.Format = DefaultLogFormat
	}
	for i := range c.Namespaces {
		ns := &c.Namespaces[i]
		for j := range ns.Connections {
			conn := &ns.Connections[j]
			conn.ApplyDefaults()
			conn.Name = models.ConnectionName(ns.ID, conn.ID)
		}
		for j := range ns.Managers {
			m := &ns.Managers[j]
			m.ApplyDefaults()
			m.Name = models.ManagerName(ns.ID, m.ID)
		}
	}
}

// problem records a problem at line.
func (p *parser) problem(line int, path, msg string) {
	p.problems = append(p.problems, Problem{File: p.file, Line: line, Path: path, Message: msg})
}

// problemAt records a problem at the line of path, or of its nearest parent
// in the file. Problems under a path already reported as unreadable are
// dropped.
func (p *parser) problemAt(path, msg string) {
	if p.isBroken(path) {
		return
	}
	_, _, line := locate(p.root, path)
	p.problem(line, path, msg)
}

// isBroken reports whether path is, or is inside, a value reported as
// unreadable.
func (p *parser) isBroken(path string) bool {
	return slices.ContainsFunc(p.broken, func(b string) bool { return under(path, b) })
}

// breakPath marks path as reported unreadable.
func (p *parser) breakPath(path string) {
	if path != "" {
		p.broken = append(p.broken, path)
	}
}

// result sorts the problems by line, keeping the order they were found in
// on one line, and blanks out every value that came from the environment:
// messages are written not to quote such values, and this makes sure of it
// for the ones other packages' validators write.
func (p *parser) result() Problems {
	slices.SortStableFunc(p.problems, func(a, b Problem) int { return a.Line - b.Line })
	// Longest first, so that a secret containing another is blanked whole.
	secrets := slices.Clone(p.secrets)
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for i := range p.problems {
		for _, s := range secrets {
			if len(s) >= minRedactLen {
				p.problems[i].Message = strings.ReplaceAll(p.problems[i].Message, s, "<redacted>")
			}
		}
	}
	return p.problems
}

// minRedactLen keeps short, common values (true, 443, POST) that happen to
// come from the environment from blanking out unrelated words of messages.
// Secrets are longer than this.
const minRedactLen = 6
