package reddit

import (
	"cmp"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/earshothq/earshot/sources/internal/cursors"
	"github.com/earshothq/earshot/sources/internal/window"
)

const (
	// cursorVersion changes when the cursor's meaning does; a cursor of
	// another version starts the manager over.
	cursorVersion = 1
	// seenLimit bounds the seen-set, as PRAW's stream_generator bounds its
	// own; it must exceed the posts one overlap window can hold.
	seenLimit = 1000
	// overlap is how far before the newest post's time a walk back reads
	// again. Posts can reach /new, and more so search, a little after their
	// created time; the seen-set drops the ones already returned.
	overlap = 10 * time.Minute
)

// cursor is what Poll hands back to be stored. Its JSON is opaque to the
// caller.
//
// The posts' stream is inlined where cursors written before comments were
// read kept it, so such a cursor carries on reading posts where it stopped;
// its comments, having no stream yet, start with a backfill.
type cursor struct {
	Version int `json:"v"`
	// Config fingerprints the manager's subreddits and query: a cursor
	// made for another source is ignored (cold start). source.include is
	// not part of it, so that turning comments on or off leaves the posts'
	// stream alone.
	Config string `json:"config"`
	stream
	// Comments is the /comments listing's stream, nil when it is not read.
	Comments *stream `json:"comments,omitempty"`
}

// stream is where one listing's reading stands.
type stream struct {
	// Since is the cold start's backfill boundary; nothing older is ever
	// returned. Zero means the listing was never read, or not by the last
	// poll: the next read is a cold start (which still honours Seen).
	Since time.Time `json:"since,omitzero"`
	// Newest is the fullname and created time of the newest item returned.
	Newest     string    `json:"newest,omitempty"`
	NewestTime time.Time `json:"newestTime,omitzero"`
	// Follow says the last poll of /new (or /comments) returned items, so
	// Newest is very likely still listed and the next poll pages forward
	// from it. After a quiet poll the next one reads the newest page
	// instead: one request, where before=Newest would answer empty and
	// need the fallback anyway.
	Follow bool `json:"follow,omitempty"`
	// Seen holds the fullnames returned most recently, oldest first.
	Seen []string `json:"seen,omitempty"`
}

// decodeCursor reads a stored cursor. It reports false, meaning "start
// over", for no cursor, one made for another source, and one that cannot be
// read: failing instead would stall the manager for good.
func decodeCursor(raw json.RawMessage, fingerprint string, log *slog.Logger) (cursor, bool) {
	c, ok := cursors.Decode[cursor](log, "reddit", raw, cursorVersion)
	if !ok {
		return cursor{}, false
	}
	if c.Config != fingerprint {
		log.Info("the manager's subreddits or query changed; starting over with a backfill")
		return cursor{}, false
	}
	return c, true
}

// parked is what is kept of a stream while its listing is not read: the
// seen-set alone, so that the cold start of including it again does not
// return what it returned before.
func (c stream) parked() stream { return stream{Seen: c.Seen} }

// bound is the oldest created time a walk back reads: the newest item's
// time less the overlap, never before the backfill boundary, by the rule
// every windowed source follows.
func (c stream) bound() time.Time {
	w := window.Window{Since: c.Since}
	if c.Newest != "" {
		w.Newest = c.NewestTime
	}
	return w.Lower(overlap)
}

// fresh returns the things not returned before, each once, oldest first.
func (c stream) fresh(things []thing) []thing {
	out := window.Unseen(slices.Values(c.Seen), things, thing.fullname)
	slices.SortStableFunc(out, byAge)
	return out
}

// byAge orders things oldest first; within a second, by id.
func byAge(a, b thing) int {
	return cmp.Or(a.created().Compare(b.created()), compareIDs(a.fullname(), b.fullname()))
}

// advance returns the stream to store once fresh (oldest first) is handed
// on.
func (c stream) advance(fresh []thing, follow bool) stream {
	next := c
	next.Follow = follow && len(fresh) > 0
	if len(fresh) == 0 {
		return next
	}
	next.Seen = make([]string, 0, min(len(c.Seen)+len(fresh), seenLimit))
	next.Seen = append(next.Seen, c.Seen...)
	for _, l := range fresh {
		next.Seen = append(next.Seen, l.fullname())
	}
	if n := len(next.Seen); n > seenLimit {
		next.Seen = next.Seen[n-seenLimit:]
	}
	if newest := fresh[len(fresh)-1]; c.Newest == "" || !newest.created().Before(c.NewestTime) {
		next.Newest, next.NewestTime = newest.fullname(), newest.created().UTC()
	}
	return next
}

// compareIDs orders fullnames by their base-36 ids, which Reddit hands out
// in increasing order.
func compareIDs(a, b string) int {
	_, a, _ = strings.Cut(a, "_")
	_, b, _ = strings.Cut(b, "_")
	return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
}
