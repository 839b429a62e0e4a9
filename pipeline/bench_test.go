package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/bluesky"
	"github.com/earshothq/earshot/store"
)

// The benchmarks of the ingest and poll paths: a batch of 1,000 posts,
// about one in ten of which mentions one manager's keyword, against n
// managers of one namespace, on the embedded Redis (miniredis) — Scans
// stored and deliveries enqueued included. "index" is the path requests
// take (one index pass per post), "per-manager" the loop it replaced
// (Matcher.Evaluate for every manager and post).
//
//	go test ./pipeline/ -run XXX -bench 'Ingest|PollRead' -benchtime 3x

const benchBatch = 1000

type benchFeed struct{ batch func() []models.Post }

func (f benchFeed) Poll(context.Context, *models.Manager, json.RawMessage) (sources.Result, error) {
	return sources.Result{Posts: f.batch(), Cursor: json.RawMessage(`{}`)}, nil
}
func (benchFeed) StreamKey(*models.Manager) string { return "feed" }

func benchPoller(b *testing.B, n int, typ string, src sources.Source) (*Poller, func() []models.Post) {
	b.Helper()
	opts, _ := redis.ParseURL(testredis.Embedded(b))
	rdb := redis.NewClient(opts)
	b.Cleanup(func() { rdb.Close() })
	st := store.New(rdb)
	ctx := context.Background()
	if err := st.PutNamespace(ctx, &models.Namespace{ID: "acme"}); err != nil {
		b.Fatal(err)
	}
	if err := st.PutConnection(ctx, "acme", &models.Connection{ID: "crm", Type: models.ConnectionTypeHTTP, URL: "https://crm.example.com/h"}); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		m := models.DefaultManager()
		m.ID = fmt.Sprintf("m%05d", i)
		m.Source.Type = typ
		if typ == "FEED" {
			m.Source.Settings = models.SettingsOf(map[string]any{"feed": "x"})
		}
		m.Input.Keywords = []string{fmt.Sprintf("widget%05d", i), fmt.Sprintf("gizmo%05d pro", i)}
		m.Input.Focus.Type = "MENTIONS"
		m.Notices = []models.Notice{{Type: models.NoticeTypeHTTP, Connection: "namespaces/acme/connections/crm"}}
		if err := st.PutManager(ctx, "acme", &m); err != nil {
			b.Fatal(err)
		}
	}
	client := asynq.NewClientFromRedisClient(rdb)
	b.Cleanup(func() { client.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := notify.New(notify.Options{Store: st, Client: client, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	p := &Poller{Store: st, Sources: sources.Registry{typ: src}, Matcher: matcher.New(matcher.Options{Redis: rdb, Logger: log}),
		Enqueuer: svc.Enqueuer(), Logger: log, Retention: time.Hour}
	seq := 0
	batch := func() []models.Post {
		posts := make([]models.Post, benchBatch)
		for i := range posts {
			seq++
			text := "we are looking at new dashboards and reports for the team this week, any thoughts on pricing?"
			if seq%10 == 0 {
				text += fmt.Sprintf(" someone said widget%05d is good", (seq*7919)%n)
			}
			posts[i] = models.Post{Type: "RSS_ITEM", ID: fmt.Sprintf("p%d", seq), Title: "Dashboards", Text: text,
				Time: models.NewTimestamp(time.Now()), URL: "https://example.com/p", User: models.User{Name: "u"}}
		}
		return posts
	}
	return p, batch
}

// ingestPerManager is the ingest loop before streams: every manager
// evaluates every post.
func (p *Poller) ingestPerManager(ctx context.Context, ns string, posts []models.Post) (int, error) {
	all, err := p.Store.ListManagers(ctx, ns)
	if err != nil {
		return 0, err
	}
	matched := 0
	for _, m := range all {
		if !m.Enable {
			continue
		}
		m.Name = models.ManagerName(ns, m.ID)
		for i := range posts {
			r, err := p.Matcher.Evaluate(ctx, m, &posts[i])
			if err != nil {
				return matched, err
			}
			if !r.Matched {
				continue
			}
			matched++
			if _, err := p.handOn(ctx, m, &posts[i], r.Match); err != nil {
				return matched, err
			}
		}
	}
	return matched, nil
}

func reportPosts(b *testing.B, matched int) {
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "posts/s")
	b.ReportMetric(b.Elapsed().Seconds()*1e6/float64(b.N*benchBatch), "µs/post")
	b.ReportMetric(float64(matched)/float64(b.N*benchBatch), "matches/post")
}

func BenchmarkIngest(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		for _, path := range []string{"index", "per-manager"} {
			if path == "per-manager" && n > 1000 {
				continue // minutes per batch
			}
			b.Run(fmt.Sprintf("managers=%d/%s", n, path), func(b *testing.B) {
				p, batch := benchPoller(b, n, "INGEST", nil)
				ctx := context.Background()
				// Warm: compiled managers, the index, the sentiment lexicon.
				if _, err := p.Ingest(ctx, "acme", batch()); err != nil {
					b.Fatal(err)
				}
				matched := 0
				b.ResetTimer()
				for range b.N {
					posts := batch()
					if path == "index" {
						st, err := p.Ingest(ctx, "acme", posts)
						if err != nil {
							b.Fatal(err)
						}
						matched += st.Matched
					} else {
						m, err := p.ingestPerManager(ctx, "acme", posts)
						if err != nil {
							b.Fatal(err)
						}
						matched += m
					}
				}
				reportPosts(b, matched)
			})
		}
	}
}

// BenchmarkPollRead: one read of a shared feed returning 1,000 new posts,
// matched against its n managers and handed on, cursor stored.
func BenchmarkPollRead(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("managers=%d", n), func(b *testing.B) {
			var batch func() []models.Post
			p, bt := benchPoller(b, n, "FEED", benchFeed{batch: func() []models.Post { return batch() }})
			batch = bt
			ctx := context.Background()
			if _, err := p.PollRead(ctx, "FEED/feed"); err != nil {
				b.Fatal(err)
			}
			matched := 0
			b.ResetTimer()
			for range b.N {
				st, err := p.PollRead(ctx, "FEED/feed")
				if err != nil {
					b.Fatal(err)
				}
				if st.Fetched != benchBatch {
					b.Fatalf("fetched %d", st.Fetched)
				}
				matched += st.Matched
			}
			reportPosts(b, matched)
		})
	}
}

