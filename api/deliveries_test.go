package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
)

// deliveryEnv is an env whose API has a delivery service, with asynq
// workers delivering to a receiver whose status the test sets.
type deliveryEnv struct {
	*env
	svc    *notify.Service
	status atomic.Int64
	rcv    *httptest.Server
}

func newDeliveryEnv(t *testing.T, redisURL string) *deliveryEnv {
	t.Helper()
	base := newEnv(t, redisURL)
	de := &deliveryEnv{env: base}
	de.status.Store(200)
	de.rcv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(de.status.Load()))
	}))
	t.Cleanup(de.rcv.Close)
	rdb := base.store.Redis()
	client := asynq.NewClientFromRedisClient(rdb)
	svc, err := notify.New(notify.Options{
		Config:    notify.Config{RetrySchedule: []time.Duration{}, AllowPrivateTargets: true},
		Store:     base.store,
		Client:    client,
		Inspector: asynq.NewInspectorFromRedisClient(rdb),
		Logger:    testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	de.svc = svc
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency: 4, Queues: map[string]int{notify.QueueDeliveries: 1},
		RetryDelayFunc: notify.RetryDelay, IsFailure: notify.IsFailure,
		DelayedTaskCheckInterval: 50 * time.Millisecond, TaskCheckInterval: 10 * time.Millisecond,
		LogLevel: asynq.FatalLevel,
	})
	mux := asynq.NewServeMux()
	mux.Handle(notify.TypeDeliver, svc.Handler())
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(); client.Close() })
	// The same API, with the delivery service.
	opts := base.api.opts
	opts.Deliveries = svc
	base.api = New(opts)
	base.srv.Config.Handler = base.api
	return de
}

// deliver stores a scan and hands it to the crm connection.
func (de *deliveryEnv) deliver(t *testing.T, id string) string {
	t.Helper()
	ctx := context.Background()
	s := &models.Scan{Name: models.ScanName("acme", "leads", id), CreateTime: time.Now().UTC(),
		Post: models.Post{Type: models.PostRedditLink, ID: "t3_" + id, Time: models.NewTimestamp(time.Now())}}
	if _, err := de.store.CreateScan(ctx, "acme", "leads", id, s, time.Hour); err != nil {
		t.Fatal(err)
	}
	conn := models.ConnectionName("acme", "crm")
	if err := de.svc.Enqueuer().Enqueue(ctx, models.EventScan, s.Name, conn); err != nil {
		t.Fatal(err)
	}
	return notify.WebhookID(s.Name, conn)
}

func (de *deliveryEnv) waitState(t *testing.T, id, state string) *response {
	t.Helper()
	deadline := time.Now().Add(time.Minute) // generous: a busy machine is slow, not wrong
	for {
		r := de.get("/v1/namespaces/acme/connections/crm/deliveries/"+id, acmeKey)
		if r.Status == 200 && r.str("state") == state {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery %s not %s: %s", id, state, r)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

func TestDeliveriesAPI(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			de := newDeliveryEnv(t, b.URL(t))
			must(t, de.post("/v1/namespaces/acme/connections?connectionId=crm", acmeKey, `{"url":"`+de.rcv.URL+`/hook"}`), 200)
			list := "/v1/namespaces/acme/connections/crm/deliveries"

			r := must(t, de.get(list, acmeKey), 200)
			if n := len(r.Body["deliveries"].([]any)); n != 0 {
				t.Fatalf("new connection lists %d deliveries", n)
			}
			must(t, de.get("/v1/namespaces/acme/connections/nope/deliveries", acmeKey), 404)
			must(t, de.get(list+"?filter=state%3DLOST", acmeKey), 400)
			must(t, de.get(list+"?filter=createTime>1", acmeKey), 400)
			must(t, de.get(list+"/msg_nope", acmeKey), 404)

			ok := de.deliver(t, "s1")
			d := de.waitState(t, ok, models.DeliveryDelivered)
			if d.str("webhookId") != ok || d.str("name") != "namespaces/acme/connections/crm/deliveries/"+ok {
				t.Errorf("delivery = %s", d.Raw)
			}

			de.status.Store(500)
			bad := de.deliver(t, "s2")
			de.waitState(t, bad, models.DeliveryFailed)
			r = must(t, de.get(list+`?filter=state%20%3D%20"FAILED"`, acmeKey), 200)
			if ds := r.Body["deliveries"].([]any); len(ds) != 1 || ds[0].(map[string]any)["webhookId"] != bad {
				t.Fatalf("dead letters: %s", r.Raw)
			}
			r = must(t, de.get(list+"?pageSize=1", acmeKey), 200)
			if len(r.Body["deliveries"].([]any)) != 1 || r.str("nextPageToken") == "" {
				t.Fatalf("first page: %s", r.Raw)
			}
			r2 := must(t, de.get(list+"?pageSize=1&pageToken="+r.str("nextPageToken"), acmeKey), 200)
			if len(r2.Body["deliveries"].([]any)) != 1 {
				t.Fatalf("second page: %s", r2.Raw)
			}
			must(t, de.get(list+"?filter=state%3DFAILED&pageToken="+r.str("nextPageToken"), acmeKey), 400)

			de.status.Store(200)
			r = must(t, de.post("/v1/namespaces/acme/connections/crm:redrive", acmeKey, `{"since":"2020-01-01T00:00:00Z"}`), 200)
			if r.Body["redrivenCount"] != float64(1) {
				t.Fatalf("redrive: %s", r.Raw)
			}
			d = de.waitState(t, bad, models.DeliveryDelivered)
			if d.Body["redriveCount"] != float64(1) || d.Body["attemptCount"] != float64(2) {
				t.Errorf("redriven delivery: %s", d.Raw)
			}
			must(t, de.post("/v1/namespaces/acme/connections/crm:redrive", acmeKey, nil), 200)

			r = must(t, de.post(list+"/"+ok+":retry", acmeKey, nil), 200)
			if r.str("state") != models.DeliveryPending && r.str("state") != models.DeliveryDelivered {
				t.Errorf("retry: %s", r.Raw)
			}
			must(t, de.post(list+"/msg_nope:retry", acmeKey, nil), 404)

			r = must(t, de.post("/v1/namespaces/acme/connections/crm:test", acmeKey, nil), 200)
			if r.Body["success"] != true || r.Body["statusCode"] != float64(200) || r.str("challenge") == "" {
				t.Errorf("test: %s", r.Raw)
			}
			de.status.Store(503)
			r = must(t, de.post("/v1/namespaces/acme/connections/crm:test", acmeKey, nil), 200)
			if r.Body["success"] != false || r.Body["statusCode"] != float64(503) {
				t.Errorf("test of a failing receiver: %s", r.Raw)
			}
			must(t, de.post("/v1/namespaces/acme/connections/nope:test", acmeKey, nil), 404)

			before := must(t, de.get("/v1/namespaces/acme/connections/crm", acmeKey), 200).str("secret")
			r = must(t, de.post("/v1/namespaces/acme/connections/crm:rotateSecret", acmeKey, nil), 200)
			prev, _ := r.Body["previousSecrets"].([]any)
			if r.str("secret") == before || !strings.HasPrefix(r.str("secret"), "whsec_") || len(prev) != 1 || prev[0].(map[string]any)["secret"] != before {
				t.Errorf("rotate: %s", r.Raw)
			}
		})
	}
}
