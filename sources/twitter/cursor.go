package twitter

import (
	"encoding/json"
	"log/slog"
	"slices"
	"time"

	"github.com/earshothq/earshot/sources/internal/cursors"
	"github.com/earshothq/earshot/sources/internal/window"
)

const (
	// cursorVersion changes when the cursor's meaning does; a cursor of
	// another version starts the manager over.
	cursorVersion = 1
	// overlap is how far below the newest post returned the next poll
	// reads again: posts reach the search index a few seconds after they
	// are created, so one just older than the newest may appear later.
	// Short, because every post read counts against the monthly cap.
	overlap = 30 * time.Second
	// seenLimit bounds the seen-set; it exceeds what a poll can read.
	seenLimit = 2000
)

// cursor is what Poll hands back to be stored. Its JSON is opaque to the
// caller. Post ids are snowflakes: they grow with creation time, so since_id
// and until_id bound a read exactly.
type cursor struct {
	Version int `json:"v"`
	// Config fingerprints the search query: a cursor made for another
	// query is ignored (cold start).
	Config string `json:"config"`
	// Since is the cold start's backfill boundary (start_time) while no
	// anchor is known.
	Since time.Time `json:"since"`
	// Anchor is the since_id of the next read of new posts.
	Anchor string `json:"anchor,omitempty"`
	// Seen holds the ids returned above the lowest bound still read,
	// ascending.
	Seen []string `json:"seen,omitempty"`
	// Gap is what a poll that ran out of pages left unread.
	Gap *gap `json:"gap,omitempty"`
}

// gap is the posts after From (a since_id), or created at or after Since
// when From is "", and before To (an until_id).
type gap struct {
	From  string    `json:"from,omitempty"`
	Since time.Time `json:"since,omitzero"`
	To    string    `json:"to"`
}

// decodeCursor reads a stored cursor. It reports false, meaning "start
// over", for no cursor, one made for another query, and one that cannot be
// read: failing instead would stall the manager for good.
func decodeCursor(raw json.RawMessage, fingerprint string, log *slog.Logger) (cursor, bool) {
	c, ok := cursors.Decode[cursor](log, "twitter", raw, cursorVersion)
	if !ok {
		return cursor{}, false
	}
	if c.Config != fingerprint {
		log.Info("twitter: the manager's query changed; starting over with a backfill")
		return cursor{}, false
	}
	return c, true
}

// fresh returns the ids of read not in the seen-set, each once, ascending.
func (c cursor) fresh(read []string) []string {
	seen := make(map[string]bool, len(c.Seen)+len(read))
	for _, id := range c.Seen {
		seen[id] = true
	}
	var out []string
	for _, id := range read {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	slices.SortFunc(out, window.CompareIDs)
	return out
}

// advance returns the cursor to store once the fresh posts are handed on.
// oldest is the oldest id of a read of new posts that ran out of pages
// ("" when it did not), next the gap left.
func (c cursor) advance(fresh []string, oldest string, next *gap) cursor {
	n := c
	n.Gap = next
	all := slices.Concat(c.Seen, fresh)
	slices.SortFunc(all, window.CompareIDs)
	all = slices.Compact(all)

	// The anchor moves up to the newest post at least overlap older than
	// the newest returned: what is newer is read again, and the seen-set
	// drops it. Without such a post, and so far without an anchor, the
	// backfill boundary moves up to that time instead.
	if len(all) > 0 {
		cut := snowflakeTime(all[len(all)-1]).Add(-overlap)
		for i := len(all) - 1; i >= 0; i-- {
			if !snowflakeTime(all[i]).After(cut) {
				n.Anchor = maxID(n.Anchor, all[i])
				break
			}
		}
		if cut = cut.Truncate(time.Second); n.Anchor == "" && cut.After(n.Since) {
			n.Since = cut.UTC()
		}
	}
	// Whatever is older than the oldest post of a cut-short read is the
	// gap's, or, on a cold start, left out of the backfill.
	if oldest != "" {
		n.Anchor = maxID(n.Anchor, oldest)
	}

	// Keep the ids a later read can return again.
	above := func(id string) bool {
		return window.CompareIDs(id, n.Anchor) > 0
	}
	switch {
	case next != nil && next.From == "":
		above = func(id string) bool { return !snowflakeTime(id).Before(next.Since) }
	case next != nil:
		above = func(id string) bool { return window.CompareIDs(id, next.From) > 0 }
	case n.Anchor == "":
		above = func(id string) bool { return !snowflakeTime(id).Before(n.Since) }
	}
	n.Seen = nil
	for _, id := range all {
		if above(id) {
			n.Seen = append(n.Seen, id)
		}
	}
	if len(n.Seen) > seenLimit {
		n.Seen = n.Seen[len(n.Seen)-seenLimit:]
	}
	return n
}

func maxID(a, b string) string {
	if a == "" || window.CompareIDs(b, a) > 0 {
		return b
	}
	return a
}
