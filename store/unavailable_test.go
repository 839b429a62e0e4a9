package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/store"
)

func TestIsUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"refused", fmt.Errorf("store: read: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), true},
		{"reset", fmt.Errorf("store: read: %w", syscall.ECONNRESET), true},
		{"eof", fmt.Errorf("store: read: %w", io.EOF), true},
		{"pool timeout", redis.ErrPoolTimeout, true},
		{"not found", store.ErrNotFound, false},
		{"other", errors.New("boom"), false},
		{"nil", nil, false},
	} {
		if got := store.IsUnavailable(tc.err); got != tc.want {
			t.Errorf("%s: IsUnavailable = %v, want %v", tc.name, got, tc.want)
		}
	}
	// A real Redis that is gone.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer rdb.Close()
	if err := store.New(rdb).Ping(context.Background()); !store.IsUnavailable(err) {
		t.Errorf("ping of a closed port: %v is not unavailable", err)
	}
}

// go-redis's own log lines go through slog, structured and levelled.
func TestRedisLogger(t *testing.T) {
	var buf bytes.Buffer
	l := store.RedisLogger{Log: slog.New(slog.NewJSONHandler(&buf, nil)).With("component", "redis")}
	l.Printf(context.Background(), "redis: connection pool: failed to dial after %d attempts: %v", 5, "connection refused")
	out := buf.String()
	for _, want := range []string{`"level":"WARN"`, `"component":"redis"`, `"msg":"connection pool: failed to dial after 5 attempts: connection refused"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log line %s lacks %s", out, want)
		}
	}
}
