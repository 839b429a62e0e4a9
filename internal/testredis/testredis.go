// Package testredis gives tests a Redis of their own: a real one when
// REDIS_URL is set (tests that need it are skipped otherwise), or an
// embedded one.
//
// Test packages run in parallel against the one CI Redis, so each test
// takes a whole logical database (1–15) for itself, flushed before and
// after, and marked taken with a lock key that expires if a test dies.
//
// REDIS_URL may also name a Redis Cluster (redis-cluster://host:port,…)
// or a Sentinel setup (redis-sentinel://host:port?master=NAME). A Sentinel
// primary has databases like one node. A Cluster has only database 0, so
// a test takes the whole Cluster (run such packages with -p 1), and every
// key but the lock is deleted before and after.
package testredis

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/redisconn"
	"github.com/earshothq/earshot/store"
)

// Real returns the URL of a freshly flushed database on the real Redis of
// REDIS_URL, or skips the test when REDIS_URL is unset.
func Real(t testing.TB) string {
	t.Helper()
	base := os.Getenv("REDIS_URL")
	if base == "" {
		t.Skip("REDIS_URL not set: real-Redis test skipped")
	}
	target, err := redisconn.Parse(base)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	if target.Kind() == redisconn.KindCluster {
		return wholeCluster(t, base, target)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	withDB := func(db int) string {
		c := *u
		if c.Scheme == redisconn.SchemeSentinel {
			q := c.Query()
			q.Set("db", strconv.Itoa(db))
			c.RawQuery = q.Encode()
		} else {
			c.Path = "/" + strconv.Itoa(db)
		}
		return c.String()
	}
	// The locks live in database 0, which no test uses for data.
	locks, err := redisconn.NewClient(withDB(0))
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	ctx := context.Background()
	token := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())
	deadline := time.Now().Add(5 * time.Minute)
	for {
		for db := 1; db <= 15; db++ {
			key := "earshot:testredis:db:" + strconv.Itoa(db)
			ok, err := locks.SetNX(ctx, key, token, 20*time.Minute).Result()
			if err != nil {
				locks.Close()
				t.Fatalf("redis at REDIS_URL: %v", err)
			}
			if !ok {
				continue
			}
			dbURL := withDB(db)
			rdb, _ := redisconn.NewClient(dbURL)
			if err := rdb.FlushDB(ctx).Err(); err != nil {
				t.Fatalf("flush test redis: %v", err)
			}
			t.Cleanup(func() {
				rdb.FlushDB(ctx)
				rdb.Close()
				locks.Del(ctx, key)
				locks.Close()
			})
			return dbURL
		}
		if time.Now().After(deadline) {
			locks.Close()
			t.Fatal("testredis: no free database on REDIS_URL")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// wholeCluster takes the Cluster of REDIS_URL for the test.
func wholeCluster(t testing.TB, base string, target redisconn.Target) string {
	t.Helper()
	rdb := target.NewClient()
	ctx := context.Background()
	const lock = "earshot:testredis:cluster"
	token := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())
	deadline := time.Now().Add(10 * time.Minute)
	for {
		ok, err := rdb.SetNX(ctx, lock, token, 20*time.Minute).Result()
		if err != nil {
			rdb.Close()
			t.Fatalf("redis cluster at REDIS_URL: %v", err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			rdb.Close()
			t.Fatal("testredis: the cluster of REDIS_URL stayed taken")
		}
		time.Sleep(200 * time.Millisecond)
	}
	wipe := func() {
		err := redisconn.ForEachPrimary(ctx, rdb, func(ctx context.Context, node *redis.Client) error {
			iter := node.Scan(ctx, 0, "*", 1000).Iterator()
			for iter.Next(ctx) {
				if k := iter.Val(); k != lock {
					if err := node.Del(ctx, k).Err(); err != nil {
						return err
					}
				}
			}
			return iter.Err()
		})
		if err != nil {
			t.Fatalf("clear test redis cluster: %v", err)
		}
	}
	wipe()
	t.Cleanup(func() {
		wipe()
		rdb.Del(ctx, lock)
		rdb.Close()
	})
	return base
}

// Embedded starts an embedded Redis for the test and returns its URL.
func Embedded(t testing.TB) string {
	t.Helper()
	e, err := store.StartEmbedded(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e.URL()
}

// Backend is one kind of Redis a test runs on.
type Backend struct {
	Name string
	URL  func(testing.TB) string
}

// Backends lists the embedded Redis and, when REDIS_URL is set, the real one.
func Backends() []Backend {
	return []Backend{{"embedded", Embedded}, {"redis", Real}}
}

// Sentinel returns REDIS_SENTINEL_URL (redis-sentinel://host:port?master=NAME),
// a Sentinel setup a test may fail over, with its database flushed; the
// test is skipped when it is unset. Only one test at a time should use it.
func Sentinel(t testing.TB) string {
	t.Helper()
	raw := os.Getenv("REDIS_SENTINEL_URL")
	if raw == "" {
		t.Skip("REDIS_SENTINEL_URL not set: Sentinel test skipped")
	}
	target, err := redisconn.Parse(raw)
	if err != nil || target.Kind() != redisconn.KindSentinel {
		t.Fatalf("REDIS_SENTINEL_URL: want a redis-sentinel:// URL (%v)", err)
	}
	rdb := target.NewClient()
	defer rdb.Close()
	if err := rdb.FlushDB(context.Background()).Err(); err != nil {
		t.Fatalf("flush sentinel redis: %v", err)
	}
	return raw
}

// Store returns a store on the Redis at url, closed when the test ends.
func Store(t testing.TB, url string) *store.Store {
	t.Helper()
	rdb, err := redisconn.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return store.New(rdb)
}
