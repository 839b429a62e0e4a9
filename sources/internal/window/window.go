// Package window is the cursor of a feed that an API lists newest first
// and lets a client bound by creation time (Hacker News' Algolia search,
// a Facebook page's feed), after the model of redpanda-data/connect's
// inputs: a backfill boundary for the cold start, an overlap re-read below
// the newest item returned with a bounded seen-set so the items on that
// boundary are returned exactly once, and, when a poll runs out of its page
// budget before reaching the boundary, the gap it leaves, which the next
// polls read before anything newer.
//
// A Window is a value: Poll returns a new one and never changes the old,
// so a poll that fails leaves the stored cursor as it was. PollEach polls
// the several feeds of one manager, each with its window under its own key
// of the adapter's cursor.
package window

import (
	"cmp"
	"context"
	"iter"
	"slices"
	"strings"
	"time"
)

// Window is the cursor of one feed. Its JSON is stored as part of an
// adapter's cursor.
type Window struct {
	// Since is the cold start's backfill boundary: nothing created before
	// it is ever returned.
	Since time.Time `json:"since"`
	// Newest is the creation time of the newest item returned.
	Newest time.Time `json:"newest,omitzero"`
	// Seen holds the items returned whose times are still within reach
	// of a read (the overlap, or the gap), oldest first.
	Seen []Seen `json:"seen,omitempty"`
	// Gap is what a poll that ran out of pages left unread.
	Gap *Range `json:"gap,omitempty"`
}

// Seen is an item already returned.
type Seen struct {
	ID string `json:"id"`
	T  int64  `json:"t"` // creation time, Unix seconds
}

// Range is the items created From to To, both inclusive (the APIs bound
// by the second, so an item at the boundary second is read again and
// dropped by the seen-set). A zero To is open-ended: up to now.
type Range struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// Contains reports whether t is in r.
func (r Range) Contains(t time.Time) bool {
	return !t.Before(r.From) && (r.To.IsZero() || !t.After(r.To))
}

// New returns the window of a feed read for the first time.
func New(now time.Time, backfill time.Duration) Window {
	return Window{Since: now.Add(-backfill).UTC().Truncate(time.Second)}
}

// Item is what a Reader returns: the item, its id and creation time.
type Item[T any] struct {
	ID    string
	Time  time.Time
	Value T
}

// Reader reads the items of r, newest first, one page after another while
// budget (a page count it decrements) lasts. It reports complete when it
// reached r.From or the end of the feed; otherwise the items it returns are
// the newest of r, and the rest is read by a later poll. A Reader may
// return items outside r (pages straddle the bounds); Poll drops them.
type Reader[T any] func(ctx context.Context, r Range, budget *int) (items []Item[T], complete bool, err error)

// Options tune Poll.
type Options struct {
	// Overlap is how far below the newest item returned the next read
	// reaches again, for items an API lists a little after their creation.
	Overlap time.Duration
	// Pages is the page budget of one poll.
	Pages int
	// SeenLimit bounds the seen-set; it must exceed what an overlap holds.
	SeenLimit int
	// Cold is set on a feed's first poll: running out of pages then only
	// shortens the backfill and leaves no gap, so a new manager does not
	// catch up on a flood of old items.
	Cold bool
}

// Result is what Poll read.
type Result[T any] struct {
	// Fresh are the items not returned before, each once, oldest first.
	Fresh []Item[T]
	// Next is the window to store once Fresh is handed on.
	Next Window
	// Read counts the items the reads returned, fresh or not.
	Read int
	// Truncated says the page budget ran out before the boundary; on a
	// cold start the backfill was shortened, otherwise a gap is left.
	Truncated bool
}

// Lower is the oldest creation time the next read of new items reaches.
func (w Window) Lower(overlap time.Duration) time.Time {
	if w.Newest.IsZero() {
		return w.Since
	}
	b := w.Newest.Add(-overlap).Truncate(time.Second)
	if b.Before(w.Since) {
		return w.Since
	}
	return b
}

