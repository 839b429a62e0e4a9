package store_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/redisconn"
)

// TestPipelineHookCarriesAsynq runs asynq on a client with the pipeline
// hook: tasks enqueued concurrently, retried once and completed all go
// through shared pipelines and none is lost.
func TestPipelineHookCarriesAsynq(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			url := b.URL(t)
			st := newStore(t, url)
			q, err := redisconn.NewClient(url)
			if err != nil {
				t.Fatal(err)
			}
			defer q.Close()
			q.AddHook(st.PipelineHook())
			client := asynq.NewClientFromRedisClient(q)
			defer client.Close()

			const n = 200
			var done atomic.Int64
			var mu sync.Mutex
			failedOnce := map[string]bool{}
			srv := asynq.NewServerFromRedisClient(q, asynq.Config{
				Concurrency: 16, Queues: map[string]int{"q": 1}, LogLevel: asynq.FatalLevel,
				TaskCheckInterval: 10 * time.Millisecond, DelayedTaskCheckInterval: 100 * time.Millisecond,
				RetryDelayFunc: func(int, error, *asynq.Task) time.Duration { return 100 * time.Millisecond },
			})
			if err := srv.Start(asynq.HandlerFunc(func(ctx context.Context, task *asynq.Task) error {
				id, _ := asynq.GetTaskID(ctx)
				mu.Lock()
				first := !failedOnce[id]
				failedOnce[id] = true
				mu.Unlock()
				if first && len(id)%2 == 0 {
					return context.DeadlineExceeded // retried once
				}
				done.Add(1)
				return nil
			})); err != nil {
				t.Fatal(err)
			}
			defer srv.Shutdown()
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := client.Enqueue(asynq.NewTask("t", nil, asynq.TaskID("task-"+strconv.Itoa(i)), asynq.Queue("q")))
					if err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			// A second enqueue of the same id still conflicts through the hook.
			if _, err := client.Enqueue(asynq.NewTask("t", nil, asynq.TaskID("task-1"), asynq.Queue("q"))); err == nil {
				// task-1 may be done already and its id free again; only a
				// wrong error would be a failure.
			} else if !errors.Is(err, asynq.ErrTaskIDConflict) {
				t.Errorf("duplicate enqueue: %v", err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for done.Load() < n && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if got := done.Load(); got < n {
				t.Fatalf("%d of %d tasks done", got, n)
			}
		})
	}
}
