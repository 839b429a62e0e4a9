package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/internal/testserver"
	"github.com/earshothq/earshot/models"
)

// BenchmarkJetstreamLatency: a local Jetstream offering 2,000 posts a
// second for 10 s, one in ten naming one of 1,000 BLUESKY managers'
// keywords, read by a running server that delivers every match to a local
// receiver. It reports the end-to-end latency, event sent → webhook
// received, of every delivery. With REDIS_URL set it runs on that Redis.
//
//	go test ./server/ -run XXX -bench JetstreamLatency -benchtime 1x
func BenchmarkJetstreamLatency(b *testing.B) {
	const (
		rate     = 2000
		duration = 10 * time.Second
		managers = 1000
	)
	for range b.N {
		js := fakes.NewJetstream()
		rcv := fakes.NewReceiver()
		redisURL := testredis.Embedded(b)
		if os.Getenv("REDIS_URL") != "" {
			redisURL = testredis.Real(b)
		}
		cfg, err := config.Parse("bench.yaml", []byte(fmt.Sprintf(`
listen: "127.0.0.1:0"
redis: {url: %q}
delivery: {allow_private_targets: true, rate_limit: 600000, connection_concurrency: 100}  # the receiver takes all of them
sources:
  bluesky: {jetstream_url: %q}
namespaces:
  - id: acme
    api_keys: ["acme-bench-key-0123456789"]
    connections:
      - {id: crm, type: HTTP_CONNECTION, url: %q}
`, redisURL, js.SubscribeURL(), rcv.URL+"/hook")), nil)
		if err != nil {
			b.Fatal(err)
		}
		p := testserver.Start(b, cfg)
		ctx := context.Background()
		for i := range managers {
			m := models.DefaultManager()
			m.ID = fmt.Sprintf("m%04d", i)
			m.Source.Type = "BLUESKY"
			m.Input.Keywords = []string{fmt.Sprintf("widget%04d", i)}
			m.Input.Focus.Type = "MENTIONS"
			m.Notices = []models.Notice{{Type: models.NoticeTypeHTTP, Connection: "namespaces/acme/connections/crm"}}
			if err := p.Server.Store().PutManager(ctx, "acme", &m); err != nil {
				b.Fatal(err)
			}
		}
		// The reader connects once the managers are loaded.
		for deadline := time.Now().Add(20 * time.Second); len(js.Queries()) == 0; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fatal("no reader connected")
			}
		}
		sent := map[string]time.Time{}
		b.ResetTimer()
		tick := time.NewTicker(10 * time.Millisecond)
		n := 0
		for end := time.Now().Add(duration); time.Now().Before(end); <-tick.C {
			batch := make([]string, 0, rate/100)
			now := time.Now()
			for range rate / 100 {
				n++
				text := "we are looking at new dashboards and reports for the team this week, any thoughts on pricing?"
				if n%10 == 0 {
					text += fmt.Sprintf(" someone said widget%04d is good", (n*7919)%managers)
				}
				ev, id := jetstreamPost(n, text, now)
				if n%10 == 0 {
					sent[id] = now
				}
				batch = append(batch, ev)
			}
			js.Add(batch...)
		}
		tick.Stop()
		got := rcv.WaitFor(len(sent), 60*time.Second)
		b.StopTimer()
		var lat []time.Duration
		start := time.Now()
		for _, at := range sent {
			if at.Before(start) {
				start = at
			}
		}
		perSecond := map[int]time.Duration{}
		for _, req := range got {
			var ev struct{ Post struct{ ID string } }
			if err := json.Unmarshal(req.Body, &ev); err != nil {
				b.Fatal(err)
			}
			if at, ok := sent[ev.Post.ID]; ok {
				lat = append(lat, req.Time.Sub(at))
				sec := int(at.Sub(start) / time.Second)
				perSecond[sec] = max(perSecond[sec], req.Time.Sub(at))
			}
		}
		if len(lat) < len(sent) {
			b.Fatalf("%d of %d matches delivered", len(lat), len(sent))
		}
		if testing.Verbose() {
			for sec := range int(duration / time.Second) {
				b.Logf("sent in second %d: worst latency %s", sec, perSecond[sec].Round(time.Millisecond))
			}
		}
		slices.Sort(lat)
		q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))].Microseconds()) / 1000 }
		b.ReportMetric(float64(n)/duration.Seconds(), "posts/s-offered")
		b.ReportMetric(float64(len(lat)), "deliveries")
		b.ReportMetric(q(0.5), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
		b.ReportMetric(q(1), "max-ms")
		p.Stop()
		js.Close()
		rcv.Close()
	}
}
