package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/models"
)

// The API's writes are checked and written in one optimistic transaction
// (WATCH, read, check, MULTI/EXEC): two concurrent PATCHes with the same
// etag cannot both win, a connection cannot be deleted while a manager is
// being created that names it, and nothing is half-written when a check
// fails.

// Precondition failures of the API's writes.
var (
	ErrAlreadyExists = errors.New("store: already exists")
	ErrEtagMismatch  = errors.New("store: etag does not match the stored resource")
	ErrNoNamespace   = errors.New("store: namespace not found")
	// ErrContention is returned when a write lost the race against other
	// writes of the same namespace too often in a row.
	ErrContention = errors.New("store: too many concurrent writes; try again")
)

// InUseError is returned when a connection to be deleted is still named by
// managers' notices.
type InUseError struct {
	Connection string   // its resource name
	Managers   []string // resource names of the managers that name it
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("store: connection %s is used by %s", e.Connection, strings.Join(e.Managers, ", "))
}

// maxTxAttempts bounds the retries of an optimistic transaction that keeps
// losing to other writers.
const maxTxAttempts = 16

// optimistic runs fn in a WATCH transaction on keys, again while another
// client changes a watched key before fn's EXEC.
func (s *Store) optimistic(ctx context.Context, fn func(tx *redis.Tx) error, keys ...string) error {
	for range maxTxAttempts {
		err := s.rdb.Watch(ctx, fn, keys...)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		return err
	}
	return ErrContention
}

// etagMatches reports whether a caller's etag (empty: no condition) allows
// writing over the stored one.
func etagMatches(want, stored string) bool { return want == "" || want == stored }

func txGet[T any](ctx context.Context, tx *redis.Tx, key, field string) (*T, error) {
	b, err := tx.HGet(ctx, key, field).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read %s: %w", key, err)
	}
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("store: decode %s/%s: %w", key, field, err)
	}
	return v, nil
}

func txNamespaceExists(ctx context.Context, tx *redis.Tx, ns string) error {
	ok, err := tx.HExists(ctx, keyNamespaces(), ns).Result()
	if err != nil {
		return fmt.Errorf("store: read namespaces: %w", err)
	}
	if !ok {
		return ErrNoNamespace
	}
	return nil
}

// CreateNamespace creates a namespace; ErrAlreadyExists if it exists.
func (s *Store) CreateNamespace(ctx context.Context, n *models.Namespace) error {
	return s.optimistic(ctx, func(tx *redis.Tx) error {
		ok, err := tx.HExists(ctx, keyNamespaces(), n.ID).Result()
		if err != nil {
			return fmt.Errorf("store: read namespaces: %w", err)
		}
		if ok {
			return ErrAlreadyExists
		}
		n.Name = models.NamespaceName(n.ID)
		stamp(&n.Meta, nil, s.now(), n.ID)
		b, _ := json.Marshal(storedNamespace{*n, n.ID})
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, keyNamespaces(), n.ID, b)
			p.Incr(ctx, keyVersion())
			return nil
		})
		return err
	}, keyNamespaces())
}

