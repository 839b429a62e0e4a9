package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Recovering the tasks of a process that died mid-delivery.
//
// asynq leases each active task for 30 s and extends the lease every 5 s
// while its process lives; when the process dies the lease lapses, and
// asynq's recoverer puts the task back, but only once the lease has been
// lapsed for a further 30 s (for clock skew), and it looks only once a
// minute: 60–120 s after the crash. Neither is configurable (asynq
// v0.26). So Earshot sweeps the delivery queue itself every recoverEvery
// and puts a task whose lease has lapsed straight back in the queue: the
// delivery is attempted again 30–35 s after its process died.
//
// The sweep is asynq's own bookkeeping, done as asynq's recoverer does it
// (the same keys, atomically in one script, so of several processes
// sweeping at once one moves each task), with two differences: no skew
// allowance beyond the lease's own 30 s, and the task's message is left
// as it was, so a crash does not use up one of its retries. The handler
// then finds the attempt that was cut off (store.AttemptGrant.Interrupted),
// logs the recovery and records it.

// recoverEvery is how often Run sweeps for lapsed leases by default.
const recoverEvery = 5 * time.Second

// recoverScript moves delivery tasks whose lease lapsed before ARGV[1]
// (unix seconds) from the active list back to the pending one.
//
// KEYS[1] the queue's lease set, KEYS[2] its active list, KEYS[3] its
// pending list; ARGV[2] the prefix of its task hashes.
var recoverScript = redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 500)
local moved = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  if redis.call('LREM', KEYS[2], 0, id) > 0 then
    redis.call('RPUSH', KEYS[3], id) -- dequeued next
    redis.call('HSET', ARGV[2] .. id, 'state', 'pending')
    table.insert(moved, id)
  end
end
return moved
`)

// asynqKey names a key of asynq's for a queue (asynq's base package).
func asynqKey(queue, name string) string { return "asynq:{" + queue + "}:" + name }

// RecoverLapsed puts the delivery tasks whose process died (their asynq
// lease lapsed) back in the queue, and returns their task ids.
func RecoverLapsed(ctx context.Context, rdb redis.UniversalClient, now time.Time) ([]string, error) {
	q := QueueDeliveries
	res, err := recoverScript.Run(ctx, rdb,
		[]string{asynqKey(q, "lease"), asynqKey(q, "active"), asynqKey(q, "pending")},
		now.Unix()-1, asynqKey(q, "t:")).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("notify: recover lapsed delivery tasks: %w", err)
	}
	return res, nil
}

// recoverLapsed is one sweep of Run.
func (s *Service) recoverLapsed(ctx context.Context) {
	ids, err := RecoverLapsed(ctx, s.store.Redis(), time.Now())
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("look for deliveries of stopped processes", "error", err)
		}
		return
	}
	if len(ids) > 0 {
		s.log.Warn("deliveries of a stopped process recovered: attempting them again, without using up a retry", "count", len(ids), "tasks", ids)
	}
}
