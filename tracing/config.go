package tracing

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/earshothq/earshot/models"
)

// Config is the `tracing:` section. Tracing is on when an OTLP endpoint is
// named, here or by OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, and
// OTEL_SDK_DISABLED is not true.
type Config struct {
	// OTLPEndpoint is the collector's OTLP/HTTP URL, such as
	// http://otel-collector:4318: as OTEL_EXPORTER_OTLP_ENDPOINT, spans go
	// to its /v1/traces (a URL that ends in /v1/traces is used as is).
	OTLPEndpoint string `yaml:"otlp_endpoint"`
	// Headers are sent with every export (an API key, say).
	Headers map[string]string `yaml:"headers"`
	// SampleRatio is the share of traces sampled, from 0 to 1 (default 1).
	// A trace begun elsewhere keeps its own decision (parent-based).
	SampleRatio *float64 `yaml:"sample_ratio"`
	// ServiceName is the service.name of the spans (default "earshot").
	ServiceName string `yaml:"service_name"`

	// Sampler is OTEL_TRACES_SAMPLER when it is set: one of Samplers.
	// Empty means parentbased_traceidratio with SampleRatio.
	Sampler string `yaml:"-"`
	// Disabled is OTEL_SDK_DISABLED=true: no tracing, whatever the rest.
	Disabled bool `yaml:"-"`
	// tracesURL says OTLPEndpoint is the signal's own URL
	// (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), used as is.
	tracesURL bool
	// endpointVar names the variable the endpoint came from ("": the file).
	endpointVar string
}

// DefaultServiceName is the service.name of Earshot's spans.
const DefaultServiceName = "earshot"

// Samplers are the values of OTEL_TRACES_SAMPLER Earshot takes.
var Samplers = []string{"always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"}

// Enabled reports whether traces are made and exported.
func (c Config) Enabled() bool { return !c.Disabled && c.OTLPEndpoint != "" }

// Ratio is the sampled share of new traces (1 when none is given).
func (c Config) Ratio() float64 {
	if c.SampleRatio == nil {
		return 1
	}
	return *c.SampleRatio
}

// TracesURL is the URL spans are exported to.
func (c Config) TracesURL() string {
	if c.tracesURL || c.OTLPEndpoint == "" {
		return c.OTLPEndpoint
	}
	u, err := url.Parse(c.OTLPEndpoint)
	if err != nil {
		return c.OTLPEndpoint
	}
	if !strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/v1/traces") {
		u.Path = strings.TrimRight(u.Path, "/") + "/v1/traces"
	}
	return u.String()
}

// Problem is one thing wrong with the section: at its Field (a path
// under `tracing.`), or in the environment variable Env. Messages never
// quote the value: an endpoint or a header may carry a credential.
type Problem struct {
	Field, Env, Message string
}

