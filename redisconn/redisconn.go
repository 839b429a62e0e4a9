package redisconn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Kinds of Redis.
const (
	KindSingle   = "single"
	KindCluster  = "cluster"
	KindSentinel = "sentinel"
)

// Target is one resolved Redis to connect to.
type Target struct {
	kind     string
	single   *redis.Options
	cluster  *ClusterConfig
	sentinel *SentinelConfig
}

// New resolves cfg: its URL (which may be a redis-cluster:// or
// redis-sentinel:// URL), or its cluster, or its sentinel block. An empty
// configuration is an error: the embedded Redis is started by the caller,
// which then passes its URL.
func New(cfg Config) (Target, error) {
	if cfg.URL != "" {
		r, err := ResolveURL(cfg.URL)
		if err != nil {
			return Target{}, fmt.Errorf("redisconn: redis url: %w", err)
		}
		if r.URL == "" {
			cfg = r
		}
	}
	switch {
	case cfg.URL != "":
		opts, err := redis.ParseURL(cfg.URL)
		if err != nil {
			// go-redis quotes the URL, credentials included.
			return Target{}, errors.New("redisconn: redis url: cannot be parsed")
		}
		return Target{kind: KindSingle, single: opts}, nil
	case cfg.Cluster.Configured():
		c := *cfg.Cluster
		return Target{kind: KindCluster, cluster: &c}, nil
	case cfg.Sentinel.Configured():
		s := *cfg.Sentinel
		if s.Master == "" || len(s.Addrs) == 0 {
			return Target{}, errors.New("redisconn: sentinel: master and addrs are required")
		}
		return Target{kind: KindSentinel, sentinel: &s}, nil
	}
	return Target{}, errors.New("redisconn: no Redis configured")
}

// Parse resolves a URL of any scheme ResolveRedisURL knows.
func Parse(rawURL string) (Target, error) { return New(Config{URL: rawURL}) }

// Kind says which kind of Redis t is.
func (t Target) Kind() string { return t.kind }

// String describes t without its credentials, for logs.
func (t Target) String() string {
	switch t.kind {
	case KindSingle:
		return "redis " + t.single.Addr
	case KindCluster:
		return "redis cluster " + strings.Join(t.cluster.Addrs, ",")
	case KindSentinel:
		return "redis sentinel " + t.sentinel.Master + "@" + strings.Join(t.sentinel.Addrs, ",")
	}
	return "no redis"
}

// WaitReplicas is how many replicas a write of the delivery path must
// reach before it counts (see store.Store.WaitForReplicas): the sentinel
// block's wait_replicas (default 1), and 0 for other kinds of Redis.
func (t Target) WaitReplicas() int {
	if t.kind != KindSentinel {
		return 0
	}
	return t.sentinel.Replicas()
}

// Asynq returns asynq's connection options for t: RedisClientOpt,
// RedisClusterClientOpt or RedisFailoverClientOpt.
func (t Target) Asynq() asynq.RedisConnOpt {
	switch t.kind {
	case KindCluster:
		c := t.cluster
		return asynq.RedisClusterClientOpt{Addrs: c.Addrs, Username: c.Username, Password: c.Password, TLSConfig: tlsConfig(c.TLS)}
	case KindSentinel:
		s := t.sentinel
		return asynq.RedisFailoverClientOpt{MasterName: s.Master, SentinelAddrs: s.Addrs, SentinelPassword: s.SentinelPassword,
			Username: s.Username, Password: s.Password, DB: s.DB, TLSConfig: tlsConfig(s.TLS)}
	default:
		o := t.single
		return asynq.RedisClientOpt{Network: o.Network, Addr: o.Addr, Username: o.Username, Password: o.Password, DB: o.DB,
			DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout, PoolSize: o.PoolSize, TLSConfig: o.TLSConfig}
	}
}

// NewClient returns a new client of t: a *redis.Client for one node (with
// every option its URL sets), a *redis.ClusterClient made by asynq's
// RedisClusterClientOpt, or a failover *redis.Client made by its
// RedisFailoverClientOpt. The caller closes it.
func (t Target) NewClient() redis.UniversalClient {
	if t.kind == KindSingle {
		o := *t.single
		return redis.NewClient(&o)
	}
	return t.Asynq().MakeRedisClient().(redis.UniversalClient)
}

// NewClient resolves rawURL and returns a client of it.
func NewClient(rawURL string) (redis.UniversalClient, error) {
	t, err := Parse(rawURL)
	if err != nil {
		return nil, err
	}
	return t.NewClient(), nil
}

// ForEachPrimary runs fn on every primary of rdb: each node's own client
// on a Cluster, rdb itself otherwise. For commands that act on one node's
// keyspace (FLUSHDB, SCAN, INFO).
func ForEachPrimary(ctx context.Context, rdb redis.UniversalClient, fn func(context.Context, *redis.Client) error) error {
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, fn)
	case *redis.Client:
		return fn(ctx, c)
	}
	return fmt.Errorf("redisconn: unsupported client %T", rdb)
}

// tlsConfig returns the TLS settings for tls (nil: plain TCP). The server
// name is left out: crypto/tls takes it from each address dialled, which
// on a cluster is each node's own.
func tlsConfig(on bool) *tls.Config {
	if !on {
		return nil
	}
	return &tls.Config{MinVersion: tls.VersionTLS12}
}
