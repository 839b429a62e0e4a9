package twitter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/internal/cursors"
	"github.com/earshothq/earshot/sources/internal/fetch"
	"github.com/earshothq/earshot/sources/internal/window"
)

const (
	// pageSize is recent search's largest max_results.
	pageSize = 100
	// DefaultTimeout bounds each HTTP request.
	DefaultTimeout = fetch.DefaultTimeout
	// maxBodyBytes caps a response body; a full page is ~100 KiB.
	maxBodyBytes = 4 << 20
	// reach is how far back recent search goes (seven days), less a
	// margin for clocks and the request's flight: X refuses a start_time
	// or since_id beyond it.
	reach = 7*24*time.Hour - 5*time.Minute
)

// Source reads X posts. It is safe for concurrent use by many managers.
type Source struct {
	cfg Config
	api *fetch.Client
	log *slog.Logger
}

var _ sources.Source = (*Source)(nil)

// New returns a Source for cfg (cfg.WithDefaults is applied).
func New(cfg Config, opts ...sources.Option) *Source {
	cfg = cfg.WithDefaults()
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	api, o := fetch.New(fetch.Platform{
		Name:    "twitter",
		RateKey: rateKey(cfg),
		Timeout: DefaultTimeout,
		MaxBody: maxBodyBytes,
		Secrets: []string{cfg.BearerToken},
	}, opts)
	return &Source{cfg: cfg, api: api, log: o.Log}
}

// rateKey names the RateState entry: X limits each app, so every process
// with the same token shares one entry. The token is hashed so that the key
// does not reveal it.
func rateKey(cfg Config) string {
	sum := sha256.Sum256([]byte(cfg.BearerToken))
	return "twitter:" + hex.EncodeToString(sum[:6])
}

// Poll implements sources.Source.
//
// A first poll (or one after the manager's query changed) reads back
// m.Source.BackfillOrDefault() (at most seven days) with start_time.
// Later polls first read what an earlier poll left in a gap, then the posts
// after the cursor's since_id anchor, newest first, following
// meta.next_token while the page budget lasts. Posts in the cursor's
// seen-set are never returned again.
func (s *Source) Poll(ctx context.Context, m *models.Manager, raw json.RawMessage) (sources.Result, error) {
	query, err := Query(m)
	if err != nil {
		return sources.Result{}, err
	}
	name := m.Name
	if name == "" {
		name = m.ID
	}
	log := s.log.With("manager", name)
	now := s.api.Now()
	fp := fingerprint(query)

	cur, ok := decodeCursor(raw, fp, log)
	cold := !ok
	if cold {
		cur = cursor{
			Version: cursorVersion,
			Config:  fp,
			Since:   now.Add(-m.Source.BackfillOrDefault()).UTC().Truncate(time.Second),
		}
	}

	budget := s.cfg.MaxPages
	var posts []models.Post
	limited := false
	next := cur.Gap
	if g := cur.Gap; g != nil {
		r, err := s.read(ctx, log, query, g.From, g.Since, g.To, now, &budget)
		if err != nil {
			return sources.Result{}, err
		}
		posts = append(posts, r.posts...)
		limited = r.limited
		switch {
		case r.expired:
			log.Warn("twitter: posts left unread by an earlier poll are now beyond recent search's seven days; skipped")
			next = nil
		case r.complete:
			next = nil
		case r.oldest != "":
			next = &gap{From: g.From, Since: g.Since, To: r.oldest}
		}
	}
	oldest := ""
	if next == nil && budget > 0 && !limited {
		r, err := s.read(ctx, log, query, cur.Anchor, cur.Since, "", now, &budget)
		if err != nil {
			return sources.Result{}, err
		}
		posts = append(posts, r.posts...)
		if !r.complete && r.oldest != "" {
			oldest = r.oldest
			if cold {
				log.Debug("twitter: page budget used before the backfill boundary; older posts skipped", "pages", s.cfg.MaxPages)
			} else {
				log.Warn("twitter: page budget used before the previous poll's posts; the rest is read next poll", "pages", s.cfg.MaxPages)
				next = &gap{From: cur.Anchor, To: r.oldest}
				if cur.Anchor == "" {
					next.Since = cur.Since
				}
			}
		}
	}

	byID := make(map[string]models.Post, len(posts))
	ids := make([]string, 0, len(posts))
	for _, p := range posts {
		if _, dup := byID[p.ID]; !dup {
			byID[p.ID] = p
			ids = append(ids, p.ID)
		}
	}
	fresh := cur.fresh(ids)
	out := make([]models.Post, len(fresh))
	for i, id := range fresh {
		out[i] = byID[id]
	}
	log.Debug("twitter poll done", "cold_start", cold, "read", len(posts), "posts", len(out), "gap", next != nil)
	return cursors.Result("twitter", out, cur.advance(fresh, oldest, next))
}

// fingerprint identifies a query in the cursor.
func fingerprint(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:8])
}

