package notify

import (
	"log/slog"
	"sync"
	"time"
)

// warnOnce logs a failure at Warn the first time it is seen for a
// connection, and at Debug while it repeats, so a receiver that is down
// does not flood the log with one line per delivery. A failure is logged
// at Warn again after warnEvery.
type warnOnce struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

const warnEvery = 5 * time.Minute

func newWarnOnce() *warnOnce { return &warnOnce{seen: make(map[string]time.Time)} }

func (w *warnOnce) log(log *slog.Logger, connection, key, msg string, args ...any) {
	k := connection + "\x00" + key
	now := time.Now()
	w.mu.Lock()
	last, ok := w.seen[k]
	warn := !ok || now.Sub(last) >= warnEvery
	if warn {
		if len(w.seen) > 10000 {
			clear(w.seen) // bounded: keys embed status codes and reasons
		}
		w.seen[k] = now
	}
	w.mu.Unlock()
	if warn {
		log.Warn(msg, args...)
	} else {
		log.Debug(msg, args...)
	}
}
