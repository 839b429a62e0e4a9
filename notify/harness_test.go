package notify_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/metrics"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/redisconn"
	"github.com/earshothq/earshot/store"
	"github.com/earshothq/earshot/tracing"
)

const (
	ns         = "acme"
	testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
)

func testLogger() *slog.Logger {
	if testing.Verbose() && os.Getenv("NOTIFY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// harness runs the delivery service on its own asynq server, with
// test-sized intervals.
type harness struct {
	t       *testing.T
	store   *store.Store
	svc     *notify.Service
	metrics *metrics.Metrics
	rdb     redis.UniversalClient
}

// harnessOption adjusts a harness as `earshot serve` would for some Redis.
type harnessOption func(*harnessSetup)

type harnessSetup struct {
	// asServer gives asynq its own client with the store's PipelineHook,
	// as the server does.
	asServer     bool
	waitReplicas int
	// channels are the channel kinds (nil: the webhook only).
	channels *notify.Channels
	// tracer traces the deliveries (nil: tracing off).
	tracer *tracing.Tracer
}

// likeServer sets asynq up as server.New does, and makes writes wait for
// n replicas (0: none).
func likeServer(waitReplicas int) harnessOption {
	return func(s *harnessSetup) { s.asServer, s.waitReplicas = true, waitReplicas }
}

func newHarness(t *testing.T, redisURL string, cfg notify.Config, opts ...harnessOption) *harness {
	t.Helper()
	var setup harnessSetup
	for _, o := range opts {
		o(&setup)
	}
	rdb, err := redisconn.NewClient(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	st := store.New(rdb)
	if setup.waitReplicas > 0 {
		st.WaitForReplicas(setup.waitReplicas, time.Second)
	}
	queue := rdb
	if setup.asServer {
		queue, _ = redisconn.NewClient(redisURL)
		queue.AddHook(st.PipelineHook())
		t.Cleanup(func() { queue.Close() })
	}
	ctx := context.Background()
	if err := st.PutNamespace(ctx, &models.Namespace{ID: ns}); err != nil {
		t.Fatal(err)
	}
	cfg.AllowPrivateTargets = true // receivers are httptest servers on loopback
	client := asynq.NewClientFromRedisClient(queue)
	m := metrics.New()
	svc, err := notify.New(notify.Options{
		Config:          cfg,
		Store:           st,
		Client:          client,
		Inspector:       asynq.NewInspectorFromRedisClient(rdb),
		Metrics:         m.Delivery,
		Logger:          testLogger(),
		WatchInterval:   100 * time.Millisecond,
		RecoverInterval: 100 * time.Millisecond,
		Channels:        setup.channels,
		Tracer:          setup.tracer,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := asynq.NewServerFromRedisClient(queue, asynq.Config{
		Concurrency:              20,
		Queues:                   map[string]int{notify.QueueDeliveries: 1},
		RetryDelayFunc:           notify.RetryDelay,
		IsFailure:                notify.IsFailure,
		DelayedTaskCheckInterval: 50 * time.Millisecond,
		TaskCheckInterval:        10 * time.Millisecond,
		ShutdownTimeout:          2 * time.Second,
		LogLevel:                 asynq.FatalLevel,
	})
	mux := asynq.NewServeMux()
	mux.Handle(notify.TypeDeliver, svc.Handler())
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = svc.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Shutdown()
		client.Close()
	})
	return &harness{t: t, store: st, svc: svc, metrics: m, rdb: rdb}
}

// connection stores a connection to url.
func (h *harness) connection(id, url string, edit ...func(*models.Connection)) string {
	h.t.Helper()
	c := &models.Connection{ID: id, Type: models.ConnectionTypeHTTP, URL: url, Method: "POST", Secret: testSecret}
	for _, e := range edit {
		e(c)
	}
	if err := h.store.PutConnection(context.Background(), ns, c); err != nil {
		h.t.Fatal(err)
	}
	return models.ConnectionName(ns, id)
}

// setDisabled disables or enables a connection, as the API's PATCH does.
func (h *harness) setDisabled(id string, disabled bool) {
	h.t.Helper()
	_, err := h.store.UpdateConnection(context.Background(), ns, id, "", func(c *models.Connection) error {
		c.Disabled = disabled
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

var scanSeq atomic.Int64

// scan stores a Scan and returns its name.
func (h *harness) scan() string {
	h.t.Helper()
	n := scanSeq.Add(1)
	id := "s" + strconv.FormatInt(n, 10)
	s := &models.Scan{
		Name:       models.ScanName(ns, "leads", id),
		CreateTime: time.Now().UTC(),
		Post: models.Post{Type: models.PostRedditLink, Time: models.NewTimestamp(time.Now()), ID: "t3_" + id, Title: "Looking for a social listening tool",
			Text: "any recommendations?", URL: "https://www.reddit.com/r/marketing/comments/" + id,
			User: models.User{ID: "t2_u", Name: "u", URL: "https://www.reddit.com/user/u"}},
	}
	if _, err := h.store.CreateScan(context.Background(), ns, "leads", id, s, time.Hour); err != nil {
		h.t.Fatal(err)
	}
	return s.Name
}

// deliver stores a new Scan, enqueues its delivery to conn and returns the
// delivery id.
func (h *harness) deliver(conn string) string {
	h.t.Helper()
	name := h.scan()
	if err := h.svc.Enqueuer().Enqueue(context.Background(), models.EventScan, name, conn); err != nil {
		h.t.Fatal(err)
	}
	return notify.WebhookID(name, conn)
}

// waitState waits until a delivery is in state and returns it. It waits
// at least fakes.MinWait whatever timeout says: on a busy machine a test
// is slow, not wrong (timeout is what the test expects, for the message).
func (h *harness) waitState(conn, id, state string, timeout time.Duration) *models.Delivery {
	h.t.Helper()
	_, cid, _ := models.ParseConnectionName(conn)
	deadline := time.Now().Add(max(timeout, fakes.MinWait))
	var d *models.Delivery
	for time.Now().Before(deadline) {
		var err error
		d, err = h.svc.GetDelivery(context.Background(), ns, cid, id)
		if err == nil && d.State == state {
			return d
		}
		time.Sleep(20 * time.Millisecond)
	}
	if d != nil {
		h.t.Fatalf("delivery %s: state %s after %s, want %s (attempts %d, last error %q)", id, d.State, timeout, state, d.AttemptCount, d.LastError)
	}
	h.t.Fatalf("delivery %s: not %s after %s", id, state, timeout)
	return nil
}

func (h *harness) connectionNow(id string) *models.Connection {
	h.t.Helper()
	c, err := h.store.GetConnection(context.Background(), ns, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// reply is one scripted answer of a receiver.
type reply struct {
	status int
	header map[string]string
	delay  time.Duration // before answering
	down   bool          // drop the connection without answering
}

// gotRequest is one request a receiver got.
type gotRequest struct {
	header http.Header
	body   []byte
	time   time.Time
	status int // 0: dropped
}

// receiver is a webhook receiver answering with its script, then 200.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	script   []reply
	always   *reply
	got      []gotRequest
	inflight atomic.Int64
	maxIn    atomic.Int64
	echo     bool // answer a TEST event with its challenge
}

func newReceiver(t *testing.T, script ...reply) *receiver {
	r := &receiver{script: script}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

// setAlways answers every request with one reply (nil: back to the
// script).
func (r *receiver) setAlways(a *reply) { r.mu.Lock(); r.always = a; r.mu.Unlock() }

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	n := r.inflight.Add(1)
	defer r.inflight.Add(-1)
	for {
		m := r.maxIn.Load()
		if n <= m || r.maxIn.CompareAndSwap(m, n) {
			break
		}
	}
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	rep := reply{status: http.StatusOK}
	switch {
	case r.always != nil:
		rep = *r.always
	case len(r.script) > 0:
		rep = r.script[0]
		r.script = r.script[1:]
	}
	g := gotRequest{header: req.Header.Clone(), body: body, time: time.Now(), status: rep.status}
	if rep.down {
		g.status = 0
	}
	r.got = append(r.got, g)
	echo := r.echo
	r.mu.Unlock()

	if rep.delay > 0 {
		select {
		case <-time.After(rep.delay):
		case <-req.Context().Done():
			return
		}
	}
	if rep.down {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.status)
	if echo && strings.Contains(string(body), `"challenge"`) {
		i := strings.Index(string(body), `"challenge":"`) + len(`"challenge":"`)
		j := strings.Index(string(body)[i:], `"`)
		_, _ = w.Write([]byte(`{"challenge":"` + string(body)[i:i+j] + `"}`))
	}
}

func (r *receiver) requests() []gotRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]gotRequest(nil), r.got...)
}

// requestsFor returns the requests carrying a webhook-id.
func (r *receiver) requestsFor(webhookID string) []gotRequest {
	var out []gotRequest
	for _, g := range r.requests() {
		if g.header.Get("webhook-id") == webhookID {
			out = append(out, g)
		}
	}
	return out
}

func durations(ds ...time.Duration) []time.Duration { return ds }

func storeQuery(state string) store.DeliveryQuery { return store.DeliveryQuery{State: state} }
