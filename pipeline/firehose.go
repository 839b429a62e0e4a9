package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/store"
)

const (
	// leaseTTL is how long a stream reader's lease lasts unrenewed: when
	// its process dies, another takes over within it.
	leaseTTL = 30 * time.Second
	// leaseRenew is how often the holder renews it.
	leaseRenew = 10 * time.Second
	// leaseRetry is how often a process without the lease tries again.
	leaseRetry = 5 * time.Second
	// behind is the lag past which a stream reader says, once, that
	// matching does not keep up.
	behind = time.Minute
)

// errReadGone ends a stream reader whose read no manager makes any more.
var errReadGone = errors.New("pipeline: the stream has no managers any more")

// RunStreams keeps one reader on every streamed read (a sources.Streamer's,
// such as the Bluesky firehose) until ctx is done, across every process on
// the Redis: each reader holds the read's lease, and the other processes
// wait to take over should its holder die. It follows the managers: a read
// that appears gets a reader within reload, one that no manager makes any
// more stops.
func (p *Poller) RunStreams(ctx context.Context, reload time.Duration) {
	if reload <= 0 {
		reload = 2 * time.Second
	}
	running := map[string]context.CancelFunc{}
	defer func() {
		for _, stop := range running {
			stop()
		}
	}()
	t := time.NewTicker(reload)
	defer t.Stop()
	for {
		if snap, err := p.snapshot(ctx); err != nil {
			if ctx.Err() == nil {
				p.Logger.Warn("streams: reading managers failed", "error", err)
			}
		} else {
			want := map[string]bool{}
			for i := range snap.reads {
				if r := &snap.reads[i]; r.Streamed {
					want[r.ID] = true
					if running[r.ID] == nil {
						rctx, stop := context.WithCancel(ctx)
						running[r.ID] = stop
						go p.runStream(rctx, r.ID)
					}
				}
			}
			for id, stop := range running {
				if !want[id] {
					stop()
					delete(running, id)
				}
			}
		}
		// Counts of reads made many times a second (ingests, firehoses)
		// are written every statusEvery.
		p.FlushStatus(ctx, false)
		select {
		case <-ctx.Done():
			p.FlushStatus(context.WithoutCancel(ctx), true)
			return
		case <-t.C:
		}
	}
}

// runStream reads one streamed read whenever this process holds its lease.
func (p *Poller) runStream(ctx context.Context, id string) {
	log := p.Logger.With("read", id)
	name := "poll:stream:" + store.StreamKey(id) // the lock pollRead takes too
	for ctx.Err() == nil {
		lease, ok, err := p.Store.TakeLease(ctx, name, leaseTTL)
		if err != nil || !ok {
			if err != nil && ctx.Err() == nil {
				log.Warn("streams: taking the lease failed", "error", err)
			}
			sleep(ctx, leaseRetry)
			continue
		}
		log.Info("stream reader started")
		lctx, cancel := context.WithCancel(ctx)
		go func() {
			t := time.NewTicker(leaseRenew)
			defer t.Stop()
			for {
				select {
				case <-lctx.Done():
					return
				case <-t.C:
					if ok, err := lease.Renew(lctx); !ok || err != nil {
						if lctx.Err() == nil {
							log.Warn("streams: lease lost; stopping the reader", "error", err)
						}
						cancel()
						return
					}
				}
			}
		}()
		err = p.stream(lctx, id)
		cancel()
		lease.Release(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, errReadGone):
			return
		case err != nil && !errors.Is(err, context.Canceled):
			// A hand-on failed (Redis): start over from the stored cursor.
			log.Warn("stream reader stopped; restarting from the stored cursor", "error", err)
			sleep(ctx, time.Second)
		}
	}
}

// stream reads a streamed read from its stored cursor, handing on each
// batch as a poll does (one index pass per post against the read's
// current managers, Scans stored and enqueued) and only then storing the
// batch's cursor.
func (p *Poller) stream(ctx context.Context, id string) error {
	snap, err := p.snapshot(ctx)
	if err != nil {
		return err
	}
	r := snap.byID[id]
	if r == nil {
		return errReadGone
	}
	src, ok := sources.As[sources.Streamer](r.source)
	if !ok {
		return errReadGone
	}
	cursor, err := p.Store.StreamCursor(ctx, id)
	if err != nil {
		return err
	}
	lagging := false
	return src.Stream(ctx, r.Poll, cursor, func(ctx context.Context, batch sources.Result) (err error) {
		// The managers as they are now: a change counts from the next batch.
		snap, err := p.snapshot(ctx)
		if err != nil {
			return err
		}
		r := snap.byID[id]
		if r == nil {
			return errReadGone
		}
		// One span a batch, not a message: a firehose sends hundreds a
		// second.
		var st Stats
		ctx, span := p.startRead(ctx, SpanStreamBatch, r)
		defer func() { endRead(span, st, err) }()
		st, per, err := p.match(ctx, r, batch.Posts)
		p.Streams.read(r, batch.Posts, st)
		if err != nil {
			return err
		}
		if err := p.Store.SetStreamCursor(ctx, id, batch.Cursor); err != nil {
			return err
		}
		p.Logger.Debug("stream batch handed on", "read", id, "managers", len(r.Managers), "posts", st.Fetched, "matched", st.Matched, "new", st.New)
		p.recordSoon(ctx, p.Logger.With("read", id), r, p.now(), st, per)
		if n := len(batch.Posts); n > 0 {
			lag := time.Since(batch.Posts[n-1].Time.Time)
			switch {
			case lag > behind && !lagging:
				p.Logger.Warn("stream reader is behind the stream; matching does not keep up", "read", id, "lag", lag.Round(time.Second))
				lagging = true
			case lag < behind/2 && lagging:
				p.Logger.Info("stream reader caught up", "read", id)
				lagging = false
			}
		}
		return nil
	})
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
