package matcher

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// kv is the small cache the site profiles and LLM answers live in: Redis
// when there is one, so every process shares them, or process memory.
type kv interface {
	get(ctx context.Context, key string) (string, bool, error)
	set(ctx context.Context, key, value string, ttl time.Duration) error
	// incr adds one to a counter that expires ttl after its creation.
	incr(ctx context.Context, key string, ttl time.Duration) (int64, error)
}

type redisKV struct{ rdb redis.UniversalClient }

func (r redisKV) get(ctx context.Context, key string) (string, bool, error) {
	v, err := r.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return v, true, nil
}

func (r redisKV) set(ctx context.Context, key, value string, ttl time.Duration) error {
	return r.rdb.Set(ctx, key, value, ttl).Err()
}

func (r redisKV) incr(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	pipe := r.rdb.TxPipeline()
	n := pipe.Incr(ctx, key)
	pipe.ExpireNX(ctx, key, ttl)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, err
	}
	return n.Val(), nil
}

// memKV is the in-process fallback, for `earshot match` and tests.
type memKV struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]memEntry
}

type memEntry struct {
	v       string
	n       int64
	expires time.Time
}

func newMemKV(now func() time.Time) *memKV { return &memKV{now: now, m: map[string]memEntry{}} }

func (k *memKV) live(key string) (memEntry, bool) {
	e, ok := k.m[key]
	if ok && !e.expires.IsZero() && !k.now().Before(e.expires) {
		delete(k.m, key)
		return memEntry{}, false
	}
	return e, ok
}

func (k *memKV) get(_ context.Context, key string) (string, bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.live(key)
	return e.v, ok, nil
}

func (k *memKV) set(_ context.Context, key, value string, ttl time.Duration) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.m) > 100_000 { // a cache, not a store: forget rather than grow without bound
		clear(k.m)
	}
	e := memEntry{v: value}
	if ttl > 0 {
		e.expires = k.now().Add(ttl)
	}
	k.m[key] = e
	return nil
}

func (k *memKV) incr(_ context.Context, key string, ttl time.Duration) (int64, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.live(key)
	if !ok {
		e = memEntry{expires: k.now().Add(ttl)}
	}
	e.n++
	k.m[key] = e
	return e.n, nil
}
