package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// A Lease is a lock held for as long as its holder renews it: the reader
// of a stream holds one, and when it dies the lease lapses within its TTL
// and another process takes over. It shares its keys with TryLock, so a
// lease and a lock of one name exclude each other.
type Lease struct {
	s     *Store
	key   string
	token string
	ttl   time.Duration
}

var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)

// TakeLease takes the lease of name for ttl. It reports false when
// another holder has it.
func (s *Store) TakeLease(ctx context.Context, name string, ttl time.Duration) (*Lease, bool, error) {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	l := &Lease{s: s, key: keyLock(name), token: hex.EncodeToString(b), ttl: ttl}
	ok, err := s.rdb.SetNX(ctx, l.key, l.token, ttl).Result()
	if err != nil {
		return nil, false, fmt.Errorf("store: take lease %s: %w", name, err)
	}
	if !ok {
		return nil, false, nil
	}
	return l, true, nil
}

// Renew extends the lease by its TTL; false means it lapsed and another
// process may hold it now.
func (l *Lease) Renew(ctx context.Context) (bool, error) {
	n, err := renewScript.Run(ctx, l.s.rdb, []string{l.key}, l.token, l.ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("store: renew lease: %w", err)
	}
	return n == 1, nil
}

// Release gives the lease up, if it is still held (ctx may be cancelled
// already: the release is made regardless).
func (l *Lease) Release(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = unlockScript.Run(ctx, l.s.rdb, []string{l.key}, l.token).Err()
}
