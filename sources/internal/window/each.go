package window

import (
	"context"
	"errors"
	"time"

	"github.com/earshothq/earshot/sources"
)

// Read is one of the feeds a poll reads, its window stored under Key.
type Read[T any] struct {
	Key  string
	Read Reader[T]
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
// nothing to hand on. each, when not nil, is told the result of each read
// and whether its window was new.
func PollEach[T any](ctx context.Context, prev map[string]Window, reads []Read[T], now time.Time, backfill time.Duration, o Options, each func(i int, res Result[T], cold bool)) (Polled[T], error) {
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
			return out, nil
		}
		if err != nil {
			return Polled[T]{}, err
		}
		if each != nil {
			each(i, res, !known)
		}
		out.Next[rd.Key] = res.Next
		out.Fresh = append(out.Fresh, res.Fresh...)
	}
	return out, nil
}
