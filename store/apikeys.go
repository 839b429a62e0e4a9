package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// API keys are kept only as SHA-256 digests, in one hash keyed by the hex
// digest. A request's key is hashed and the digest looked up.
//
// Looking a key up by its digest is safe against timing attacks although
// the lookup itself is not constant-time: what a lookup's timing could
// reveal is how much of the presented key's digest matches a stored one,
// and SHA-256's preimage resistance makes that useless for building a key
// with a chosen digest. The digest found is still compared with
// subtle.ConstantTimeCompare, so a stored record can never authenticate a
// key whose digest it does not carry.
func keyAPIKeys() string { return resourceKey("apikeys") }

// API key origins.
const (
	KeyFromConfig = "config" // declared in the configuration file; re-synced at every start
	KeyFromCLI    = "cli"    // created with `earshot apikey create`; kept until revoked
)

// KeyPrefix starts every key Earshot generates, so a leaked one is easy to
// recognise (secret scanners, logs).
const KeyPrefix = "esk_"

// APIKey is the stored record of one API key: never the key itself.
type APIKey struct {
	// ID is the first 12 hex digits of the key's digest: enough to name the
	// key to an operator, useless for finding the key.
	ID string `json:"id"`
	// Hash is the hex SHA-256 digest of the key.
	Hash string `json:"hash"`
	// Namespace is the namespace the key may use; empty for an admin key.
	Namespace  string    `json:"namespace,omitempty"`
	Admin      bool      `json:"admin,omitempty"`
	Origin     string    `json:"origin"`
	CreateTime time.Time `json:"createTime"`
}

// HashAPIKey returns the hex SHA-256 digest a key is stored under.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// NewAPIKey returns a new random key: esk_ and 32 random bytes, base64url.
func NewAPIKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return KeyPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// LookupAPIKey returns the record of the key whose digest is hash, or
// ErrNotFound.
func (s *Store) LookupAPIKey(ctx context.Context, hash string) (*APIKey, error) {
	b, err := s.rdb.HGet(ctx, keyAPIKeys(), hash).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read api key: %w", err)
	}
	var k APIKey
	if err := json.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("store: decode api key: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(k.Hash), []byte(hash)) != 1 {
		return nil, ErrNotFound
	}
	return &k, nil
}

// AddAPIKey stores the digest of key for a namespace (or, with namespace
// "", as an admin key) and returns its record.
func (s *Store) AddAPIKey(ctx context.Context, key, namespace, origin string) (*APIKey, error) {
	h := HashAPIKey(key)
	k := &APIKey{ID: h[:12], Hash: h, Namespace: namespace, Admin: namespace == "", Origin: origin, CreateTime: s.now().UTC()}
	b, _ := json.Marshal(k)
	if err := s.rdb.HSet(ctx, keyAPIKeys(), h, b).Err(); err != nil {
		return nil, fmt.Errorf("store: write api key: %w", err)
	}
	return k, nil
}

// ListAPIKeys returns every key record.
func (s *Store) ListAPIKeys(ctx context.Context) ([]*APIKey, error) {
	vs, err := hall[APIKey](ctx, s.rdb, keyAPIKeys())
	if err != nil {
		return nil, err
	}
	return vs, nil
}

// RevokeAPIKey deletes the keys whose ID (or full hash) is id and reports
// how many it deleted.
func (s *Store) RevokeAPIKey(ctx context.Context, id string) (int, error) {
	keys, err := s.ListAPIKeys(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		if k.ID == id || k.Hash == id {
			if err := s.rdb.HDel(ctx, keyAPIKeys(), k.Hash).Err(); err != nil {
				return n, fmt.Errorf("store: revoke api key: %w", err)
			}
			n++
		}
	}
	return n, nil
}

// SyncConfigAPIKeys makes the config-file keys in Redis exactly those
// given: admin keys, and namespace keys by namespace. Keys created with
// the CLI are left alone. The keys are hashed here and never stored.
func (s *Store) SyncConfigAPIKeys(ctx context.Context, admin []string, byNamespace map[string][]string) error {
	want := make(map[string]*APIKey)
	now := s.now().UTC()
	add := func(key, ns string) {
		h := HashAPIKey(key)
		want[h] = &APIKey{ID: h[:12], Hash: h, Namespace: ns, Admin: ns == "", Origin: KeyFromConfig, CreateTime: now}
	}
	for _, k := range admin {
		add(k, "")
	}
	for ns, keys := range byNamespace {
		for _, k := range keys {
			add(k, ns)
		}
	}
	have, err := s.ListAPIKeys(ctx)
	if err != nil {
		return err
	}
	pipe := s.rdb.TxPipeline()
	for _, k := range have {
		w, ok := want[k.Hash]
		switch {
		case ok && k.Namespace == w.Namespace && k.Admin == w.Admin && k.Origin == KeyFromConfig:
			delete(want, k.Hash) // unchanged: keep its creation time
		case !ok && k.Origin == KeyFromConfig:
			pipe.HDel(ctx, keyAPIKeys(), k.Hash)
		}
	}
	for h, k := range want {
		b, _ := json.Marshal(k)
		pipe.HSet(ctx, keyAPIKeys(), h, b)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("store: sync api keys: %w", err)
	}
	return nil
}
