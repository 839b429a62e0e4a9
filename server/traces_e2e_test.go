package server_test

import (
	"compress/gzip"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/internal/testserver"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/pipeline"
	"github.com/earshothq/earshot/server"
)

const collectorKey = "collector-api-key-5d1e"

// collector stands in for an OpenTelemetry collector's OTLP/HTTP receiver:
// it decodes each ExportTraceServiceRequest as a collector would.
type collector struct {
	*httptest.Server
	mu       sync.Mutex
	requests int
	keys     []string // X-Collector-Key of each export
	services []string // service.name of each resource
	spans    []*tracepb.Span
}

func newCollector(t *testing.T) *collector {
	c := &collector{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, "want a protobuf POST to /v1/traces", http.StatusNotFound)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			gz, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = gz
		}
		raw, err := io.ReadAll(body)
		var req collectortrace.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(raw, &req)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.requests++
		c.keys = append(c.keys, r.Header.Get("X-Collector-Key"))
		for _, rs := range req.ResourceSpans {
			for _, kv := range rs.GetResource().GetAttributes() {
				if kv.Key == "service.name" {
					c.services = append(c.services, kv.GetValue().GetStringValue())
				}
			}
			for _, ss := range rs.ScopeSpans {
				c.spans = append(c.spans, ss.Spans...)
			}
		}
		c.mu.Unlock()
		out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *collector) snapshot() (requests int, keys, services []string, spans []*tracepb.Span) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests, append([]string(nil), c.keys...), append([]string(nil), c.services...), append([]*tracepb.Span(nil), c.spans...)
}

func spanInt(s *tracepb.Span, key string) (int64, bool) {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return kv.GetValue().GetIntValue(), true
		}
	}
	return 0, false
}

