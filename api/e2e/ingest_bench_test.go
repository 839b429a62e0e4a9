package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/internal/testserver"
	"github.com/earshothq/earshot/models"
)

// BenchmarkIngestAPI: POST /v1/namespaces/acme/posts:ingest of batches of
// 1,000 posts (one in ten naming one manager's keyword) against n INGEST
// managers, end to end on the embedded Redis: the request decoded and
// validated, one index pass per post, Scans stored and deliveries
// enqueued, while the server's workers deliver them to a local receiver.
// With REDIS_URL set it runs on that Redis instead.
//
//	go test ./api/e2e/ -run XXX -bench IngestAPI -benchtime 5x
func BenchmarkIngestAPI(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("managers=%d", n), func(b *testing.B) {
			rcv := fakes.NewReceiver()
			defer rcv.Close()
			redisURL := testredis.Embedded(b)
			if os.Getenv("REDIS_URL") != "" {
				redisURL = testredis.Real(b)
			}
			cfg, err := config.Parse("bench.yaml", []byte(fmt.Sprintf(`
listen: "127.0.0.1:0"
redis: {url: %q}
delivery: {allow_private_targets: true}
namespaces:
  - id: acme
    api_keys: [%q]
`, redisURL, acmeKey)), nil)
			if err != nil {
				b.Fatal(err)
			}
			p := testserver.Start(b, cfg)
			ctx := context.Background()
			st := p.Server.Store()
			if err := st.PutConnection(ctx, "acme", &models.Connection{ID: "crm", Type: models.ConnectionTypeHTTP, URL: rcv.URL + "/hook"}); err != nil {
				b.Fatal(err)
			}
			for i := range n {
				m := models.DefaultManager()
				m.ID = fmt.Sprintf("m%05d", i)
				m.Source.Type = "INGEST"
				m.Input.Keywords = []string{fmt.Sprintf("widget%05d", i), fmt.Sprintf("gizmo%05d pro", i)}
				m.Input.Focus.Type = "MENTIONS"
				m.Notices = []models.Notice{{Type: models.NoticeTypeHTTP, Connection: "namespaces/acme/connections/crm"}}
				if err := st.PutManager(ctx, "acme", &m); err != nil {
					b.Fatal(err)
				}
			}
			seq := 0
			batch := func() []byte {
				posts := make([]models.Post, 1000)
				for i := range posts {
					seq++
					text := "we are looking at new dashboards and reports for the team this week, any thoughts on pricing?"
					if seq%10 == 0 {
						text += fmt.Sprintf(" someone said widget%05d is good", (seq*7919)%n)
					}
					posts[i] = models.Post{Type: "RSS_ITEM", ID: fmt.Sprintf("p%d", seq), Title: "Dashboards", Text: text,
						Time: models.NewTimestamp(time.Now()), URL: "https://example.com/p", User: models.User{Name: "u"}}
				}
				body, _ := json.Marshal(posts)
				return body
			}
			post := func(body []byte) int {
				req, _ := http.NewRequest("POST", p.URL+"/v1/namespaces/acme/posts:ingest", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+acmeKey)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				defer resp.Body.Close()
				var out struct{ ManagerCount, MatchCount int }
				if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || out.ManagerCount != n {
					b.Fatalf("ingest: %d %+v %v", resp.StatusCode, out, err)
				}
				return out.MatchCount
			}
			post(batch()) // warm: the index, the sentiment lexicon
			matched := 0
			b.ResetTimer()
			for range b.N {
				body := batch()
				matched += post(body)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "posts/s")
			b.ReportMetric(b.Elapsed().Seconds()*1e6/float64(b.N*1000), "µs/post")
			b.ReportMetric(float64(matched)/float64(b.N*1000), "matches/post")
		})
	}
}