// DeleteNamespaceIf deletes a namespace with its connections (and their
// deliveries), managers, cursors, scans and API keys, if its etag is
// ifEtag (or ifEtag is "").
//
// The resources go in one transaction; the deliveries and scans, which
// live apart from them (see keys.go), are removed after it.
func (s *Store) DeleteNamespaceIf(ctx context.Context, id, ifEtag string) error {
	var managers, conns []string
	err := s.optimistic(ctx, func(tx *redis.Tx) error {
		cur, err := txGet[storedNamespace](ctx, tx, keyNamespaces(), id)
		if err != nil {
			return err
		}
		if !etagMatches(ifEtag, cur.Etag) {
			return ErrEtagMismatch
		}
		managers, err = tx.HKeys(ctx, keyManagers(id)).Result()
		if err != nil {
			return fmt.Errorf("store: read managers: %w", err)
		}
		if conns, err = tx.HKeys(ctx, keyConnections(id)).Result(); err != nil {
			return fmt.Errorf("store: read connections: %w", err)
		}
		keys, err := tx.HGetAll(ctx, keyAPIKeys()).Result()
		if err != nil {
			return fmt.Errorf("store: read api keys: %w", err)
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HDel(ctx, keyNamespaces(), id)
			p.Del(ctx, keyConnections(id), keyManagers(id))
			for _, m := range managers {
				p.Del(ctx, keyCursor(id, m))
				forgetManagerStatus(ctx, p, id, m)
			}
			for h, raw := range keys {
				var k APIKey
				if json.Unmarshal([]byte(raw), &k) == nil && k.Namespace == id {
					p.HDel(ctx, keyAPIKeys(), h)
				}
			}
			p.Incr(ctx, keyVersion())
			return nil
		})
		return err
	}, keyNamespaces(), keyManagers(id), keyConnections(id), keyAPIKeys())
	if err != nil {
		return err
	}
	for _, c := range conns {
		if err := s.purgeConnection(ctx, id, c); err != nil {
			return err
		}
	}
	if err := s.purgeNamespaceEvents(ctx, id); err != nil {
		return err
	}
	members, err := s.rdb.ZRange(ctx, keyScansByNamespace(id), 0, -1).Result()
	if err != nil {
		return fmt.Errorf("store: read scans: %w", err)
	}
	scanKeys := make([]string, 0, len(members))
	for _, m := range members {
		if mgr, sid, ok := strings.Cut(m, "/"); ok {
			scanKeys = append(scanKeys, keyScan(id, mgr, sid))
		}
	}
	// The indexes first: once they are gone the scans are unreachable,
	// and what is left expires with its retention.
	pipe := s.rdb.Pipeline()
	pipe.Del(ctx, keyScansByNamespace(id))
	for _, m := range managers {
		pipe.Del(ctx, keyScansByManager(id, m))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: delete scan indexes: %w", err)
	}
	return s.deleteKeys(ctx, scanKeys)
}

// deleteKeys deletes keys in chunks; on a Cluster go-redis sends each
// key's DEL to its own node.
func (s *Store) deleteKeys(ctx context.Context, keys []string) error {
	for chunk := range slices.Chunk(keys, 500) {
		pipe := s.rdb.Pipeline()
		for _, k := range chunk {
			pipe.Del(ctx, k)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return fmt.Errorf("store: delete scans: %w", err)
		}
	}
	return nil
}

// CreateConnection creates a connection, with a new signing secret when it
// has none. ErrNoNamespace, ErrAlreadyExists.
func (s *Store) CreateConnection(ctx context.Context, ns string, c *models.Connection) error {
	return s.optimistic(ctx, func(tx *redis.Tx) error {
		if err := txNamespaceExists(ctx, tx, ns); err != nil {
			return err
		}
		ok, err := tx.HExists(ctx, keyConnections(ns), c.ID).Result()
		if err != nil {
			return fmt.Errorf("store: read connections: %w", err)
		}
		if ok {
			return ErrAlreadyExists
		}
		return s.txWriteConnection(ctx, tx, ns, c, nil)
	}, keyNamespaces(), keyConnections(ns))
}

// txWriteConnection writes a connection as PutConnection does (prev is
// the stored version, nil for a new one), inside tx.
func (s *Store) txWriteConnection(ctx context.Context, tx *redis.Tx, ns string, c *models.Connection, prev *models.Connection) error {
	if c.Secret == "" {
		c.Secret = models.NewSecret()
	}
	var pm *models.Meta
	if prev != nil {
		pm = &prev.Meta
	}
	carryConnectionState(c, prev, s.now())
	c.Name = models.ConnectionName(ns, c.ID)
	stamp(&c.Meta, pm, s.now(), c)
	b, _ := json.Marshal(storedConnection{*c, c.ID})
	_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, keyConnections(ns), c.ID, b)
		p.Incr(ctx, keyVersion())
		return nil
	})
	return err
}

