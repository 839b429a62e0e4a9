package sources

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"

	"github.com/earshothq/earshot/models"
)

// Combiner is implemented by Shared sources whose managers of one stream
// need parts of a larger read: Reddit managers with subreddits share
// multireddit reads, Facebook managers the reads of their pages. Combine
// is given every manager of one stream (one source type, one StreamKey)
// and returns the reads that serve them all; Wants says whether a post one
// of those reads returned is for a manager (its subreddit, its kind of
// item), so that it is matched only against the managers it concerns.
type Combiner interface {
	Shared
	Combine(ms []*models.Manager) []Read
	Wants(m *models.Manager, post *models.Post) bool
}

// A Read is one read of a stream: what its Poll is given and the managers
// its posts are matched against.
type Read struct {
	// Key names the read within its stream, stably across processes and
	// restarts (it names the read's cursor); "" for a stream's only read.
	Key string
	// Manager is what Poll is given: a manager that asks for everything
	// the read's managers need.
	Manager *models.Manager
	// Managers are the stream's managers the read serves.
	Managers []*models.Manager
}

// Representative returns the manager a read shared by ms is polled with:
// the first of them by name, with the longest backfill among them (a
// stream read for the first time reaches back as far as any of its
// managers asks), and, when def (the kind's default include) is given,
// every source.include any of them asks for. The managers are not changed.
func Representative(ms []*models.Manager, def []string) *models.Manager {
	first := slices.MinFunc(ms, func(a, b *models.Manager) int { return cmp.Compare(a.Name, b.Name) })
	rep := *first
	rep.Source.Include = slices.Clone(first.Source.Include)
	for _, m := range ms {
		if b := m.Source.BackfillOrDefault(); b > rep.Source.BackfillOrDefault() {
			rep.Source.Backfill = models.Duration(b)
		}
		if def != nil {
			rep.Source.Include = UnionInclude(rep.Source.Include, m.Source.Include, def)
		}
	}
	return &rep
}

// UnionInclude returns the source.include that reads what both a and b
// read; an empty include reads the kind's default, def.
func UnionInclude(a, b, def []string) []string {
	if len(a) == 0 {
		a = def
	}
	if len(b) == 0 {
		b = def
	}
	out := slices.Clone(a)
	for _, v := range b {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// Includes reports whether a manager's source.include asks for the given
// kind of item ("posts", "comments"); an empty include asks for the
// kind's default, def.
func Includes(m *models.Manager, kind string, def []string) bool {
	if len(m.Source.Include) == 0 {
		return slices.Contains(def, kind)
	}
	return slices.Contains(m.Source.Include, kind)
}

// Unwrapper is implemented by a Source that wraps another (to count its
// polls, say), so that what the inner one implements (Shared, Combiner,
// Describer) is still found through As.
type Unwrapper interface {
	Unwrap() Source
}

// As returns src, or the first source it wraps, that is a T.
func As[T any](src Source) (T, bool) {
	for src != nil {
		if t, ok := src.(T); ok {
			return t, true
		}
		u, ok := src.(Unwrapper)
		if !ok {
			break
		}
		src = u.Unwrap()
	}
	var zero T
	return zero, false
}

// Streamer is implemented by sources read as one continuous stream (a
// firehose over a WebSocket) rather than polled on a schedule. Stream
// reads from cursor (nil: from now) until ctx is done, handing each batch
// of posts on to hand with the cursor to store once they are; it
// reconnects by itself, with backoff, after the platform fails, resuming
// after the last batch handed on. It returns hand's error as soon as hand
// fails (the caller starts over from its stored cursor), and ctx.Err()
// when ctx is done.
type Streamer interface {
	Stream(ctx context.Context, m *models.Manager, cursor json.RawMessage, hand func(ctx context.Context, batch Result) error) error
}