// Poll reads what is new in the feed: first what a previous poll left in a
// gap, then, if that is done and pages are left, the items since the
// newest one returned (less the overlap).
func Poll[T any](ctx context.Context, w Window, read Reader[T], o Options) (Result[T], error) {
	budget := max(o.Pages, 1)
	var got []Item[T]
	gap := w.Gap
	var res Result[T]
	if gap != nil {
		r := *gap
		items, complete, err := read(ctx, r, &budget)
		if err != nil {
			return Result[T]{}, err
		}
		items = within(items, r)
		got = append(got, items...)
		gap = nil
		if !complete {
			res.Truncated = true
			gap = &r
			if oldest, ok := oldestTime(items); ok {
				gap.To = oldest
			}
		}
	}
	if gap == nil && budget > 0 {
		r := Range{From: w.Lower(o.Overlap)}
		items, complete, err := read(ctx, r, &budget)
		if err != nil {
			return Result[T]{}, err
		}
		items = within(items, r)
		got = append(got, items...)
		if !complete {
			res.Truncated = true
			if oldest, ok := oldestTime(items); ok && !o.Cold {
				gap = &Range{From: r.From, To: oldest}
			}
		}
	}
	res.Read = len(got)
	res.Fresh = fresh(w.Seen, got)
	returned := make([]Seen, len(res.Fresh))
	for i, it := range res.Fresh {
		returned[i] = Seen{ID: it.ID, T: it.Time.Unix()}
	}
	res.Next = w.advance(returned, gap, o)
	return res, nil
}

// within drops the items outside r.
func within[T any](items []Item[T], r Range) []Item[T] {
	out := items[:0:0]
	for _, it := range items {
		if r.Contains(it.Time) {
			out = append(out, it)
		}
	}
	return out
}

func oldestTime[T any](items []Item[T]) (time.Time, bool) {
	if len(items) == 0 {
		return time.Time{}, false
	}
	t := items[0].Time
	for _, it := range items[1:] {
		if it.Time.Before(t) {
			t = it.Time
		}
	}
	return t.Truncate(time.Second), true
}

// fresh returns the items not in seen, each once, oldest first.
func fresh[T any](seen []Seen, items []Item[T]) []Item[T] {
	ids := func(yield func(string) bool) {
		for _, s := range seen {
			if !yield(s.ID) {
				return
			}
		}
	}
	out := Unseen(ids, items, func(it Item[T]) string { return it.ID })
	slices.SortStableFunc(out, func(a, b Item[T]) int {
		return cmp.Or(a.Time.Compare(b.Time), CompareIDs(a.ID, b.ID))
	})
	return out
}

// Unseen is the seen-set's test, for this package's windows and for a
// source that keeps its own cursor shape (Reddit's fullnames): it returns
// the items whose id is not in seen, each once (the first of repeats), in
// the order given.
func Unseen[T any](seen iter.Seq[string], items []T, id func(T) string) []T {
	done := make(map[string]bool, len(items))
	for s := range seen {
		done[s] = true
	}
	var out []T
	for _, it := range items {
		k := id(it)
		if done[k] {
			continue
		}
		done[k] = true
		out = append(out, it)
	}
	return out
}

// advance returns the window to store once fresh (oldest first) is handed
// on, with gap as what is left unread.
func (w Window) advance(fresh []Seen, gap *Range, o Options) Window {
	next := Window{Since: w.Since, Newest: w.Newest, Gap: gap}
	for _, s := range fresh {
		if t := time.Unix(s.T, 0).UTC(); t.After(next.Newest) {
			next.Newest = t
		}
	}
	// Keep what a later read can reach again: the overlap below the newest
	// item, and the gap.
	floor := next.Lower(o.Overlap)
	if gap != nil && gap.From.Before(floor) {
		floor = gap.From
	}
	seen := make([]Seen, 0, len(w.Seen)+len(fresh))
	for _, s := range slices.Concat(w.Seen, fresh) {
		if s.T >= floor.Unix() {
			seen = append(seen, s)
		}
	}
	slices.SortStableFunc(seen, func(a, b Seen) int { return cmp.Or(cmp.Compare(a.T, b.T), CompareIDs(a.ID, b.ID)) })
	if limit := max(o.SeenLimit, 1); len(seen) > limit {
		seen = seen[len(seen)-limit:]
	}
	if len(seen) > 0 {
		next.Seen = seen
	}
	return next
}

// CompareIDs orders ids that are numbers of any length ("9" < "10") by
// value, and others as strings.
func CompareIDs(a, b string) int {
	if numeric(a) && numeric(b) {
		return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
	}
	return strings.Compare(a, b)
}

func numeric(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
