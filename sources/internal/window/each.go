package window

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/earshothq/earshot/sources"
)

// Read is one of the feeds a poll reads, its window stored under Key.
type Read[T any] struct {
	Key  string
	Read Reader[T]
	// Attrs name the read in logs ("query", q).
	Attrs []any
}

// Polled is what PollEach read.
type Polled[T any] struct {
	// Fresh are the fresh items of every read, read after read.
	Fresh []Item[T]
	// Next holds the windows to store once Fresh is handed on.
	Next map[string]Window
	// Limited is the index of the read that was rate limited, which with
	// the reads after it was left for after the block; len(reads) when
	// every read was made.
	Limited int
}

// PollEach polls the reads one after another, each from its window in
// prev (a new one reaching back backfill from now when prev has none: a
// read the manager did not make before), with o (Cold set for a new
// window). A read after the first that is rate limited ends the poll
// without failing it: what the reads before it read is kept, and it and
// the rest keep the windows they had in prev. Any other error fails the
// poll, and so does a rate limit on the first read, as there is then
// nothing to hand on. A read that runs out of pages is logged: at Warn when
// it leaves a gap for the next poll, at Debug on its first poll, whose
// backfill was only shortened.
func PollEach[T any](ctx context.Context, log *slog.Logger, prev map[string]Window, reads []Read[T], now time.Time, backfill time.Duration, o Options) (Polled[T], error) {
	out := Polled[T]{Next: map[string]Window{}, Limited: len(reads)}
	for i, rd := range reads {
		w, known := prev[rd.Key]
		if !known {
			w = New(now, backfill)
		}
		o.Cold = !known
		res, err := Poll(ctx, w, rd.Read, o)
		if err != nil && i > 0 && errors.Is(err, sources.ErrRateLimited) {
			for _, rest := range reads[i:] {
				if w, ok := prev[rest.Key]; ok {
					out.Next[rest.Key] = w
				}
			}
			out.Limited = i
			log.Info("rate limited mid-poll; this read and the rest are made after the block", rd.Attrs...)
			return out, nil
		}
		if err != nil {
			return Polled[T]{}, err
		}
		if res.Truncated {
			lvl := slog.LevelWarn
			if !known {
				lvl = slog.LevelDebug
			}
			log.Log(ctx, lvl, "page budget used before the cursor; the rest is read next poll (on a first poll: skipped)",
				append(slices.Clone(rd.Attrs), "pages", o.Pages)...)
		}
		out.Next[rd.Key] = res.Next
		out.Fresh = append(out.Fresh, res.Fresh...)
	}
	return out, nil
}
