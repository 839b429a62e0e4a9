package notify

import (
	"context"
	"sync"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// connCache keeps the connections this process delivers to, so an attempt
// does not read its connection from Redis each time. Every attempt reads
// the resource version in the round trip it makes anyway; an entry older
// than that version is read again, so an edit (a new secret, a disable)
// applies from the next attempt on, in every process.
type connCache struct {
	store *store.Store
	cfg   Config
	kinds *Channels
	mu    sync.RWMutex
	m     map[string]*connEntry
}

type connEntry struct {
	conn    *models.Connection
	version int64
	policy  Policy
}

func newConnCache(st *store.Store, cfg Config, kinds *Channels) *connCache {
	return &connCache{store: st, cfg: cfg, kinds: kinds, m: make(map[string]*connEntry)}
}

// get returns a connection read at version minVersion or later.
func (c *connCache) get(ctx context.Context, ns, id string, minVersion int64) (*connEntry, error) {
	key := ns + "/" + id
	c.mu.RLock()
	e := c.m[key]
	c.mu.RUnlock()
	if e != nil && e.version >= minVersion {
		return e, nil
	}
	conn, version, err := c.store.ConnectionAtVersion(ctx, ns, id)
	if err != nil {
		if e != nil {
			c.forget(ns, id)
		}
		return nil, err
	}
	e = &connEntry{conn: conn, version: version, policy: c.cfg.PolicyOf(conn, c.kinds.ForConnection(conn.Type))}
	c.mu.Lock()
	c.m[key] = e
	c.mu.Unlock()
	return e, nil
}

func (c *connCache) forget(ns, id string) {
	c.mu.Lock()
	delete(c.m, ns+"/"+id)
	c.mu.Unlock()
}

// secrets returns the secrets that sign a delivery now: the current one,
// then those replaced less than a day ago.
func (e *connEntry) secrets(now time.Time) []string {
	out := []string{e.conn.Secret}
	for _, p := range e.conn.PreviousSecrets {
		if p.ExpireTime.After(now) {
			out = append(out, p.Secret)
		}
	}
	return out
}
