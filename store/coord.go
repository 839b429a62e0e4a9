package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

func keyRate(k string) string { return Prefix + "rate:" + k }
func keyLock(k string) string { return Prefix + "lock:" + k }

// BlockedUntil implements sources.RateState on Redis, so a rate limit one
// process hits holds back every process.
func (s *Store) BlockedUntil(ctx context.Context, key string) (time.Time, error) {
	v, err := s.rdb.Get(ctx, keyRate(key)).Int64()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: read rate state: %w", err)
	}
	t := time.UnixMilli(v)
	if !t.After(s.now()) {
		return time.Time{}, nil
	}
	return t, nil
}

// extendScript sets KEYS[1] to ARGV[1] (a unix ms time) unless it already
// holds a later time, expiring it at that time.
var extendScript = redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local v = tonumber(ARGV[1])
if v > cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1`)

// Block implements sources.RateState.
func (s *Store) Block(ctx context.Context, key string, until time.Time) error {
	ttl := until.Sub(s.now())
	if ttl <= 0 {
		return nil
	}
	ms := ttl.Milliseconds() + 1
	if err := extendScript.Run(ctx, s.rdb, []string{keyRate(key)}, strconv.FormatInt(until.UnixMilli(), 10), ms).Err(); err != nil {
		return fmt.Errorf("store: write rate state: %w", err)
	}
	return nil
}

var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// TryLock takes a lock shared by every process for at most ttl. It reports
// false when another holder has it. The returned func releases it (only if
// still ours).
func (s *Store) TryLock(ctx context.Context, name string, ttl time.Duration) (func(), bool, error) {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	ok, err := s.rdb.SetNX(ctx, keyLock(name), token, ttl).Result()
	if err != nil {
		return nil, false, fmt.Errorf("store: take lock %s: %w", name, err)
	}
	if !ok {
		return nil, false, nil
	}
	release := func() {
		// A fresh context: the caller's may be cancelled by now, and a lock
		// left behind would hold back the next tick until its TTL.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = unlockScript.Run(ctx, s.rdb, []string{keyLock(name)}, token).Err()
	}
	return release, true, nil
}

// Add implements sources.Counter on Redis: INCRBY, with the expiry set
// when the count is new, in one script so that every process counts
// together.
func (s *Store) Add(ctx context.Context, key string, n int64, expire time.Time) (int64, error) {
	v, err := addScript.Run(ctx, s.rdb, []string{keyCount(key)}, n, expire.UnixMilli()).Int64()
	if err != nil {
		return 0, fmt.Errorf("store: add to count: %w", err)
	}
	return v, nil
}

func keyCount(k string) string { return Prefix + "count:" + k }

var addScript = redis.NewScript(`
local v = redis.call("INCRBY", KEYS[1], ARGV[1])
if redis.call("PTTL", KEYS[1]) < 0 then
	redis.call("PEXPIREAT", KEYS[1], ARGV[2])
end
return v
`)