// UpdateConnection changes a connection with apply, if its etag is ifEtag
// (or ifEtag is ""). apply gets a copy of the stored connection; its error
// aborts the update. A connection left without a secret keeps its old one.
func (s *Store) UpdateConnection(ctx context.Context, ns, id, ifEtag string, apply func(*models.Connection) error) (*models.Connection, error) {
	var out *models.Connection
	err := s.optimistic(ctx, func(tx *redis.Tx) error {
		cur, err := txGet[storedConnection](ctx, tx, keyConnections(ns), id)
		if err != nil {
			return err
		}
		if !etagMatches(ifEtag, cur.Etag) {
			return ErrEtagMismatch
		}
		prev := cur.Connection
		prev.ID = id
		c := cur.Connection
		c.ID = id
		if err := apply(&c); err != nil {
			return err
		}
		c.ID = id
		if c.Secret == "" {
			c.Secret = prev.Secret
		}
		if err := s.txWriteConnection(ctx, tx, ns, &c, &prev); err != nil {
			return err
		}
		out = &c
		return nil
	}, keyConnections(ns))
	return out, err
}

// DeleteConnectionIf deletes a connection and its deliveries if its etag
// is ifEtag (or ifEtag is "") and no manager names it (*InUseError
// otherwise).
func (s *Store) DeleteConnectionIf(ctx context.Context, ns, id, ifEtag string) error {
	err := s.optimistic(ctx, func(tx *redis.Tx) error {
		cur, err := txGet[storedConnection](ctx, tx, keyConnections(ns), id)
		if err != nil {
			return err
		}
		if !etagMatches(ifEtag, cur.Etag) {
			return ErrEtagMismatch
		}
		all, err := tx.HGetAll(ctx, keyManagers(ns)).Result()
		if err != nil {
			return fmt.Errorf("store: read managers: %w", err)
		}
		name := models.ConnectionName(ns, id)
		var users []string
		for _, raw := range all {
			var m storedManager
			if err := json.Unmarshal([]byte(raw), &m); err != nil {
				return fmt.Errorf("store: decode manager: %w", err)
			}
			if slices.ContainsFunc(m.Notices, func(n models.Notice) bool { return n.Connection == name }) {
				users = append(users, models.ManagerName(ns, m.ID))
			}
		}
		if len(users) > 0 {
			slices.Sort(users)
			return &InUseError{Connection: name, Managers: users}
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HDel(ctx, keyConnections(ns), id)
			p.Incr(ctx, keyVersion())
			return nil
		})
		return err
	}, keyConnections(ns), keyManagers(ns))
	if err != nil {
		return err
	}
	return s.purgeConnection(ctx, ns, id)
}

// ManagerCheck vets a manager about to be written, inside the write's
// transaction; connectionExists answers for the namespace's connections as
// they are in that transaction. Its error aborts the write.
type ManagerCheck func(m *models.Manager, connectionExists func(id string) bool) error

func txConnectionIDs(ctx context.Context, tx *redis.Tx, ns string) (func(string) bool, error) {
	ids, err := tx.HKeys(ctx, keyConnections(ns)).Result()
	if err != nil {
		return nil, fmt.Errorf("store: read connections: %w", err)
	}
	return func(id string) bool { return slices.Contains(ids, id) }, nil
}

// CreateManager creates a manager after check accepts it. ErrNoNamespace,
// ErrAlreadyExists, or check's error.
func (s *Store) CreateManager(ctx context.Context, ns string, m *models.Manager, check ManagerCheck) error {
	return s.optimistic(ctx, func(tx *redis.Tx) error {
		if err := txNamespaceExists(ctx, tx, ns); err != nil {
			return err
		}
		ok, err := tx.HExists(ctx, keyManagers(ns), m.ID).Result()
		if err != nil {
			return fmt.Errorf("store: read managers: %w", err)
		}
		if ok {
			return ErrAlreadyExists
		}
		exists, err := txConnectionIDs(ctx, tx, ns)
		if err != nil {
			return err
		}
		if err := check(m, exists); err != nil {
			return err
		}
		return s.txWriteManager(ctx, tx, ns, m, nil)
	}, keyNamespaces(), keyConnections(ns), keyManagers(ns))
}

