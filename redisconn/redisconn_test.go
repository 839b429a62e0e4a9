package redisconn

import (
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

func TestNewBuildsTheClientOfEachKind(t *testing.T) {
	tests := []struct {
		name       string
		cfg        Config
		kind       string
		wantClient string
		wantAsynq  string
		wait       int
	}{
		{"one node", Config{URL: "redis://:pw-0123456789@127.0.0.1:6379/3?pool_size=7"}, KindSingle, "*redis.Client", "asynq.RedisClientOpt", 0},
		{"cluster block", Config{Cluster: &ClusterConfig{Addrs: []string{"a:1", "b:2"}, Password: "pw-0123456789"}}, KindCluster, "*redis.ClusterClient", "asynq.RedisClusterClientOpt", 0},
		{"cluster URL", Config{URL: "redis-cluster://a:1,b:2"}, KindCluster, "*redis.ClusterClient", "asynq.RedisClusterClientOpt", 0},
		{"sentinel block", Config{Sentinel: &SentinelConfig{Master: "m", Addrs: []string{"s:26379"}}}, KindSentinel, "*redis.Client", "asynq.RedisFailoverClientOpt", 1},
		{"sentinel URL, no waiting", Config{URL: "redis-sentinel://s:26379?master=m&wait_replicas=0"}, KindSentinel, "*redis.Client", "asynq.RedisFailoverClientOpt", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if target.Kind() != tt.kind {
				t.Errorf("kind %s, want %s", target.Kind(), tt.kind)
			}
			rdb := target.NewClient()
			defer rdb.Close()
			if got := typeName(rdb); got != tt.wantClient {
				t.Errorf("client %s, want %s", got, tt.wantClient)
			}
			if got := typeName(target.Asynq()); got != tt.wantAsynq {
				t.Errorf("asynq option %s, want %s", got, tt.wantAsynq)
			}
			if target.WaitReplicas() != tt.wait {
				t.Errorf("wait replicas %d, want %d", target.WaitReplicas(), tt.wait)
			}
			if strings.Contains(target.String(), "pw-") {
				t.Errorf("String() = %q shows the password", target)
			}
		})
	}
}

// The single-node client keeps what the URL says beyond asynq's options.
func TestSingleNodeKeepsURLOptions(t *testing.T) {
	target, err := Parse("redis://127.0.0.1:6379/3?pool_size=7")
	if err != nil {
		t.Fatal(err)
	}
	rdb := target.NewClient().(*redis.Client)
	defer rdb.Close()
	if o := rdb.Options(); o.PoolSize != 7 || o.DB != 3 {
		t.Errorf("pool size %d, db %d; want 7, 3", o.PoolSize, o.DB)
	}
	if o := target.Asynq().(asynq.RedisClientOpt); o.DB != 3 || o.PoolSize != 7 {
		t.Errorf("asynq option %+v", o)
	}
}

func TestNewRefusesWithoutQuoting(t *testing.T) {
	for _, raw := range []string{"redis-sentinel://:pw-0123456789@s:26379", "redis-cluster://", "redis://:pw-0123456789@[::1"} {
		_, err := Parse(raw)
		if err == nil {
			t.Errorf("%s: accepted", raw)
			continue
		}
		if strings.Contains(err.Error(), "pw-") {
			t.Errorf("%s: error %q quotes the password", raw, err)
		}
	}
	if _, err := New(Config{}); err == nil {
		t.Error("an empty configuration was accepted")
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *redis.Client:
		return "*redis.Client"
	case *redis.ClusterClient:
		return "*redis.ClusterClient"
	case asynq.RedisClientOpt:
		return "asynq.RedisClientOpt"
	case asynq.RedisClusterClientOpt:
		return "asynq.RedisClusterClientOpt"
	case asynq.RedisFailoverClientOpt:
		return "asynq.RedisFailoverClientOpt"
	}
	return "?"
}
