package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// IsUnavailable reports whether err means Redis could not be reached or
// cannot serve right now (refused, reset or timed-out connections, a pool
// out of connections, a Redis still loading its data or without a
// primary): a failure the caller should retry, not a fault of the request.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, redis.ErrPoolTimeout), errors.Is(err, redis.ErrPoolExhausted):
		return true
	}
	var re redis.Error
	if errors.As(err, &re) {
		for _, p := range []string{"LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "READONLY"} {
			if strings.HasPrefix(re.Error(), p) {
				return true
			}
		}
	}
	return false
}

// RedisLogger routes go-redis's own log lines (its connection pool's
// complaints while Redis is down) through slog instead of stderr. Install
// it with redis.SetLogger; it is process-wide.
type RedisLogger struct{ Log *slog.Logger }

// Printf implements go-redis's internal.Logging.
func (l RedisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.Log.WarnContext(ctx, strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: "))
}

// keyConfigApplied marks that the configuration file's resources are in
// this Redis; a Redis that comes back empty has lost it.
func keyConfigApplied() string { return Prefix + "config:applied" }

// MarkConfigApplied records that the configuration file was applied.
func (s *Store) MarkConfigApplied(ctx context.Context) error {
	if err := s.rdb.Set(ctx, keyConfigApplied(), s.now().UTC().Format("2006-01-02T15:04:05.000Z07:00"), 0).Err(); err != nil {
		return fmt.Errorf("store: mark config applied: %w", err)
	}
	return nil
}

// ConfigApplied reports whether the configuration file's resources are in
// Redis (false once Redis has restarted empty or was flushed).
func (s *Store) ConfigApplied(ctx context.Context) (bool, error) {
	n, err := s.rdb.Exists(ctx, keyConfigApplied()).Result()
	if err != nil {
		return false, fmt.Errorf("store: read config mark: %w", err)
	}
	return n == 1, nil
}
