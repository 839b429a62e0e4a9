package store

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// Embedded is an in-process, in-memory Redis (miniredis): for trying
// Earshot out and for tests. Nothing it holds survives the process.
type Embedded struct {
	srv    *miniredis.Miniredis
	cancel context.CancelFunc
	done   chan struct{}
}

// StartEmbedded starts an embedded Redis on a loopback port.
//
// miniredis only expires keys when its clock is moved, so a ticker moves it
// with the wall clock; without it TTLs (and with them asynq's Unique locks
// and our own locks) would never lapse.
func StartEmbedded(ctx context.Context) (*Embedded, error) {
	srv := miniredis.NewMiniRedis()
	if err := srv.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("store: start embedded redis: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	e := &Embedded{srv: srv, cancel: cancel, done: make(chan struct{})}
	srv.SetTime(time.Now())
	go func() {
		defer close(e.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				srv.SetTime(now)
				srv.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	return e, nil
}

// URL returns the redis:// URL of the embedded server.
func (e *Embedded) URL() string { return "redis://" + e.srv.Addr() }

// Close stops the server.
func (e *Embedded) Close() {
	e.cancel()
	<-e.done
	e.srv.Close()
}