func (s *Store) txWriteManager(ctx context.Context, tx *redis.Tx, ns string, m *models.Manager, prev *models.Meta) error {
	m.Status = nil // kept apart (see ManagerStatus)
	m.Name = models.ManagerName(ns, m.ID)
	stamp(&m.Meta, prev, s.now(), m)
	b, _ := json.Marshal(storedManager{*m, m.ID})
	_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, keyManagers(ns), m.ID, b)
		p.Incr(ctx, keyVersion())
		return nil
	})
	return err
}

// UpdateManager changes a manager with apply, if its etag is ifEtag (or
// ifEtag is ""). apply gets a copy of the stored manager and vets the
// result; its error aborts the update.
func (s *Store) UpdateManager(ctx context.Context, ns, id, ifEtag string, apply ManagerCheck) (*models.Manager, error) {
	var out *models.Manager
	err := s.optimistic(ctx, func(tx *redis.Tx) error {
		cur, err := txGet[storedManager](ctx, tx, keyManagers(ns), id)
		if err != nil {
			return err
		}
		if !etagMatches(ifEtag, cur.Etag) {
			return ErrEtagMismatch
		}
		exists, err := txConnectionIDs(ctx, tx, ns)
		if err != nil {
			return err
		}
		prevMeta := cur.Meta
		m := cur.Manager
		m.ID = id
		if err := apply(&m, exists); err != nil {
			return err
		}
		m.ID = id
		if err := s.txWriteManager(ctx, tx, ns, &m, &prevMeta); err != nil {
			return err
		}
		out = &m
		return nil
	}, keyConnections(ns), keyManagers(ns))
	return out, err
}

// DeleteManagerIf deletes a manager, its cursor and its scans, if its etag
// is ifEtag (or ifEtag is ""). The manager and its cursor go in one
// transaction, its scans after it (see keys.go).
func (s *Store) DeleteManagerIf(ctx context.Context, ns, id, ifEtag string) error {
	err := s.optimistic(ctx, func(tx *redis.Tx) error {
		cur, err := txGet[storedManager](ctx, tx, keyManagers(ns), id)
		if err != nil {
			return err
		}
		if !etagMatches(ifEtag, cur.Etag) {
			return ErrEtagMismatch
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HDel(ctx, keyManagers(ns), id)
			p.Del(ctx, keyCursor(ns, id))
			forgetManagerStatus(ctx, p, ns, id)
			p.Incr(ctx, keyVersion())
			return nil
		})
		return err
	}, keyManagers(ns))
	if err != nil {
		return err
	}
	scans, err := s.rdb.ZRange(ctx, keyScansByManager(ns, id), 0, -1).Result()
	if err != nil {
		return fmt.Errorf("store: read scans: %w", err)
	}
	for chunk := range slices.Chunk(scans, 500) {
		members := make([]any, len(chunk))
		for i, sid := range chunk {
			members[i] = id + "/" + sid
		}
		if err := s.rdb.ZRem(ctx, keyScansByNamespace(ns), members...).Err(); err != nil {
			return fmt.Errorf("store: delete scan index entries: %w", err)
		}
	}
	if err := s.rdb.Del(ctx, keyScansByManager(ns, id)).Err(); err != nil {
		return fmt.Errorf("store: delete scan index: %w", err)
	}
	keys := make([]string, len(scans))
	for i, sid := range scans {
		keys[i] = keyScan(ns, id, sid)
	}
	return s.deleteKeys(ctx, keys)
}
