package email

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/redisconn"
	"github.com/earshothq/earshot/store"
)

// redisURL is the real Redis of REDIS_URL when set, an embedded one
// otherwise.
func redisURL(t *testing.T) string {
	if os.Getenv("REDIS_URL") != "" {
		return testredis.Real(t)
	}
	return testredis.Embedded(t)
}

// replica is one earshot process's delivery: a Service and its workers.
type replica struct {
	svc  *notify.Service
	stop func()
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *fakeClock) setHM(h, m int)  { c.set(time.Date(2026, 6, 13, h, m, 0, 0, time.UTC)) }
func startReplica(t *testing.T, url string, clock *fakeClock) *replica {
	t.Helper()
	rdb, err := redisconn.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(rdb)
	client := asynq.NewClientFromRedisClient(rdb)
	svc, err := notify.New(notify.Options{
		Config:      notify.Config{AllowPrivateTargets: true, RetrySchedule: []time.Duration{100 * time.Millisecond}},
		Store:       st,
		Client:      client,
		Channels:    notify.NewChannels(notify.Webhook, Kind),
		DigestClock: clock.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency: 4, Queues: map[string]int{notify.QueueDeliveries: 1},
		RetryDelayFunc: notify.RetryDelay, IsFailure: notify.IsFailure,
		DelayedTaskCheckInterval: 50 * time.Millisecond, TaskCheckInterval: 10 * time.Millisecond,
		ShutdownTimeout: 2 * time.Second, LogLevel: asynq.FatalLevel,
	})
	mux := asynq.NewServeMux()
	mux.Handle(notify.TypeDeliver, svc.Handler())
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	r := &replica{svc: svc}
	var once sync.Once
	r.stop = func() { once.Do(func() { srv.Shutdown(); client.Close(); rdb.Close() }) }
	t.Cleanup(r.stop)
	return r
}

