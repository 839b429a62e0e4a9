package config

import (
	"errors"
	"net/url"
	"strings"

	"github.com/earshothq/earshot/redisconn"
)

// The redis block's types live with the clients they configure.
type (
	RedisConfig         = redisconn.Config
	RedisClusterConfig  = redisconn.ClusterConfig
	RedisSentinelConfig = redisconn.SentinelConfig
)

// URL schemes of a Cluster and of a Sentinel setup (see redisconn).
const (
	SchemeCluster  = redisconn.SchemeCluster
	SchemeSentinel = redisconn.SchemeSentinel
)

// ResolveRedisURL checks a Redis URL as the configuration does and turns a
// redis-cluster:// or redis-sentinel:// one into the configuration it
// stands for. The error does not quote the URL.
func ResolveRedisURL(raw string) (RedisConfig, error) {
	if msg := checkRedisURL(raw); msg != "" {
		return RedisConfig{}, errors.New(msg)
	}
	return redisconn.ResolveURL(raw)
}

func checkMultiHostURL(u *url.URL) string { return redisconn.CheckMultiHostURL(u) }

// applyRedisEnv applies REDIS_URL and REDIS_CLUSTER_ADDRS: the environment
// picks the Redis, and whatever the file said about another one is dropped.
func (p *parser) applyRedisEnv(c *RedisConfig) {
	rawURL, hasURL := p.lookupEnv("REDIS_URL")
	addrs, hasAddrs := p.lookupEnv("REDIS_CLUSTER_ADDRS")
	hasURL, hasAddrs = hasURL && rawURL != "", hasAddrs && strings.TrimSpace(addrs) != ""
	switch {
	case hasURL && hasAddrs:
		p.problem(0, "", "environment variables REDIS_URL and REDIS_CLUSTER_ADDRS: set one, not both")
	case hasURL:
		*c = RedisConfig{URL: rawURL}
		p.redisFromEnv = true
	case hasAddrs:
		cl := RedisClusterConfig{}
		if c.Cluster != nil {
			cl = *c.Cluster
		}
		cl.Addrs = redisconn.SplitAddrs(addrs)
		*c = RedisConfig{Cluster: &cl}
		p.redisClusterFromEnv = true
	}
}

// validateRedis checks that at most one Redis is named, and that it is
// named well.
func (p *parser) validateRedis(c *RedisConfig) {
	if msg := checkRedisURL(c.URL); msg != "" {
		if p.redisFromEnv {
			p.problem(0, "", "environment variable REDIS_URL: "+msg)
		} else {
			p.problemAt("redis.url", msg)
		}
	}
	n := 0
	for _, set := range []bool{c.URL != "", c.Cluster.Configured(), c.Sentinel.Configured()} {
		if set {
			n++
		}
	}
	if n > 1 {
		p.problemAt("redis", "set one of url, cluster and sentinel")
	}
	if c.Cluster != nil && (c.Cluster.Configured() || c.Cluster.Username != "" || c.Cluster.Password != "") {
		if msg := redisconn.CheckAddrs(c.Cluster.Addrs); msg != "" {
			if p.redisClusterFromEnv {
				p.problem(0, "", "environment variable REDIS_CLUSTER_ADDRS: "+msg)
			} else {
				p.problemAt("redis.cluster.addrs", msg)
			}
		}
	}
	if s := c.Sentinel; s.Configured() || (s != nil && (s.Password != "" || s.SentinelPassword != "")) {
		if s.Master == "" {
			p.problemAt("redis.sentinel.master", "is required: the name the sentinels know the primary by")
		}
		if msg := redisconn.CheckAddrs(s.Addrs); msg != "" {
			p.problemAt("redis.sentinel.addrs", msg)
		}
		if s.DB < 0 {
			p.problemAt("redis.sentinel.db", "must be 0 or more")
		}
		if s.WaitReplicas != nil && *s.WaitReplicas < 0 {
			p.problemAt("redis.sentinel.wait_replicas", "must be 0 or more")
		}
	}
}
