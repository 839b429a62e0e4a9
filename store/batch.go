package store

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// batcher pipelines the Redis commands of concurrent callers together.
//
// Each delivery attempt reads and writes a few keys; a round trip each
// would cost a write and a read syscall on both sides for a few
// microseconds of Redis work. Instead a caller queues its commands and
// waits; an executor sends whatever has queued up in one pipeline, so
// under load many attempts share a round trip, and alone a caller goes
// straight through with no added delay. Executors exist only while there
// is work. (Pipelines, not MULTI: a process dying halfway leaves at worst
// an index entry out of step with its record, which readers check.)
type batcher struct {
	rdb     redis.UniversalClient
	mu      sync.Mutex
	queue   []*batchReq
	running int

	// waitReplicas > 0 ends every pipeline with WAIT (see WaitForReplicas).
	waitReplicas int
	waitTimeout  time.Duration
}

// Bounds of a batcher: executors at once (one: while its pipeline is in
// flight the next batch gathers), and callers per pipeline.
const (
	batchExecutors = 1
	batchMax       = 128
	batchTimeout   = 10 * time.Second
)

type batchReq struct {
	ctx   context.Context
	build func(redis.Pipeliner) []redis.Cmder
	cmds  []redis.Cmder
	done  chan error
}

// do queues build's commands and waits for them to run. It returns the
// first error of its own commands (redis.Nil excepted: the caller reads
// each command's result).
func (b *batcher) do(ctx context.Context, build func(redis.Pipeliner) []redis.Cmder) error {
	r := &batchReq{ctx: ctx, build: build, done: make(chan error, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, r)
	if b.running < batchExecutors {
		b.running++
		go b.execute()
	}
	b.mu.Unlock()
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		// The commands may still run; the caller no longer waits for them.
		return ctx.Err()
	}
}

func (b *batcher) execute() {
	for {
		// Let callers that are about to queue do so: one yield costs far
		// less than the round trip it can save them.
		runtime.Gosched()
		b.mu.Lock()
		n := min(len(b.queue), batchMax)
		if n == 0 {
			b.running--
			b.mu.Unlock()
			return
		}
		batch := make([]*batchReq, n)
		copy(batch, b.queue)
		b.queue = append(b.queue[:0], b.queue[n:]...)
		b.mu.Unlock()
		b.run(batch)
	}
}

func (b *batcher) run(batch []*batchReq) {
	// The first caller's values (not its cancellation) carry the batch.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(batch[0].ctx), batchTimeout)
	defer cancel()
	pipe := b.rdb.Pipeline()
	live := batch[:0]
	for _, r := range batch {
		if r.ctx.Err() != nil {
			r.done <- r.ctx.Err()
			continue
		}
		r.cmds = r.build(pipe)
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	var wait *redis.Cmd
	if b.waitReplicas > 0 {
		wait = pipe.Do(ctx, "WAIT", b.waitReplicas, b.waitTimeout.Milliseconds())
	}
	_, execErr := pipe.Exec(ctx)
	replErr := replicated(wait, b.waitReplicas)
	for _, r := range live {
		var err error
		for _, c := range r.cmds {
			if e := c.Err(); e != nil && !errors.Is(e, redis.Nil) {
				err = e
				break
			}
		}
		if err == nil && execErr != nil && !errors.Is(execErr, redis.Nil) && len(r.cmds) == 0 {
			err = execErr
		}
		if err == nil {
			err = replErr
		}
		r.done <- err
	}
}

// PipelineHook returns a go-redis hook for the client asynq uses: asynq's
// Lua scripts (enqueueing a task, completing it, retrying it, extending
// leases…) then go through the store's batcher, sharing round trips with
// each other and with the delivery path's own commands. asynq makes a round
// trip per enqueue and per completion of every task; at a few thousand
// deliveries a second those round trips are most of the CPU spent.
//
// Two kinds of command are sent as usual: everything but scripts, and the
// dequeue script (the one whose first key is a queue's pending list): one
// goroutine dequeues for all of a server's workers, and must not wait
// behind a batch. Do not add the hook to a client used for WATCH
// transactions, which need their own connection.
func (s *Store) PipelineHook() redis.Hook { return pipelineHook{s.batch} }

type pipelineHook struct{ b *batcher }

func (pipelineHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h pipelineHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !batchable(cmd) {
			return next(ctx, cmd)
		}
		if err := h.b.do(ctx, func(p redis.Pipeliner) []redis.Cmder {
			_ = p.Process(ctx, cmd)
			return []redis.Cmder{cmd}
		}); err != nil && cmd.Err() == nil {
			cmd.SetErr(err)
		}
		return cmd.Err()
	}
}

func (pipelineHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// batchable reports a script other than asynq's dequeue. Its arguments are
// EVALSHA sha numkeys key1 …
func batchable(cmd redis.Cmder) bool {
	switch cmd.Name() {
	case "evalsha", "eval", "evalsha_ro", "eval_ro":
	default:
		return false
	}
	args := cmd.Args()
	if len(args) < 4 {
		return true
	}
	first, _ := args[3].(string)
	return !strings.HasSuffix(first, ":pending")
}