// readResult is what one bounded read found.
type readResult struct {
	posts []models.Post
	// complete: the read reached its lower bound.
	complete bool
	// oldest is the smallest id read, for a read cut short.
	oldest string
	// expired: the whole range is older than recent search reaches.
	expired bool
	// limited: the rate-limit window is used up; no further call may be
	// made before its reset.
	limited bool
}

// read pages through the posts after sinceID (or, when it is "", created
// at or after start) and before until (an until_id; "" for none), newest
// first, until the last page, the page budget or the rate-limit window
// ends.
func (s *Source) read(ctx context.Context, log *slog.Logger, query, sinceID string, start time.Time, until string, now time.Time, budget *int) (readResult, error) {
	oldestAllowed := now.Add(-reach)
	if until != "" && snowflakeTime(until).Before(oldestAllowed) {
		return readResult{complete: true, expired: true}, nil
	}
	q := url.Values{}
	q.Set("query", query)
	q.Set("max_results", fmt.Sprint(pageSize))
	q.Set("tweet.fields", "created_at,author_id,lang,conversation_id")
	q.Set("expansions", "author_id")
	q.Set("user.fields", "username,name")
	switch {
	case sinceID != "" && !snowflakeTime(sinceID).Before(oldestAllowed):
		q.Set("since_id", sinceID)
	case sinceID != "":
		log.Warn("twitter: the cursor is older than recent search's seven days; posts in between are lost")
		q.Set("start_time", oldestAllowed.UTC().Truncate(time.Second).Format(time.RFC3339))
	default:
		if start.Before(oldestAllowed) {
			start = oldestAllowed
		}
		q.Set("start_time", start.UTC().Truncate(time.Second).Format(time.RFC3339))
	}
	if until != "" {
		q.Set("until_id", until)
	}

	var r readResult
	for n := 0; ; n++ {
		body, exhausted, err := s.get(ctx, log, q)
		if err != nil {
			if n > 0 && errors.Is(err, sources.ErrRateLimited) {
				// Keep what was read; the rest waits for the reset.
				r.limited = true
				return r, nil
			}
			return readResult{}, err
		}
		*budget--
		p, err := decodeSearch(body)
		if err != nil {
			return readResult{}, s.api.Error("GET", searchPath, 200, err)
		}
		if p.partial > 0 {
			log.Debug("twitter: some authors could not be expanded", "errors", p.partial)
		}
		r.posts = append(r.posts, p.posts...)
		for _, post := range p.posts {
			r.oldest = minID(r.oldest, post.ID)
		}
		switch {
		case p.nextToken == "":
			r.complete, r.limited = true, exhausted
			return r, nil
		case *budget <= 0:
			return r, nil
		case exhausted:
			log.Info("twitter: rate-limit window used up mid-poll; the rest is read after the reset")
			r.limited = true
			return r, nil
		}
		q.Set("next_token", p.nextToken)
	}
}

func minID(a, b string) string {
	if a == "" || window.CompareIDs(b, a) < 0 {
		return b
	}
	return a
}

// Describe implements sources.Describer: the X search query.
func (s *Source) Describe(m *models.Manager) string {
	q, err := Query(m)
	if err != nil {
		return ""
	}
	return "X search query: " + q
}

// bareTerm is a keyword X's search reads as one token: a word, #hashtag,
// @mention or $cashtag. Anything else is sent as a quoted phrase.
var bareTerm = regexp.MustCompile(`^[#@$]?[\p{L}\p{N}_]+$`)

// Query returns the X search query of a manager: its source.query, or,
// without one, one built from input.keywords: each keyword bare when it is
// a single word, hashtag, mention or cashtag and as a quoted phrase
// otherwise, OR'ed, then each of input.excludes negated, then -is:retweet
// (a retweet repeats a post already read).
//
//	keywords [social listening, earshot], excludes [jobs] →
//	("social listening" OR earshot) -jobs -is:retweet
func Query(m *models.Manager) (string, error) {
	st, err := sources.Settings[Settings](m)
	if err != nil {
		return "", err
	}
	if q := strings.TrimSpace(st.Query); q != "" {
		return q, nil
	}
	var terms []string
	for _, k := range m.Input.Keywords {
		if t := term(k); t != "" {
			terms = append(terms, t)
		}
	}
	if len(terms) == 0 {
		return "", fmt.Errorf("twitter: the manager has neither source.query nor input.keywords")
	}
	q := strings.Join(terms, " OR ")
	if len(terms) > 1 {
		q = "(" + q + ")"
	}
	for _, e := range m.Input.Excludes {
		if t := term(e); t != "" {
			q += " -" + t
		}
	}
	return q + " -is:retweet", nil
}

// term renders a keyword as a search term. X's query language has no
// escape for a double quote inside a phrase, so quotes are dropped.
func term(k string) string {
	k = strings.Join(strings.Fields(strings.ReplaceAll(k, `"`, " ")), " ")
	switch {
	case k == "":
		return ""
	case bareTerm.MatchString(k) && k != "OR" && k != "AND":
		return k
	default:
		return `"` + k + `"`
	}
}
