package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseRedisTargets(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want RedisConfig
	}{
		{"cluster", "redis:\n  cluster:\n    addrs: [\"10.0.0.1:6379\", \"10.0.0.2:6379\"]\n    password: ${REDIS_PASSWORD}\n    tls: true\n",
			map[string]string{"REDIS_PASSWORD": "s3cret-pass"},
			RedisConfig{Cluster: &RedisClusterConfig{Addrs: []string{"10.0.0.1:6379", "10.0.0.2:6379"}, Password: "s3cret-pass", TLS: true}}},
		{"REDIS_CLUSTER_ADDRS overrides addrs and keeps the rest", "redis:\n  cluster:\n    addrs: [\"10.0.0.1:6379\"]\n    username: earshot\n",
			map[string]string{"REDIS_CLUSTER_ADDRS": "a:7001, b:7002,c:7003"},
			RedisConfig{Cluster: &RedisClusterConfig{Addrs: []string{"a:7001", "b:7002", "c:7003"}, Username: "earshot"}}},
		{"REDIS_CLUSTER_ADDRS over a file's url", "redis:\n  url: redis://localhost:6379/0\n",
			map[string]string{"REDIS_CLUSTER_ADDRS": "a:7001"},
			RedisConfig{Cluster: &RedisClusterConfig{Addrs: []string{"a:7001"}}}},
		{"REDIS_URL over a file's cluster", "redis:\n  cluster: {addrs: [\"a:7001\"]}\n",
			map[string]string{"REDIS_URL": "redis://localhost:6379/2"},
			RedisConfig{URL: "redis://localhost:6379/2"}},
		{"sentinel", "redis:\n  sentinel:\n    master: mymaster\n    addrs: [\"s1:26379\", \"s2:26379\"]\n    sentinel_password: pw\n    db: 3\n",
			nil,
			RedisConfig{Sentinel: &RedisSentinelConfig{Master: "mymaster", Addrs: []string{"s1:26379", "s2:26379"}, SentinelPassword: "pw", DB: 3}}},
		{"cluster URL in REDIS_URL", "", map[string]string{"REDIS_URL": "redis-cluster://127.0.0.1:7001,127.0.0.1:7002"},
			RedisConfig{URL: "redis-cluster://127.0.0.1:7001,127.0.0.1:7002"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			cfg, err := Parse("earshot.yaml", []byte(tt.yaml), lookup)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg.Redis, tt.want) {
				t.Errorf("redis = %+v (cluster %+v, sentinel %+v), want %+v", cfg.Redis, cfg.Redis.Cluster, cfg.Redis.Sentinel, tt.want)
			}
		})
	}
}

func TestParseRedisProblems(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want []string
	}{
		{"two targets", "redis:\n  url: redis://localhost:6379/0\n  cluster: {addrs: [\"a:7001\"]}\n", nil,
			[]string{`earshot.yaml:1: redis: set one of url, cluster and sentinel`}},
		{"bad cluster address", "redis:\n  cluster:\n    addrs: [\"a:7001\", \"nohost\"]\n", nil,
			[]string{`earshot.yaml:3: redis.cluster.addrs: each address must be host:port (got "nohost")`}},
		{"cluster with a password and no addrs", "redis:\n  cluster: {password: x}\n", nil,
			[]string{`earshot.yaml:2: redis.cluster.addrs: must list at least one host:port`}},
		{"bad REDIS_CLUSTER_ADDRS", "", map[string]string{"REDIS_CLUSTER_ADDRS": "a:99999"},
			[]string{`earshot.yaml: environment variable REDIS_CLUSTER_ADDRS: each address must be host:port with a port of 1-65535 (got "a:99999")`}},
		{"both variables", "", map[string]string{"REDIS_CLUSTER_ADDRS": "a:7001", "REDIS_URL": "redis://b:6379"},
			[]string{`earshot.yaml: environment variables REDIS_URL and REDIS_CLUSTER_ADDRS: set one, not both`}},
		{"sentinel without master", "redis:\n  sentinel:\n    addrs: [\"s:26379\"]\n    wait_replicas: -1\n", nil,
			[]string{`earshot.yaml:2: redis.sentinel.master: is required: the name the sentinels know the primary by`,
				`earshot.yaml:4: redis.sentinel.wait_replicas: must be 0 or more`}},
		{"sentinel URL without master", "", map[string]string{"REDIS_URL": "redis-sentinel://:pw-0123456789@s:26379"},
			[]string{`earshot.yaml: environment variable REDIS_URL: must name the primary (redis-sentinel://host:26379?master=mymaster)`}},
		{"unknown key", "redis:\n  cluster: {addrs: [\"a:1\"], pasword: x}\n", nil,
			[]string{`earshot.yaml:2: redis.cluster.pasword: unknown field "pasword" (did you mean "password"?)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			_, err := Parse("earshot.yaml", []byte(tt.yaml), lookup)
			if err == nil {
				t.Fatal("parsed; want problems")
			}
			got := strings.Split(err.Error(), "\n")
			if len(got) != len(tt.want) {
				t.Fatalf("problems:\n%s\nwant:\n%s", err, strings.Join(tt.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("problem %d:\n%s\nwant:\n%s", i, got[i], tt.want[i])
				}
			}
			if strings.Contains(err.Error(), "pw-0123456789") {
				t.Errorf("problems quote a password: %s", err)
			}
		})
	}
}

func TestResolveRedisURL(t *testing.T) {
	n := 2
	tests := []struct {
		url  string
		want RedisConfig
	}{
		{"redis://localhost:6379/0", RedisConfig{URL: "redis://localhost:6379/0"}},
		{"redis-cluster://u:p@a:1,b:2?tls=true", RedisConfig{Cluster: &RedisClusterConfig{Addrs: []string{"a:1", "b:2"}, Username: "u", Password: "p", TLS: true}}},
		{"redis-sentinel://:sp@s1:26379,s2:26379?master=m&password=p&db=4&wait_replicas=2",
			RedisConfig{Sentinel: &RedisSentinelConfig{Master: "m", Addrs: []string{"s1:26379", "s2:26379"}, Password: "p", SentinelPassword: "sp", DB: 4, WaitReplicas: &n}}},
	}
	for _, tt := range tests {
		got, err := ResolveRedisURL(tt.url)
		if err != nil {
			t.Errorf("%s: %v", tt.url, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %+v, want %+v", tt.url, got, tt.want)
		}
	}
	if _, err := ResolveRedisURL("redis-cluster://"); err == nil {
		t.Error("a cluster URL without hosts resolved")
	}
}
