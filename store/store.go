package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/models"
)

// ErrNotFound is returned when a resource does not exist.
var ErrNotFound = errors.New("store: not found")

// Prefix starts every key Earshot writes, so it can share a Redis.
const Prefix = "earshot:"

// Store is Earshot's state in Redis.
type Store struct {
	rdb   redis.UniversalClient
	now   func() time.Time
	trims trimmer // when each index was last trimmed by this process
	// batch pipelines the delivery path's commands of concurrent callers
	// together (see batcher).
	batch *batcher
}

// New returns a Store on rdb.
func New(rdb redis.UniversalClient) *Store {
	return &Store{rdb: rdb, now: time.Now, batch: &batcher{rdb: rdb}}
}

// Redis returns the underlying client.
func (s *Store) Redis() redis.UniversalClient { return s.rdb }

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("store: ping redis: %w", err)
	}
	return nil
}

// The resources (namespaces, connections, managers, API keys, config
// hashes, cursors and the version counter) are written together in
// transactions, so they share one hash tag: on a Redis Cluster they live
// in one slot. They are small; the bulk (scans, deliveries) is spread by
// its own tags. See keys.go.
func keyNamespaces() string                 { return resourceKey("namespaces") }
func keyConnections(ns string) string       { return resourceKey("ns:" + ns + ":connections") }
func keyManagers(ns string) string          { return resourceKey("ns:" + ns + ":managers") }
func keyVersion() string                    { return resourceKey("version") }
func keyConfigHash() string                 { return resourceKey("config:hashes") }
func keyCursor(ns, m string) string         { return resourceKey("cursor:" + ns + ":" + m) }
func keyScan(ns, m, id string) string       { return Prefix + "scan:" + ns + ":" + m + ":" + id }
func keyScansByManager(ns, m string) string { return Prefix + "scans:" + ns + ":" + m }
func keyScansByNamespace(ns string) string  { return Prefix + "scans:" + ns }

