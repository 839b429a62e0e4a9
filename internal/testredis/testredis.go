// Package testredis gives tests a Redis of their own: a real one when
// REDIS_URL is set (tests that need it are skipped otherwise), or an
// embedded one.
//
// Test packages run in parallel against the one CI Redis, so each test
// takes a whole logical database (1–15) for itself, flushed before and
// after, and marked taken with a lock key that expires if a test dies.
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
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	u.Path = "/0"
	opts, err := redis.ParseURL(u.String())
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	// The locks live in database 0, which no test uses for data.
	locks := redis.NewClient(opts)
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
			u.Path = "/" + strconv.Itoa(db)
			dopts, _ := redis.ParseURL(u.String())
			rdb := redis.NewClient(dopts)
			if err := rdb.FlushDB(ctx).Err(); err != nil {
				t.Fatalf("flush test redis: %v", err)
			}
			t.Cleanup(func() {
				rdb.FlushDB(ctx)
				rdb.Close()
				locks.Del(ctx, key)
				locks.Close()
			})
			return u.String()
		}
		if time.Now().After(deadline) {
			locks.Close()
			t.Fatal("testredis: no free database on REDIS_URL")
		}
		time.Sleep(200 * time.Millisecond)
	}
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

// Store returns a store on the Redis at url, closed when the test ends.
func Store(t testing.TB, url string) *store.Store {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	return store.New(rdb)
}
