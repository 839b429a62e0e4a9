package notify_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
)

// TestSentinelFailoverLosesNoDelivery streams deliveries through a
// Sentinel-guarded Redis and fails the primary over halfway: every Scan
// and delivery whose write returned without an error reaches the
// receiver. Writes the failover interrupts fail, and are made again, as
// the poller does when a read's Scans cannot be enqueued.
func TestSentinelFailoverLosesNoDelivery(t *testing.T) {
	sentinelURL := testredis.Sentinel(t)
	u, _ := url.Parse(sentinelURL)
	master := u.Query().Get("master")
	sentinel := redis.NewSentinelClient(&redis.Options{Addr: strings.Split(u.Host, ",")[0]})
	defer sentinel.Close()
	ctx := context.Background()
	primary := func() string {
		a, err := sentinel.GetMasterAddrByName(ctx, master).Result()
		if err != nil {
			t.Fatalf("sentinel: %v", err)
		}
		return net.JoinHostPort(a[0], a[1])
	}
	before := primary()

	h := newHarness(t, sentinelURL, notify.Config{RetrySchedule: durations(200*time.Millisecond, 500*time.Millisecond, time.Second, 2*time.Second)}, likeServer(1))
	rcv := newReceiver(t)
	// The connection's rate limit is out of the way: the stream is faster
	// than the default, and what is measured is the failover.
	conn := h.connection("crm", rcv.URL, func(c *models.Connection) { c.RateLimit = 100000 })

	// Each Scan is stored and its delivery enqueued until both succeed:
	// only then is it acknowledged.
	const total = 60
	var mu sync.Mutex
	var acked []string
	retried := 0
	enqueue := func(i int) {
		id := fmt.Sprintf("f%03d", i)
		name := models.ScanName(ns, "leads", id)
		scan := &models.Scan{Name: name, CreateTime: time.Now().UTC(),
			Post: models.Post{Type: models.PostRedditLink, Time: models.NewTimestamp(time.Now()), ID: "t3_" + id, Title: "Looking for a social listening tool",
				Text: "any recommendations?", URL: "https://www.reddit.com/r/marketing/comments/" + id,
				User: models.User{ID: "t2_u", Name: "u", URL: "https://www.reddit.com/user/u"}}}
		deadline := time.Now().Add(60 * time.Second)
		for {
			_, err := h.store.CreateScan(ctx, ns, "leads", id, scan, time.Hour)
			if err == nil {
				err = h.svc.Enqueuer().Enqueue(ctx, models.EventScan, name, conn)
			}
			if err == nil {
				break
			}
			mu.Lock()
			retried++
			mu.Unlock()
			if time.Now().After(deadline) {
				t.Errorf("scan %s: still failing after 60s: %v", id, err)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		mu.Lock()
		acked = append(acked, notify.WebhookID(name, conn))
		mu.Unlock()
	}
	// Half the stream before the failover; then the stream goes on while
	// the sentinel promotes the replica, and for as long again after the
	// clients see the new primary.
	n := 0
	for ; n < total/2; n++ {
		enqueue(n)
		time.Sleep(20 * time.Millisecond)
	}
	if err := sentinel.Failover(ctx, master).Err(); err != nil {
		t.Fatalf("sentinel failover: %v", err)
	}
	switched := time.Now().Add(30 * time.Second)
	for primary() == before {
		if time.Now().After(switched) {
			t.Fatalf("the primary is still %s 30s after SENTINEL FAILOVER", before)
		}
		enqueue(n)
		n++
		time.Sleep(20 * time.Millisecond)
	}
	during := n - total/2
	for end := n + total/2; n < end; n++ {
		enqueue(n)
		time.Sleep(20 * time.Millisecond)
	}

	deadline := time.Now().Add(3 * time.Minute)
	for {
		var missing []string
		for _, id := range acked {
			ok := false
			for _, g := range rcv.requestsFor(id) {
				ok = ok || g.status == 200
			}
			if !ok {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, id := range missing {
				d, err := h.svc.GetDelivery(ctx, ns, "crm", id)
				if err != nil {
					t.Logf("%s: %v", id, err)
					continue
				}
				t.Logf("%s: %s after %d attempts (%q) %+v", id, d.State, d.AttemptCount, d.LastError, d.Attempts)
			}
			t.Fatalf("%d of %d acknowledged deliveries never reached the receiver (%d requests in all)", len(missing), len(acked), len(rcv.requests()))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(acked) != n {
		t.Fatalf("%d of %d scans acknowledged", len(acked), n)
	}
	t.Logf("failover %s → %s; %d deliveries (%d while it switched), all delivered; %d writes refused and made again", before, primary(), n, during, retried)
}
