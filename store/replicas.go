package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotReplicated is returned for a write that the primary made but not
// enough replicas acknowledged in time: it may be lost in a failover, so
// it is not reported done, and its caller tries again.
var ErrNotReplicated = errors.New("store: write not acknowledged by enough replicas")

// WaitForReplicas makes the delivery path's writes, and asynq's scripts
// going through PipelineHook, count as done only once n replicas hold
// them (Redis's WAIT, at most timeout per pipeline). Redis replicates
// asynchronously: without this, a Scan or an enqueued delivery that the
// primary acknowledged just before a Sentinel failover can be missing on
// the promoted replica. A write that the old primary takes after the
// promotion is refused the same way, since no replica acknowledges it.
// n <= 0 turns waiting off. Call it before the Store is used.
func (s *Store) WaitForReplicas(n int, timeout time.Duration) {
	s.batch.waitReplicas, s.batch.waitTimeout = n, timeout
}

// replicated checks a pipeline's WAIT answer (nil: none was asked).
func replicated(wait *redis.Cmd, want int) error {
	if wait == nil {
		return nil
	}
	n, err := wait.Int64()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotReplicated, err)
	}
	if n < int64(want) {
		return fmt.Errorf("%w (%d of %d)", ErrNotReplicated, n, want)
	}
	return nil
}