// BenchmarkJetstreamReplay: a recorded Jetstream of 100,000 posts (one in
// ten naming one manager's keyword) replayed by a local WebSocket server
// as fast as it can send, read by the pipeline's stream reader against n
// BLUESKY managers: decoded, matched in one index pass, Scans stored and
// deliveries enqueued, cursor stored after every batch. One iteration is
// the whole replay.
//
//	go test ./pipeline/ -run XXX -bench JetstreamReplay -benchtime 1x
func BenchmarkJetstreamReplay(b *testing.B) {
	const total = 100_000
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("managers=%d", n), func(b *testing.B) {
			js := fakes.NewJetstream()
			defer js.Close()
			base := time.Now().Add(-time.Minute).UnixMicro()
			events := make([]string, total)
			for i := range events {
				text := "we are looking at new dashboards and reports for the team this week, any thoughts on pricing?"
				if i%10 == 0 {
					text += fmt.Sprintf(" someone said widget%05d is good", (i*7919)%n)
				}
				us := base + int64(i)*500
				events[i] = fmt.Sprintf(`{"did":"did:plc:bench%d","time_us":%d,"kind":"commit","commit":{"rev":"r%d","operation":"create","collection":"app.bsky.feed.post","rkey":"k%d","record":{"$type":"app.bsky.feed.post","createdAt":%q,"langs":["en"],"text":%q},"cid":"c"}}`,
					i%1000, us, i, i, time.UnixMicro(us).UTC().Format(time.RFC3339Nano), text)
			}
			js.Add(events...)
			last := base + int64(total-1)*500
			src := bluesky.New(bluesky.Config{JetstreamURL: js.SubscribeURL()}, sources.WithLogger(slog.New(slog.DiscardHandler)))
			for range b.N {
				b.StopTimer()
				p, _ := benchPoller(b, n, bluesky.Type, src)
				ctx, cancel := context.WithCancel(context.Background())
				id := "BLUESKY/jetstream"
				b.StartTimer()
				start := time.Now()
				done := make(chan error, 1)
				go func() { done <- p.stream(ctx, id) }()
				for {
					cur, err := p.Store.StreamCursor(context.Background(), id)
					if err != nil {
						b.Fatal(err)
					}
					var c struct {
						TimeUS int64 `json:"time_us"`
					}
					_ = json.Unmarshal(cur, &c)
					if c.TimeUS >= last {
						break
					}
					select {
					case err := <-done:
						b.Fatalf("stream ended: %v", err)
					case <-time.After(20 * time.Millisecond):
					}
				}
				elapsed := time.Since(start)
				b.StopTimer()
				cancel()
				<-done
				last := total - 10 // the last post that matches
				postID := fmt.Sprintf("at://did:plc:bench%d/app.bsky.feed.post/k%d", last%1000, last)
				if _, err := p.Store.GetScan(context.Background(), "acme", fmt.Sprintf("m%05d", (last*7919)%n), store.ScanID(postID)); err != nil {
					b.Fatalf("the last match has no Scan: %v", err)
				}
				b.ReportMetric(total/elapsed.Seconds(), "posts/s")
				b.ReportMetric(elapsed.Seconds()*1e6/total, "µs/post")
			}
		})
	}
}