func waitMessages(t *testing.T, srv *server, n int) []received {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if got := srv.messages(); len(got) >= n {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%d messages received, want %d", len(srv.messages()), n)
	return nil
}

// TestDigestAcrossRestart: the matches of a period are collected in
// Redis by one process, and sent as one email, newest first, by the
// processes running when the period ends; one digest per period whatever
// the number of replicas sweeping, none for an empty period.
func TestDigestAcrossRestart(t *testing.T) {
	url := redisURL(t)
	ctx := context.Background()
	smtpSrv := newServer(t, false)
	clock := &fakeClock{}
	clock.setHM(12, 0)

	rdb, err := redisconn.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	st := store.New(rdb)
	if err := st.PutNamespace(ctx, &models.Namespace{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	conn := smtpSrv.conn(TLSNone, false)
	conn.ID = "mail"
	if err := st.PutConnection(ctx, "acme", conn); err != nil {
		t.Fatal(err)
	}
	notice := models.Notice{Type: Kind.NoticeType, Connection: models.ConnectionName("acme", "mail"), Digest: &models.Digest{Every: models.Duration(time.Hour)}}
	manager := models.ManagerName("acme", "leads")

	first := startReplica(t, url, clock)
	collect := func(r *replica, h, m int, title string) {
		t.Helper()
		clock.setHM(h, m)
		id := store.ScanID("t3_" + title)
		scan := &models.Scan{Name: models.ScanName("acme", "leads", id), CreateTime: clock.now(),
			Post:  models.Post{Type: models.PostRedditLink, ID: "t3_" + title, Title: title, Text: "text of " + title, URL: "https://reddit.com/" + title, User: models.User{Name: "u"}},
			Match: &models.Match{Focus: "SALES", Score: 0.8}}
		if _, err := st.CreateScan(ctx, "acme", "leads", id, scan, 24*time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := r.svc.Enqueuer().Collect(ctx, manager, notice, scan.Name); err != nil {
			t.Fatal(err)
		}
	}
	collect(first, 12, 5, "oldest-match")
	collect(first, 12, 20, "middle-match")
	collect(first, 12, 40, "newest-match")
	collect(first, 12, 41, "newest-match") // a poll read again: kept once
	first.stop()                           // the process that collected them is gone

	second := startReplica(t, url, clock)
	third := startReplica(t, url, clock)
	collect(second, 12, 50, "late-match")
	clock.setHM(12, 59)
	if err := second.svc.SweepDigests(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(smtpSrv.messages()); n != 0 {
		t.Fatalf("%d messages before the period ended", n)
	}

	clock.setHM(13, 0)
	collect(second, 13, 10, "next-period-match")
	clock.setHM(13, 1)
	var wg sync.WaitGroup
	for _, r := range []*replica{second, third, second, third} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = r.svc.SweepDigests(ctx) }()
	}
	wg.Wait()
	got := waitMessages(t, smtpSrv, 1)
	time.Sleep(300 * time.Millisecond)
	if got = smtpSrv.messages(); len(got) != 1 {
		t.Fatalf("%d digests for one period, want 1", len(got))
	}
	h, text, html := parts(t, got[0].data)
	subject, _ := decodeHeader(h.Get("Subject"))
	if subject != "[Earshot] 4 new matches for leads" {
		t.Errorf("subject %q", subject)
	}
	order := []string{"late-match", "newest-match", "middle-match", "oldest-match"}
	last := -1
	for _, title := range order {
		i := strings.Index(text, "* "+title)
		if i < 0 || i < last {
			t.Fatalf("digest does not list %v newest first:\n%s", order, text)
		}
		last = i
	}
	if strings.Contains(text, "next-period-match") || !strings.Contains(html, `<a href="https://reddit.com/late-match">late-match</a>`) {
		t.Errorf("digest:\n%s", text)
	}

	// The next period holds the one match of 13:10; the one after is
	// empty and sends nothing.
	clock.setHM(14, 0)
	_ = third.svc.SweepDigests(ctx)
	got = waitMessages(t, smtpSrv, 2)
	if _, text, _ := parts(t, got[1].data); !strings.Contains(text, "1 new match for leads") || !strings.Contains(text, "next-period-match") {
		t.Errorf("second digest:\n%s", text)
	}
	clock.setHM(15, 0)
	_ = third.svc.SweepDigests(ctx)
	time.Sleep(300 * time.Millisecond)
	if n := len(smtpSrv.messages()); n != 2 {
		t.Errorf("%d messages, want 2: an empty period sent a digest", n)
	}

	// Matches of three periods, swept only after all have ended (the
	// processes were down): one digest for each, in one sweep.
	collect(third, 15, 10, "p1-match")
	collect(third, 16, 10, "p2-match")
	collect(third, 17, 10, "p3-match")
	clock.setHM(19, 0)
	_ = third.svc.SweepDigests(ctx)
	got = waitMessages(t, smtpSrv, 5)
	for i, title := range []string{"p1-match", "p2-match", "p3-match"} {
		found := false
		for _, m := range got[2:] {
			_, text, _ := parts(t, m.data)
			found = found || strings.Contains(text, title) && strings.Contains(text, "1 new match")
		}
		if !found {
			t.Errorf("no digest of period %d (%s)", i+1, title)
		}
	}
}

// TestEmailTest: :test sends a test email.
func TestEmailTest(t *testing.T) {
	url := redisURL(t)
	ctx := context.Background()
	smtpSrv := newServer(t, false)
	r := startReplica(t, url, &fakeClock{})
	rdb, err := redisconn.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	st := store.New(rdb)
	_ = st.PutNamespace(ctx, &models.Namespace{ID: "acme"})
	conn := smtpSrv.conn(TLSNone, false)
	conn.ID = "mail"
	if err := st.PutConnection(ctx, "acme", conn); err != nil {
		t.Fatal(err)
	}
	res, err := r.svc.Test(ctx, "acme", "mail")
	if err != nil {
		t.Fatal(err)
	}
	got := smtpSrv.messages()
	if !res.Success || len(got) != 1 || !strings.Contains(string(got[0].data), res.Challenge) {
		t.Fatalf("test %+v, %d messages", res, len(got))
	}
}

// TestDigestServerClock: without an injected clock, digests run on the
// Redis server's TIME.
func TestDigestServerClock(t *testing.T) {
	url := redisURL(t)
	ctx := context.Background()
	rdb, err := redisconn.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	st := store.New(rdb)
	svc, err := notify.New(notify.Options{Store: st, Client: asynq.NewClientFromRedisClient(rdb), Channels: notify.NewChannels(notify.Webhook, Kind)})
	if err != nil {
		t.Fatal(err)
	}
	n := models.Notice{Type: Kind.NoticeType, Connection: "namespaces/acme/connections/mail", Digest: &models.Digest{Every: models.Duration(168 * time.Hour)}}
	if err := svc.Enqueuer().Collect(ctx, "namespaces/acme/managers/leads", n, "namespaces/acme/managers/leads/scans/s1"); err != nil {
		t.Fatal(err)
	}
	if err := svc.SweepDigests(ctx); err != nil {
		t.Fatal(err)
	}
	keys := allKeys(ctx, t, rdb, "*digests*")
	if len(keys) != 2 { // the index and the open digest: nothing closed yet
		t.Errorf("digest keys %v", keys)
	}
}

// allKeys returns the keys matching pattern on every node (KEYS on a
// Cluster client asks one node only).
func allKeys(ctx context.Context, t *testing.T, rdb redis.UniversalClient, pattern string) []string {
	t.Helper()
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		keys, err := rdb.Keys(ctx, pattern).Result()
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}
	var mu sync.Mutex
	var keys []string
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		ks, err := c.Keys(ctx, pattern).Result()
		mu.Lock()
		keys = append(keys, ks...)
		mu.Unlock()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
