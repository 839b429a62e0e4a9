package config

import (
	"strings"
	"testing"
)

func TestParseTracing(t *testing.T) {
	tests := []struct {
		name        string
		yaml        string
		env         map[string]string
		enabled     bool
		url         string
		ratio       float64
		sampler     string
		service     string
		headerValue string // of X-Api-Key
	}{
		{name: "off by default", yaml: "", ratio: 1},
		{name: "endpoint turns it on, /v1/traces appended", yaml: "tracing:\n  otlp_endpoint: http://collector:4318\n  sample_ratio: 0.25\n",
			enabled: true, url: "http://collector:4318/v1/traces", ratio: 0.25},
		{name: "a /v1/traces endpoint is kept", yaml: "tracing: {otlp_endpoint: \"https://otlp.example.com/v1/traces\"}\n",
			enabled: true, url: "https://otlp.example.com/v1/traces", ratio: 1},
		{name: "headers from the file and from ${VAR}", yaml: "tracing:\n  otlp_endpoint: http://c:4318\n  headers: {X-Api-Key: \"${OTLP_KEY}\"}\n",
			env: map[string]string{"OTLP_KEY": "key-from-env-123"}, enabled: true, url: "http://c:4318/v1/traces", ratio: 1, headerValue: "key-from-env-123"},
		{name: "OTEL_EXPORTER_OTLP_ENDPOINT alone", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://env:4318/"},
			enabled: true, url: "http://env:4318/v1/traces", ratio: 1},
		{name: "traces endpoint used as is, over the generic one and the file",
			yaml:    "tracing: {otlp_endpoint: http://file:4318}\n",
			env:     map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://env:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://env:4318/custom"},
			enabled: true, url: "http://env:4318/custom", ratio: 1},
		{name: "OTEL_SDK_DISABLED wins", yaml: "tracing: {otlp_endpoint: http://file:4318}\n", env: map[string]string{"OTEL_SDK_DISABLED": "true"},
			url: "http://file:4318/v1/traces", ratio: 1},
		{name: "OTEL_TRACES_EXPORTER=none turns it off", yaml: "tracing: {otlp_endpoint: http://file:4318}\n",
			env: map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, url: "http://file:4318/v1/traces", ratio: 1},
		{name: "sampler and service name from the environment", yaml: "tracing: {otlp_endpoint: http://c:4318, sample_ratio: 1}\n",
			env:     map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1", "OTEL_SERVICE_NAME": "earshot-eu", "OTEL_EXPORTER_OTLP_HEADERS": "X-Api-Key=a%20b,other=1"},
			enabled: true, url: "http://c:4318/v1/traces", ratio: 0.1, sampler: "traceidratio", service: "earshot-eu", headerValue: "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			cfg, err := Parse("earshot.yaml", []byte(tt.yaml), lookup)
			if err != nil {
				t.Fatal(err)
			}
			tr := cfg.Tracing
			if tr.Enabled() != tt.enabled || tr.TracesURL() != tt.url || tr.Ratio() != tt.ratio || tr.Sampler != tt.sampler || tr.ServiceName != tt.service || tr.Headers["X-Api-Key"] != tt.headerValue {
				t.Errorf("tracing = enabled %v url %q ratio %v sampler %q service %q headers %v; want %v %q %v %q %q %q",
					tr.Enabled(), tr.TracesURL(), tr.Ratio(), tr.Sampler, tr.ServiceName, tr.Headers, tt.enabled, tt.url, tt.ratio, tt.sampler, tt.service, tt.headerValue)
			}
		})
	}
}

func TestParseTracingProblems(t *testing.T) {
	const secret = "s3cret-collector-token"
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want []string
	}{
		{"ratio above 1", "listen: \":8080\"\ntracing:\n  otlp_endpoint: http://c:4318\n  sample_ratio: 1.5\n", nil,
			[]string{"earshot.yaml:4: tracing.sample_ratio: must be a number from 0 to 1"}},
		{"ratio not a number", "tracing:\n  sample_ratio: x\n", nil,
			[]string{"earshot.yaml:2: tracing.sample_ratio: must be a number"}},
		{"negative ratio", "tracing:\n  sample_ratio: -0.1\n", nil,
			[]string{"earshot.yaml:2: tracing.sample_ratio: must be a number from 0 to 1"}},
		{"unknown key", "tracing:\n  otlp_endpont: http://c:4318\n", nil,
			[]string{"earshot.yaml:2: tracing.otlp_endpont: unknown field"}},
		{"gRPC endpoint, credentials not printed", "tracing:\n  otlp_endpoint: \"grpc://user:" + secret + "@c:4317\"\n", nil,
			[]string{"earshot.yaml:2: tracing.otlp_endpoint: scheme must be http or https"}},
		{"endpoint from ${VAR} not printed", "tracing:\n  otlp_endpoint: \"${OTLP_URL}\"\n", map[string]string{"OTLP_URL": "c:4318?token=" + secret},
			[]string{"earshot.yaml:2: tracing.otlp_endpoint: scheme must be http or https"}},
		{"bad header name", "tracing:\n  otlp_endpoint: http://c:4318\n  headers: {\"Bad Name\": x}\n", nil,
			[]string{`earshot.yaml:3: tracing.headers["Bad Name"]: header name must be a valid HTTP token`}},
		{"bad OTEL_TRACES_SAMPLER_ARG", "", map[string]string{"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "x"},
			[]string{"earshot.yaml: environment variable OTEL_TRACES_SAMPLER_ARG: must be a number from 0 to 1"}},
		{"unknown sampler", "", map[string]string{"OTEL_TRACES_SAMPLER": "jaeger_remote"},
			[]string{"earshot.yaml: environment variable OTEL_TRACES_SAMPLER: must be one of always_on"}},
		{"bad env endpoint not printed", "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://u:" + secret + "@c"},
			[]string{"earshot.yaml: environment variable OTEL_EXPORTER_OTLP_ENDPOINT: scheme must be http or https"}},
		{"malformed OTEL_EXPORTER_OTLP_HEADERS not printed", "", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "Authorization" + secret},
			[]string{"earshot.yaml: environment variable OTEL_EXPORTER_OTLP_HEADERS: must be a list of key=value pairs"}},
		{"gRPC protocol", "", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
			[]string{"earshot.yaml: environment variable OTEL_EXPORTER_OTLP_PROTOCOL: must be http/protobuf"}},
		{"another exporter", "", map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"},
			[]string{"earshot.yaml: environment variable OTEL_TRACES_EXPORTER: must be otlp or none"}},
		{"bad OTEL_SDK_DISABLED", "", map[string]string{"OTEL_SDK_DISABLED": "yes"},
			[]string{"earshot.yaml: environment variable OTEL_SDK_DISABLED: must be true or false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			_, err := Parse("earshot.yaml", []byte(tt.yaml), lookup)
			if err == nil {
				t.Fatal("no error")
			}
			got := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("error:\n%s\nwant it to contain %q", got, w)
				}
			}
			if strings.Contains(got, secret) {
				t.Errorf("error prints a secret:\n%s", got)
			}
		})
	}
}