// tracedConfig is a Hacker News manager delivering to rcv, with traces
// exported to col; env stands in for the process's environment.
func tracedConfig(t *testing.T, redisURL, hnURL, rcvURL, colURL string, env map[string]string) *config.Config {
	t.Helper()
	yaml := fmt.Sprintf(`
listen: "127.0.0.1:0"
redis:
  url: %q
delivery:
  timeout: 2s
  retry_schedule: [1s]
  allow_private_targets: true
sources:
  hackernews: {base_url: %q}
tracing:
  otlp_endpoint: %q
  sample_ratio: 1
  headers: {X-Collector-Key: "${COLLECTOR_KEY}"}
namespaces:
  - id: acme
    api_keys: ["acme-test-key-0123456789"]
    connections:
      - id: crm
        type: HTTP_CONNECTION
        url: %s/webhooks/earshot
        secret: %q
    managers:
      - id: monitor
        schedule: "@every 1s"
        source: {type: HACKERNEWS, backfill: 24h}
        input:
          keywords: ["earshot"]
          focus: {type: MENTIONS}
        notices:
          - {connection: namespaces/acme/connections/crm}
`, redisURL, hnURL+"/api/v1", colURL, rcvURL, testSecret)
	env["COLLECTOR_KEY"] = collectorKey
	cfg, err := config.Parse("test.yaml", []byte(yaml), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// TestTracesFromPollToDelivery: with tracing on, a real poll of a platform
// and the delivery of its match are one trace: the receiver's traceparent
// names the trace of the poll span the collector got, and the delivery
// attempt's span in it.
func TestTracesFromPollToDelivery(t *testing.T) {
	col := newCollector(t)
	hn := fakes.NewHackerNews()
	defer hn.Close()
	now := time.Now().UTC().Truncate(time.Second)
	hn.Add(fakes.HNItem{ID: 40000001, Comment: true, Author: "pg_fan", Text: "Has anyone tried Earshot for social listening?", StoryID: 39999999, Created: now.Add(-5 * time.Minute)})
	rcv := fakes.NewReceiver()
	defer rcv.Close()

	cfg := tracedConfig(t, testredis.Embedded(t), hn.URL, rcv.URL, col.URL, map[string]string{})
	p := testserver.Start(t, cfg, func(o *server.Options) { o.TraceBatchTimeout = 100 * time.Millisecond })
	got := rcv.WaitFor(1, 20*time.Second)
	tp := got[0].Header.Get("traceparent")
	parts := strings.Split(tp, "-")
	if len(parts) != 4 || parts[0] != "00" || len(parts[1]) != 32 || len(parts[2]) != 16 || parts[3] != "01" {
		t.Fatalf("receiver got traceparent %q, want a sampled W3C trace context", tp)
	}
	traceID, attemptID := parts[1], parts[2]
	verify(t, got[0]) // the signature holds: the body is the same as without tracing

	// The spans come to the collector within a batch timeout of ending.
	var poll, scan, deliver *tracepb.Span
	deadline := time.Now().Add(fakes.MinWait)
	for time.Now().Before(deadline) && (poll == nil || scan == nil || deliver == nil) {
		_ = p.Server.Tracing().ForceFlush(context.Background())
		_, _, _, spans := col.snapshot()
		for _, s := range spans {
			if hex.EncodeToString(s.TraceId) != traceID {
				continue
			}
			switch s.Name {
			case pipeline.SpanPoll:
				poll = s
			case pipeline.SpanScan:
				scan = s
			case notify.SpanDeliver:
				if hex.EncodeToString(s.SpanId) == attemptID {
					deliver = s
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if poll == nil || scan == nil || deliver == nil {
		t.Fatalf("collector has poll %v, scan %v, delivery attempt %v in trace %s; want all three", poll != nil, scan != nil, deliver != nil, traceID)
	}
	if len(poll.ParentSpanId) != 0 {
		t.Error("the poll span has a parent; it should be the trace's root")
	}
	if n, _ := spanInt(poll, "earshot.posts_read"); n < 1 {
		t.Errorf("poll span earshot.posts_read = %d", n)
	}
	if hex.EncodeToString(scan.ParentSpanId) != hex.EncodeToString(poll.SpanId) || hex.EncodeToString(deliver.ParentSpanId) != hex.EncodeToString(scan.SpanId) {
		t.Error("want poll → scan → delivery attempt")
	}
	if code, _ := spanInt(deliver, "http.response.status_code"); code != http.StatusOK {
		t.Errorf("delivery attempt span status code %d, want 200", code)
	}
	if deliver.Kind != tracepb.Span_SPAN_KIND_CLIENT {
		t.Errorf("delivery attempt span kind %v, want client", deliver.Kind)
	}
	_, keys, services, _ := col.snapshot()
	for _, k := range keys {
		if k != collectorKey {
			t.Fatalf("an export came with X-Collector-Key %q, want the configured header", k)
		}
	}
	if len(services) == 0 || services[0] != "earshot" {
		t.Errorf("service.name %v, want earshot", services)
	}
}

// TestNoTracesWhenDisabled: OTEL_SDK_DISABLED=true turns tracing off
// whatever the file says: no traceparent on webhooks, and not one export.
func TestNoTracesWhenDisabled(t *testing.T) {
	col := newCollector(t)
	hn := fakes.NewHackerNews()
	defer hn.Close()
	hn.Add(fakes.HNItem{ID: 40000001, Comment: true, Author: "pg_fan", Text: "Earshot's webhooks are signed, nice", StoryID: 39999999, Created: time.Now().Add(-5 * time.Minute)})
	rcv := fakes.NewReceiver()
	defer rcv.Close()

	cfg := tracedConfig(t, testredis.Embedded(t), hn.URL, rcv.URL, col.URL, map[string]string{"OTEL_SDK_DISABLED": "true"})
	p := testserver.Start(t, cfg, func(o *server.Options) { o.TraceBatchTimeout = 100 * time.Millisecond })
	got := rcv.WaitFor(1, 20*time.Second)
	if p.Server.Tracing() != nil {
		t.Error("a span exporter was built with tracing off")
	}
	p.Stop() // a provider would flush here
	for _, r := range got {
		if v := r.Header.Get("traceparent"); v != "" {
			t.Errorf("traceparent %q sent with tracing off", v)
		}
	}
	if n, _, _, _ := col.snapshot(); n != 0 {
		t.Errorf("the collector got %d exports with tracing off", n)
	}
}
