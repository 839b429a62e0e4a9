package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// StreamKey is the short name of a shared read in Redis keys: its id
// (which holds queries and subreddit lists) hashed.
func StreamKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:12])
}

// streamCursorTTL is how long the cursor of a read that is no longer made
// is kept; every read stores its cursor again.
const streamCursorTTL = 30 * 24 * time.Hour

func keyStreamCursor(id string) string { return Prefix + "stream:cursor:" + StreamKey(id) }

// StreamCursor returns the cursor of a read shared among managers (nil
// when it has none).
func (s *Store) StreamCursor(ctx context.Context, id string) (json.RawMessage, error) {
	b, err := s.rdb.Get(ctx, keyStreamCursor(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: read stream cursor: %w", err)
	}
	return b, nil
}

// SetStreamCursor stores the cursor of a shared read. A read no manager
// needs any more leaves its cursor for a while (a manager added back soon
// carries on from it) and it expires after streamCursorTTL.
func (s *Store) SetStreamCursor(ctx context.Context, id string, c json.RawMessage) error {
	if err := s.rdb.Set(ctx, keyStreamCursor(id), []byte(c), streamCursorTTL).Err(); err != nil {
		return fmt.Errorf("store: write stream cursor: %w", err)
	}
	return nil
}
