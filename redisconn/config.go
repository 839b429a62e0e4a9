package redisconn

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Config says where state lives: one of URL, Cluster and Sentinel (none:
// the caller's embedded Redis). It is the configuration file's redis
// block.
type Config struct {
	// URL is a redis://, rediss:// or unix:// URL, or a redis-cluster:// or
	// redis-sentinel:// one. The REDIS_URL environment variable overrides it.
	URL      string          `yaml:"url"`
	Cluster  *ClusterConfig  `yaml:"cluster"`
	Sentinel *SentinelConfig `yaml:"sentinel"`
}

// Empty reports whether c names no Redis.
func (c Config) Empty() bool {
	return c.URL == "" && !c.Cluster.Configured() && !c.Sentinel.Configured()
}

// ClusterConfig names a Redis Cluster: a few of its nodes (the rest
// are discovered). Every key Earshot writes together in one transaction
// or script shares a hash tag, so it runs on a Cluster as on one node.
type ClusterConfig struct {
	Addrs    []string `yaml:"addrs"` // host:port of some nodes; REDIS_CLUSTER_ADDRS (comma-separated) overrides
	Username string   `yaml:"username"`
	Password string   `yaml:"password"`
	TLS      bool     `yaml:"tls"`
}

// SentinelConfig names a Sentinel-guarded primary: the name the
// sentinels know it by and where the sentinels are. Earshot asks them for
// the current primary and follows a failover.
type SentinelConfig struct {
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

// DefaultWaitReplicas is SentinelConfig.WaitReplicas's default.
const DefaultWaitReplicas = 1

// Replicas returns WaitReplicas or its default.
func (s *SentinelConfig) Replicas() int {
	if s == nil {
		return 0
	}
	if s.WaitReplicas == nil {
		return DefaultWaitReplicas
	}
	return *s.WaitReplicas
}

// Configured reports whether a cluster is configured.
func (c *ClusterConfig) Configured() bool { return c != nil && len(c.Addrs) > 0 }

// Configured reports whether a sentinel setup is configured.
func (s *SentinelConfig) Configured() bool {
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

// ResolveURL turns a redis-cluster:// or redis-sentinel:// URL into the
// configuration it stands for; any other URL is returned as the URL of a
// single node (go-redis parses it when a client is made). The error says
// what is wrong without quoting the URL.
func ResolveURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != SchemeCluster && u.Scheme != SchemeSentinel) {
		return Config{URL: raw}, nil
	}
	if msg := CheckMultiHostURL(u); msg != "" {
		return Config{}, errors.New(msg)
	}
	switch u.Scheme {
	case SchemeCluster:
		c := &ClusterConfig{Addrs: SplitAddrs(u.Host), TLS: u.Query().Get("tls") == "true"}
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
		return Config{Cluster: c}, nil
	default:
		q := u.Query()
		s := &SentinelConfig{Master: q.Get("master"), Addrs: SplitAddrs(u.Host), Password: q.Get("password"),
			Username: q.Get("username"), TLS: q.Get("tls") == "true"}
		s.SentinelPassword, _ = u.User.Password()
		s.DB, _ = strconv.Atoi(q.Get("db"))
		if w := q.Get("wait_replicas"); w != "" {
			n, _ := strconv.Atoi(w)
			s.WaitReplicas = &n
		}
		return Config{Sentinel: s}, nil
	}
}

// SplitAddrs splits a comma-separated list of addresses.
func SplitAddrs(s string) []string {
	var out []string
	for a := range strings.SplitSeq(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// CheckAddrs returns what is wrong with a list of host:port addresses.
func CheckAddrs(addrs []string) string {
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

// CheckMultiHostURL checks the redis-cluster:// and redis-sentinel:// URLs.
func CheckMultiHostURL(u *url.URL) string {
	if msg := CheckAddrs(SplitAddrs(u.Host)); msg != "" {
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
