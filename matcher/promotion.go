package matcher

import (
	"context"
	"encoding/hex"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/earshothq/earshot/matcher/spam"
)

const (
	dupKeyPrefix = "earshot:dup:"
	// dupWindow and dupAuthors: the same text from dupAuthors different
	// authors within dupWindow is a campaign, not a lead.
	dupWindow  = time.Hour
	dupAuthors = 3
	// dupMinText: shorter texts ("any recs?") repeat innocently.
	dupMinText = 40
)

// salesFocus is SALES for one manager: the purchase intent of a wanted
// stage (compiled.salesIntent), unless the post is spam or promotion
// (focus.allowPromotions turns that check off).
func (m *Matcher) salesFocus(ctx context.Context, c *compiled, d *doc) (float64, []string, string) {
	score, why, stage := c.salesIntent(d)
	if c.focus.AllowPromotions || score == 0 {
		return score, why, stage
	}
	if r := d.spamReason(); r != spam.None {
		return 0, append(why[:len(why):len(why)], "not a lead: "+string(r)), ""
	}
	if n := m.sameTextAuthors(ctx, d); n >= dupAuthors {
		return 0, append(why[:len(why):len(why)], "not a lead: the same text from "+strconv.FormatInt(n, 10)+" authors within an hour"), ""
	}
	return score, why, stage
}

// salesMayMatch is the SALES score without the duplicate count (which
// only lowers it), for mayMatch.
func (c *compiled) salesMayMatch(d *doc) float64 {
	score, _, _ := c.salesIntent(d)
	if score > 0 && !c.focus.AllowPromotions && d.spamReason() != spam.None {
		return 0
	}
	return score
}

// spamReason is package spam's verdict on the post, computed once.
func (d *doc) spamReason() spam.Reason {
	if !d.spamDone {
		d.spam = spam.Check(d.post.Title, d.post.Text)
		d.spamDone = true
	}
	return d.spam
}

// sameTextAuthors counts the distinct authors who posted this post's text
// within the last hour, this one included, in the kv (Redis when there is
// one, so every process counts together). It counts each post once, and a
// kv failure counts nothing: a lead is not dropped for it.
func (m *Matcher) sameTextAuthors(ctx context.Context, d *doc) int64 {
	if d.dupDone {
		return d.dups
	}
	d.dupDone = true
	text := d.text()
	if len(text) < dupMinText {
		return 0
	}
	h := fnv.New64a()
	h.Write(text)
	key := dupKeyPrefix + hex.EncodeToString(h.Sum(nil))
	author := d.post.User.ID
	if author == "" {
		author = d.post.User.Name
	}
	ak := key + ":" + author
	if _, seen, err := m.kv.get(ctx, ak); err != nil {
		m.log.Warn("duplicate counter unavailable", "error", err)
		return 0
	} else if seen {
		v, _, _ := m.kv.get(ctx, key+":n")
		n, _ := strconv.ParseInt(v, 10, 64)
		d.dups = n
		return n
	}
	if err := m.kv.set(ctx, ak, "1", dupWindow); err != nil {
		m.log.Warn("duplicate counter unavailable", "error", err)
		return 0
	}
	n, err := m.kv.incr(ctx, key, dupWindow)
	if err != nil {
		m.log.Warn("duplicate counter unavailable", "error", err)
		return 0
	}
	_ = m.kv.set(ctx, key+":n", strconv.FormatInt(n, 10), dupWindow)
	d.dups = n
	return n
}
