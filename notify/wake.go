package notify

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/earshothq/earshot/store"
)

// waker brings delivery tasks waiting in asynq's retry set forward, so
// that they run when their turn comes rather than when asynq's next
// whole-second check finds them due:
//
//   - a delivery refused for its connection's concurrency waits in the
//     connection's waiting set, and the attempt that gives a slot back
//     wakes the oldest waiter at once;
//   - a delivery postponed to a rate-limit turn, or retried after a delay
//     shorter than asynq's granularity allows, is woken by a timer of the
//     process that postponed it, at the exact time.
//
// asynq keeps retry times in whole seconds: the time the handler gives it
// is rounded up (see RetryDelay), so a task is never run early, and a
// wake-up that goes astray (its process stopped) costs at most that second
// and asynq's DelayedTaskCheckInterval.
type waker struct {
	insp  *asynq.Inspector
	store *store.Store
	log   *slog.Logger

	mu     sync.Mutex
	timers int
}

// maxWakeTimers bounds the timers one process keeps; beyond it, asynq's
// own schedule wakes the tasks.
const maxWakeTimers = 50000

// wakeTries bounds how often a wake-up is tried again while the task is
// still being processed (its handler has returned, asynq has not yet put
// it in the retry set); wakeBackoff is the first pause between tries.
const (
	wakeTries   = 8
	wakeBackoff = 5 * time.Millisecond
)

func newWaker(insp *asynq.Inspector, st *store.Store, log *slog.Logger) *waker {
	return &waker{insp: insp, store: st, log: log}
}

// enabled says whether tasks can be woken (an Inspector was given).
func (w *waker) enabled() bool { return w != nil && w.insp != nil }

// after wakes a task after d, if this process still runs then.
func (w *waker) after(taskID string, d time.Duration) {
	if !w.enabled() || taskID == "" {
		return
	}
	w.mu.Lock()
	if w.timers >= maxWakeTimers {
		w.mu.Unlock()
		return
	}
	w.timers++
	w.mu.Unlock()
	time.AfterFunc(d, func() {
		w.mu.Lock()
		w.timers--
		w.mu.Unlock()
		w.wake(taskID)
	})
}

// runWaiter moves a task of a connection's waiting set to the front of the
// queue. It is only ever in the set while it waits (a refusal puts it in,
// its next grant or finish takes it out), so it is run as it is, without
// asking asynq first, to keep the hand-off of a slot short.
func (w *waker) runWaiter(taskID string) wakeResult {
	pause := wakeBackoff
	for range wakeTries {
		err := w.insp.RunTask(QueueDeliveries, taskID)
		switch {
		case err == nil, strings.Contains(errString(err), "already in pending state"):
			return wakeDone
		case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
			return wakeGone
		case strings.Contains(errString(err), "already running"):
			// Its handler has returned (it asked to wait) and asynq is about
			// to put it in the retry set.
			time.Sleep(pause)
			pause *= 2
		default:
			return wakeDone // Redis trouble: its own fallback will do
		}
	}
	return wakeBusy
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// waiter wakes a delivery that waited for a concurrency slot of a
// connection, taken out of its waiting set; one that is gone meanwhile
// hands its turn on to the next.
func (w *waker) waiter(ctx context.Context, ns, conn, taskID string) {
	if !w.enabled() || taskID == "" {
		return
	}
	ctx = context.WithoutCancel(ctx) // the attempt that hands its slot on is over
	go func() {
		for range 4 {
			if w.runWaiter(taskID) == wakeDone {
				return
			}
			// Gone, or still being processed after every try (its fallback
			// brings it back): the slot goes to the next in line.
			next, err := w.store.NextWaiter(ctx, ns, conn)
			if err != nil || next == "" {
				return
			}
			taskID = next
		}
	}()
}

type wakeResult int

const (
	wakeDone wakeResult = iota // runs now (or is about to)
	wakeGone                   // no longer waits: done, dead, deleted
	wakeBusy                   // still being processed after every try
)

// wake moves a task due now to the front of the queue, if it still waits
// in asynq's retry set (a manual retry may have run it meanwhile).
func (w *waker) wake(taskID string) wakeResult {
	pause := wakeBackoff
	for range wakeTries {
		info, err := w.insp.GetTaskInfo(QueueDeliveries, taskID)
		if err != nil {
			if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
				return wakeGone
			}
			return wakeDone // Redis trouble: asynq's schedule will do
		}
		switch info.State {
		case asynq.TaskStateRetry, asynq.TaskStateScheduled:
			if err := w.insp.RunTask(QueueDeliveries, taskID); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
				// Picked up meanwhile by asynq itself, or gone: either way not
				// ours to run.
				w.log.Debug("wake delivery task", "task", taskID, "error", err)
			}
			return wakeDone
		case asynq.TaskStatePending:
			return wakeDone
		case asynq.TaskStateActive:
			// Its handler has returned (it asked to wait) and asynq is about
			// to put it in the retry set.
			time.Sleep(pause)
			pause *= 2
		default: // archived, completed: never run again from here
			return wakeGone
		}
	}
	return wakeBusy
}
