package config

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// RedisClusterConfig names a Redis Cluster: a few of its nodes (the rest
// are discovered). Every key Earshot writes together in one transaction
// or script shares a hash tag, so it runs on a Cluster as on one node.
type RedisClusterConfig struct {
	Addrs    []string `yaml:"addrs"` // host:port of some nodes; REDIS_CLUSTER_ADDRS (comma-separated) overrides
	Username string   `yaml:"username"`
	Password string   `yaml:"password"`
	TLS      bool     `yaml:"tls"`
}

// RedisSentinelConfig names a Sentinel-guarded primary: the name the
// sentinels know it by and where the sentinels are. Earshot asks them for
// the current primary and follows a failover.
type RedisSentinelConfig struct {
	Master           string   `yaml:"master"`
	Addrs            []string `yaml:"addrs"` // host:port of the sentinels
	Username         string   `yaml:"username"`
	Password         string   `yaml:"password"`          // the primary's and replicas'
	SentinelPassword string   `yaml:"sentinel_password"` // the sentinels' own, when they have one
	DB               int      `yaml:"db"`
	TLS              bool     `yaml:"tls"`
	// WaitReplicas is how many replicas must hold a Scan or a delivery
	// before it counts as written, so a failover cannot lose it (Redis
	// replicates asynchronously). Default 1; 0 does not wait.
	WaitReplicas *int `yaml:"wait_replicas"`
}

// DefaultWaitReplicas is RedisSentinelConfig.WaitReplicas's default.
const DefaultWaitReplicas = 1

// Replicas returns WaitReplicas or its default.
func (s *RedisSentinelConfig) Replicas() int {
	if s == nil {
		return 0
	}
	if s.WaitReplicas == nil {
		return DefaultWaitReplicas
	}
	return *s.WaitReplicas
}

// Configured reports whether a cluster is configured.
func (c *RedisClusterConfig) Configured() bool { return c != nil && len(c.Addrs) > 0 }

// Configured reports whether a sentinel setup is configured.
func (s *RedisSentinelConfig) Configured() bool {
	return s != nil && (s.Master != "" || len(s.Addrs) > 0)
}

// Redis URL schemes beside redis://, rediss:// and unix://, for where only
// a URL fits (REDIS_URL, the tools' --redis flags). They follow asynq's
// redis-sentinel:// form:
//
//	redis-cluster://[user:password@]host:port[,host:port…][?tls=true]
//	redis-sentinel://[:sentinel_password@]host:port[,host:port…]?master=NAME[&password=…][&db=N][&tls=true][&wait_replicas=N]
const (
	SchemeCluster  = "redis-cluster"
	SchemeSentinel = "redis-sentinel"
)

// ResolveRedisURL turns a redis-cluster:// or redis-sentinel:// URL into
// the configuration it stands for; any other URL is returned as the URL of
// a single node. The error says what is wrong without quoting the URL.
func ResolveRedisURL(raw string) (RedisConfig, error) {
	if msg := checkRedisURL(raw); msg != "" {
		return RedisConfig{}, errors.New(msg)
	}
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return RedisConfig{URL: raw}, nil
	}
	switch u.Scheme {
	case SchemeCluster:
		c := &RedisClusterConfig{Addrs: splitAddrs(u.Host), TLS: u.Query().Get("tls") == "true"}
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
		return RedisConfig{Cluster: c}, nil
	case SchemeSentinel:
		q := u.Query()
		s := &RedisSentinelConfig{Master: q.Get("master"), Addrs: splitAddrs(u.Host), Password: q.Get("password"),
			Username: q.Get("username"), TLS: q.Get("tls") == "true"}
		s.SentinelPassword, _ = u.User.Password()
		s.DB, _ = strconv.Atoi(q.Get("db"))
		if w := q.Get("wait_replicas"); w != "" {
			n, _ := strconv.Atoi(w)
			s.WaitReplicas = &n
		}
		return RedisConfig{Sentinel: s}, nil
	}
	return RedisConfig{URL: raw}, nil
}

func splitAddrs(s string) []string {
	var out []string
	for a := range strings.SplitSeq(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// checkAddrs returns what is wrong with a list of host:port addresses.
func checkAddrs(addrs []string) string {
	if len(addrs) == 0 {
		return "must list at least one host:port"
	}
	for _, a := range addrs {
		host, port, err := net.SplitHostPort(a)
		if err != nil || host == "" {
			return "each address must be host:port (got " + strconv.Quote(a) + ")"
		}
		if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			return "each address must be host:port with a port of 1-65535 (got " + strconv.Quote(a) + ")"
		}
	}
	return ""
}

// checkMultiHostURL checks the redis-cluster:// and redis-sentinel:// URLs.
func checkMultiHostURL(u *url.URL) string {
	if msg := checkAddrs(splitAddrs(u.Host)); msg != "" {
		return "hosts: " + msg
	}
	q := u.Query()
	if u.Scheme == SchemeSentinel {
		if q.Get("master") == "" {
			return "must name the primary (redis-sentinel://host:26379?master=mymaster)"
		}
		for _, k := range []string{"db", "wait_replicas"} {
			if v := q.Get(k); v != "" {
				if n, err := strconv.Atoi(v); err != nil || n < 0 {
					return k + " must be a number"
				}
			}
		}
	}
	return ""
}

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
		cl.Addrs = splitAddrs(addrs)
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
		if msg := checkAddrs(c.Cluster.Addrs); msg != "" {
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
		if msg := checkAddrs(s.Addrs); msg != "" {
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