// etag is a short digest of a resource's content.
func etag(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// stamp sets a resource's times and etag before it is written. prev is the
// stored version, if any.
func stamp(meta *models.Meta, prev *models.Meta, now time.Time, content any) {
	meta.UpdateTime = now.UTC()
	if prev != nil && !prev.CreateTime.IsZero() {
		meta.CreateTime = prev.CreateTime
	} else {
		meta.CreateTime = now.UTC()
	}
	meta.Etag = ""
	meta.Etag = etag(content)
}

// Version returns a counter that changes whenever a connection or manager
// changes, so schedulers in every process notice edits without a restart.
func (s *Store) Version(ctx context.Context) (int64, error) {
	v, err := s.rdb.Get(ctx, keyVersion()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: read version: %w", err)
	}
	return v, nil
}

func hget[T any](ctx context.Context, rdb redis.UniversalClient, key, field string) (*T, error) {
	b, err := rdb.HGet(ctx, key, field).Bytes()
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

func hall[T any](ctx context.Context, rdb redis.UniversalClient, key string) ([]*T, error) {
	m, err := rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("store: read %s: %w", key, err)
	}
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]*T, 0, len(ids))
	for _, id := range ids {
		v := new(T)
		if err := json.Unmarshal([]byte(m[id]), v); err != nil {
			return nil, fmt.Errorf("store: decode %s/%s: %w", key, id, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// storedNamespace is a Namespace with its id, which the API form omits.
type storedNamespace struct {
	models.Namespace
	ID string `json:"id"`
}

type storedConnection struct {
	models.Connection
	ID string `json:"id"`
}

// MarshalJSON writes the connection with its id: the embedded
// Connection's own MarshalJSON would otherwise be promoted, and drop it.
func (s storedConnection) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(s.Connection)
	if err != nil {
		return nil, err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, err
	}
	obj["id"], _ = json.Marshal(s.ID)
	return json.Marshal(obj)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *storedConnection) UnmarshalJSON(b []byte) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	if id, ok := obj["id"]; ok {
		if err := json.Unmarshal(id, &s.ID); err != nil {
			return err
		}
		delete(obj, "id")
	}
	rest, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return json.Unmarshal(rest, &s.Connection)
}

type storedManager struct {
	models.Manager
	ID string `json:"id"`
}

// PutNamespace creates or updates a namespace.
func (s *Store) PutNamespace(ctx context.Context, n *models.Namespace) error {
	prev, err := s.GetNamespace(ctx, n.ID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	n.Name = models.NamespaceName(n.ID)
	var pm *models.Meta
	if prev != nil {
		pm = &prev.Meta
	}
	stamp(&n.Meta, pm, s.now(), n.ID)
	b, _ := json.Marshal(storedNamespace{*n, n.ID})
	return s.rdb.HSet(ctx, keyNamespaces(), n.ID, b).Err()
}

// GetNamespace returns one namespace.
func (s *Store) GetNamespace(ctx context.Context, id string) (*models.Namespace, error) {
	v, err := hget[storedNamespace](ctx, s.rdb, keyNamespaces(), id)
	if err != nil {
		return nil, err
	}
	v.Namespace.ID = v.ID
	return &v.Namespace, nil
}

// ListNamespaces returns every namespace, by id.
func (s *Store) ListNamespaces(ctx context.Context) ([]*models.Namespace, error) {
	vs, err := hall[storedNamespace](ctx, s.rdb, keyNamespaces())
	if err != nil {
		return nil, err
	}
	out := make([]*models.Namespace, len(vs))
	for i, v := range vs {
		v.Namespace.ID = v.ID
		out[i] = &v.Namespace
	}
	return out, nil
}

// PutConnection creates or replaces a connection, as the configuration
// file declares it. A connection written without a secret keeps its stored
// one, or gets a new one. It is read and written in one optimistic
// transaction, like UpdateConnection, so the state carried over from the
// stored version (previous secrets, disable time) is never a stale one.
// It creates what is missing: anything that changes a connection that may
// have been deleted meanwhile uses UpdateConnection instead.
func (s *Store) PutConnection(ctx context.Context, ns string, c *models.Connection) error {
	want := *c // each attempt starts from what the caller asked for
	err := s.optimistic(ctx, func(tx *redis.Tx) error {
		*c = want
		cur, err := txGet[storedConnection](ctx, tx, keyConnections(ns), c.ID)
		if errors.Is(err, ErrNotFound) {
			return s.txWriteConnection(ctx, tx, ns, c, nil)
		}
		if err != nil {
			return err
		}
		prev := cur.Connection
		prev.ID = c.ID
		if c.Secret == "" {
			c.Secret = prev.Secret
		}
		return s.txWriteConnection(ctx, tx, ns, c, &prev)
	}, keyConnections(ns))
	if err != nil {
		return fmt.Errorf("store: write connection %s: %w", models.ConnectionName(ns, c.ID), err)
	}
	return nil
}

// GetConnection returns one connection.
func (s *Store) GetConnection(ctx context.Context, ns, id string) (*models.Connection, error) {
	v, err := hget[storedConnection](ctx, s.rdb, keyConnections(ns), id)
	if err != nil {
		return nil, err
	}
	v.Connection.ID = v.ID
	return &v.Connection, nil
}

// GetConnectionByName returns the connection named namespaces/{ns}/connections/{id}.
func (s *Store) GetConnectionByName(ctx context.Context, name string) (*models.Connection, error) {
	ns, id, err := models.ParseConnectionName(name)
	if err != nil {
		return nil, ErrNotFound
	}
	return s.GetConnection(ctx, ns, id)
}

// ListConnections returns a namespace's connections, by id.
func (s *Store) ListConnections(ctx context.Context, ns string) ([]*models.Connection, error) {
	vs, err := hall[storedConnection](ctx, s.rdb, keyConnections(ns))
	if err != nil {
		return nil, err
	}
	out := make([]*models.Connection, len(vs))
	for i, v := range vs {
		v.Connection.ID = v.ID
		out[i] = &v.Connection
	}
	return out, nil
}

// PutManager creates or updates a manager.
func (s *Store) PutManager(ctx context.Context, ns string, m *models.Manager) error {
	prev, err := s.GetManager(ctx, ns, m.ID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	var pm *models.Meta
	if prev != nil {
		pm = &prev.Meta
	}
	m.Name = models.ManagerName(ns, m.ID)
	m.Status = nil // kept apart (see ManagerStatus)
	stamp(&m.Meta, pm, s.now(), m)
	b, _ := json.Marshal(storedManager{*m, m.ID})
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, keyManagers(ns), m.ID, b)
	pipe.Incr(ctx, keyVersion())
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: write manager %s: %w", m.Name, err)
	}
	return nil
}

// GetManager returns one manager.
func (s *Store) GetManager(ctx context.Context, ns, id string) (*models.Manager, error) {
	v, err := hget[storedManager](ctx, s.rdb, keyManagers(ns), id)
	if err != nil {
		return nil, err
	}
	v.Manager.ID = v.ID
	return &v.Manager, nil
}

// ListManagers returns a namespace's managers, by id.
func (s *Store) ListManagers(ctx context.Context, ns string) ([]*models.Manager, error) {
	vs, err := hall[storedManager](ctx, s.rdb, keyManagers(ns))
	if err != nil {
		return nil, err
	}
	out := make([]*models.Manager, len(vs))
	for i, v := range vs {
		v.Manager.ID = v.ID
		out[i] = &v.Manager
	}
	return out, nil
}

// AllManagers returns the managers of every namespace.
func (s *Store) AllManagers(ctx context.Context) ([]*models.Manager, error) {
	nss, err := s.ListNamespaces(ctx)
	if err != nil {
		return nil, err
	}
	var out []*models.Manager
	for _, n := range nss {
		ms, err := s.ListManagers(ctx, n.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out, nil
}

// DeleteManager removes a manager and its cursor. Its Scans expire with
// their retention.
func (s *Store) DeleteManager(ctx context.Context, ns, id string) error {
	pipe := s.rdb.TxPipeline()
	del := pipe.HDel(ctx, keyManagers(ns), id)
	pipe.Del(ctx, keyCursor(ns, id))
	forgetManagerStatus(ctx, pipe, ns, id)
	pipe.Incr(ctx, keyVersion())
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: delete manager: %w", err)
	}
	if del.Val() == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteConnection removes a connection and its deliveries.
func (s *Store) DeleteConnection(ctx context.Context, ns, id string) error {
	pipe := s.rdb.TxPipeline()
	del := pipe.HDel(ctx, keyConnections(ns), id)
	pipe.Incr(ctx, keyVersion())
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: delete connection: %w", err)
	}
	if del.Val() == 0 {
		return ErrNotFound
	}
	return s.purgeConnection(ctx, ns, id)
}

// ConfigHash returns the digest of the config-file version of a resource
// that was last applied, so a restart with an unchanged file does not undo
// edits made through the API.
func (s *Store) ConfigHash(ctx context.Context, name string) (string, error) {
	v, err := s.rdb.HGet(ctx, keyConfigHash(), name).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return v, err
}

// SetConfigHash records the digest of the applied config-file version of a resource.
func (s *Store) SetConfigHash(ctx context.Context, name, hash string) error {
	return s.rdb.HSet(ctx, keyConfigHash(), name, hash).Err()
}

// Cursor returns a manager's source cursor (nil when it has none).
func (s *Store) Cursor(ctx context.Context, ns, m string) (json.RawMessage, error) {
	b, err := s.rdb.Get(ctx, keyCursor(ns, m)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: read cursor: %w", err)
	}
	return b, nil
}

// SetCursor stores a manager's source cursor.
func (s *Store) SetCursor(ctx context.Context, ns, m string, c json.RawMessage) error {
	if err := s.rdb.Set(ctx, keyCursor(ns, m), []byte(c), 0).Err(); err != nil {
		return fmt.Errorf("store: write cursor: %w", err)
	}
	return nil
}

// ScanID is a scan's id: derived from the post, so one post makes at most
// one Scan per manager however often it is read.
func ScanID(postID string) string {
	sum := sha256.Sum256([]byte(postID))
	return hex.EncodeToString(sum[:10])
}

// CreateScan stores a new Scan for retention. It reports false, and
// changes nothing, when the manager already has a Scan of this post.
func (s *Store) CreateScan(ctx context.Context, ns, m, id string, scan *models.Scan, retention time.Duration) (bool, error) {
	b, err := json.Marshal(scan)
	if err != nil {
		return false, fmt.Errorf("store: encode scan: %w", err)
	}
	score := float64(scan.CreateTime.UnixMilli())
	now := s.now()
	cutoff := strconv.FormatInt(now.Add(-retention).UnixMilli(), 10)
	trimM, trimNS := s.trims.due(keyScansByManager(ns, m), now), s.trims.due(keyScansByNamespace(ns), now)
	// One round trip, shared with concurrent callers (see batcher). The
	// index entries are added with NX, so a scan that existed already
	// keeps its place.
	var created *redis.BoolCmd
	err = s.batch.do(ctx, func(pipe redis.Pipeliner) []redis.Cmder {
		created = pipe.SetNX(ctx, keyScan(ns, m, id), b, retention)
		cmds := []redis.Cmder{created,
			pipe.ZAddNX(ctx, keyScansByManager(ns, m), redis.Z{Score: score, Member: id}),
			pipe.ZAddNX(ctx, keyScansByNamespace(ns), redis.Z{Score: score, Member: m + "/" + id})}
		// Trim index entries whose scan has expired, now and then.
		if trimM {
			cmds = append(cmds, pipe.ZRemRangeByScore(ctx, keyScansByManager(ns, m), "-inf", "("+cutoff))
		}
		if trimNS {
			cmds = append(cmds, pipe.ZRemRangeByScore(ctx, keyScansByNamespace(ns), "-inf", "("+cutoff))
		}
		return cmds
	})
	if err != nil {
		return false, fmt.Errorf("store: write scan: %w", err)
	}
	return created.Val(), nil
}

// GetScan returns one Scan.
func (s *Store) GetScan(ctx context.Context, ns, m, id string) (*models.Scan, error) {
	b, err := s.rdb.Get(ctx, keyScan(ns, m, id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read scan: %w", err)
	}
	var v models.Scan
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("store: decode scan: %w", err)
	}
	return &v, nil
}

// ConfigDeclared returns the names of every resource a config file declared.
func (s *Store) ConfigDeclared(ctx context.Context) ([]string, error) {
	names, err := s.rdb.HKeys(ctx, keyConfigHash()).Result()
	if err != nil {
		return nil, fmt.Errorf("store: read config hashes: %w", err)
	}
	sort.Strings(names)
	return names, nil
}

// ForgetConfigHash drops a resource from the config-declared set.
func (s *Store) ForgetConfigHash(ctx context.Context, name string) error {
	return s.rdb.HDel(ctx, keyConfigHash(), name).Err()
}

// SetClock replaces the clock the store stamps and limits by (tests).
func (s *Store) SetClock(now func() time.Time) { s.now = now }