// ApplyEnv applies the standard OTEL_* variables over the file's section,
// as REDIS_URL overrides redis.url: OTEL_SDK_DISABLED,
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is) or
// OTEL_EXPORTER_OTLP_ENDPOINT (its /v1/traces), OTEL_EXPORTER_OTLP_HEADERS
// and OTEL_EXPORTER_OTLP_TRACES_HEADERS (added to the file's headers, a
// variable's value winning), OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG, OTEL_SERVICE_NAME, OTEL_TRACES_EXPORTER (otlp,
// or none for off) and OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL (which must be
// http/protobuf). It returns what is wrong with them.
func (c *Config) ApplyEnv(lookupEnv func(string) (string, bool)) []Problem {
	var ps []Problem
	get := func(name string) (string, bool) {
		v, ok := lookupEnv(name)
		v = strings.TrimSpace(v)
		return v, ok && v != ""
	}
	if v, ok := get("OTEL_SDK_DISABLED"); ok {
		switch strings.ToLower(v) {
		case "true":
			c.Disabled = true
		case "false":
		default:
			ps = append(ps, Problem{Env: "OTEL_SDK_DISABLED", Message: "must be true or false"})
		}
	}
	if v, ok := get("OTEL_TRACES_EXPORTER"); ok {
		switch strings.ToLower(v) {
		case "none":
			c.Disabled = true
		case "otlp":
		default:
			ps = append(ps, Problem{Env: "OTEL_TRACES_EXPORTER", Message: "must be otlp or none (Earshot exports traces with OTLP over HTTP)"})
		}
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"} {
		if v, ok := get(name); ok && v != "http/protobuf" {
			ps = append(ps, Problem{Env: name, Message: "must be http/protobuf: Earshot sends OTLP over HTTP (a collector's port 4318), not gRPC"})
		}
	}
	if v, ok := get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); ok {
		c.OTLPEndpoint, c.tracesURL, c.endpointVar = v, true, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	} else if v, ok := get("OTEL_EXPORTER_OTLP_ENDPOINT"); ok {
		c.OTLPEndpoint, c.tracesURL, c.endpointVar = v, false, "OTEL_EXPORTER_OTLP_ENDPOINT"
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"} {
		v, ok := get(name)
		if !ok {
			continue
		}
		h, msg := parseHeaders(v)
		if msg != "" {
			ps = append(ps, Problem{Env: name, Message: msg})
			continue
		}
		if c.Headers == nil {
			c.Headers = map[string]string{}
		}
		for k, v := range h {
			c.Headers[k] = v
		}
	}
	if v, ok := get("OTEL_TRACES_SAMPLER"); ok {
		v = strings.ToLower(v)
		if slices.Contains(Samplers, v) {
			c.Sampler = v
		} else {
			ps = append(ps, Problem{Env: "OTEL_TRACES_SAMPLER", Message: "must be one of " + strings.Join(Samplers, ", ")})
		}
	}
	if v, ok := get("OTEL_TRACES_SAMPLER_ARG"); ok && (c.Sampler == "traceidratio" || c.Sampler == "parentbased_traceidratio") {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !validRatio(f) {
			ps = append(ps, Problem{Env: "OTEL_TRACES_SAMPLER_ARG", Message: "must be a number from 0 to 1"})
		} else {
			c.SampleRatio = &f
		}
	}
	if v, ok := get("OTEL_SERVICE_NAME"); ok {
		c.ServiceName = v
	}
	return ps
}

// Check returns what is wrong with the section (after ApplyEnv).
func (c *Config) Check() []Problem {
	var ps []Problem
	if c.OTLPEndpoint != "" {
		if msg := checkEndpoint(c.OTLPEndpoint); msg != "" {
			if c.endpointVar != "" {
				ps = append(ps, Problem{Env: c.endpointVar, Message: msg})
			} else {
				ps = append(ps, Problem{Field: "otlp_endpoint", Message: msg})
			}
		}
	}
	if c.SampleRatio != nil && !validRatio(*c.SampleRatio) {
		ps = append(ps, Problem{Field: "sample_ratio", Message: "must be a number from 0 to 1"})
	}
	names := make([]string, 0, len(c.Headers))
	for k := range c.Headers {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		field := "headers[" + strconv.Quote(k) + "]"
		if !models.ValidToken(k) {
			ps = append(ps, Problem{Field: field, Message: "header name must be a valid HTTP token"})
		}
		if !models.ValidHeaderValue(c.Headers[k]) {
			ps = append(ps, Problem{Field: field, Message: "header value must not contain line breaks or other control characters"})
		}
	}
	if c.ServiceName != "" && !models.ValidHeaderValue(c.ServiceName) {
		ps = append(ps, Problem{Field: "service_name", Message: "must not contain control characters"})
	}
	return ps
}

func validRatio(f float64) bool { return !math.IsNaN(f) && f >= 0 && f <= 1 }

// checkEndpoint returns what is wrong with an OTLP/HTTP URL, or "". It
// never quotes the URL.
func checkEndpoint(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs():
		return "must be an absolute http:// or https:// URL (such as http://otel-collector:4318)"
	case u.Scheme != "http" && u.Scheme != "https":
		return "scheme must be http or https (traces are sent with OTLP over HTTP)"
	case u.Host == "":
		return "must have a host"
	}
	return ""
}

// parseHeaders reads the W3C Baggage-like list of OTEL_EXPORTER_OTLP_HEADERS:
// key=value pairs separated by commas, values URL-encoded.
func parseHeaders(s string) (map[string]string, string) {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, "must be a list of key=value pairs separated by commas"
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Sprintf("the value of %s is not URL-encoded correctly", k)
		}
		if !models.ValidToken(k) {
			return nil, "header names must be valid HTTP tokens"
		}
		if !models.ValidHeaderValue(dv) {
			return nil, fmt.Sprintf("the value of %s must not contain line breaks or other control characters", k)
		}
		out[k] = dv
	}
	return out, ""
}
