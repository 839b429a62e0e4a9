package fakes

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MastodonStatus is one status of a fake Mastodon instance.
type MastodonStatus struct {
	ID       int64 // snowflake-like; newer statuses have larger ids
	Tags     []string
	Content  string // HTML
	Spoiler  string
	Language string // "" → null
	Acct     string
	Created  time.Time
	// BoostOf makes this status a boost (reblog) of another.
	BoostOf *MastodonStatus
}

// Mastodon is a fake Mastodon instance: GET /api/v1/timelines/tag/:tag
// (newest first, limit, max_id, paging by a Link header with rel="next",
// as the API documents) and GET /api/v2/search?type=statuses (only with
// a bearer token, as on mastodon.social; min_id, offset), with the
// X-RateLimit-* headers of the default limit (300 per 5 minutes).
type Mastodon struct {
	*httptest.Server
	Token string // the access token search accepts
	// Limit is the requests allowed per window (default 300).
	Limit    int
	Now      func() time.Time
	mu       sync.Mutex
	statuses []MastodonStatus
	reqs     []*http.Request
	used     int
}

// NewMastodon starts a fake instance.
func NewMastodon() *Mastodon {
	f := &Mastodon{Limit: 300, Now: time.Now}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// Add publishes statuses.
func (f *Mastodon) Add(s ...MastodonStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statuses = append(f.statuses, s...)
}

// Requests returns the requests served so far.
func (f *Mastodon) Requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func (f *Mastodon) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.reqs = append(f.reqs, r)
	f.used++
	used, list := f.used, slices.Clone(f.statuses)
	f.mu.Unlock()
	now := f.Now()
	reset := now.Truncate(5 * time.Minute).Add(5 * time.Minute)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(f.Limit))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(max(f.Limit-used, 0)))
	w.Header().Set("X-RateLimit-Reset", reset.UTC().Format("2006-01-02T15:04:05.000000Z"))
	if used > f.Limit {
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"error":"Too many requests"}`))
		return
	}
	q := r.URL.Query()
	limit := 20
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, 40)
	}
	maxID, _ := strconv.ParseInt(q.Get("max_id"), 10, 64)
	minID, _ := strconv.ParseInt(q.Get("min_id"), 10, 64)
	slices.SortFunc(list, func(a, b MastodonStatus) int { return int(b.ID - a.ID) })
	var tag, query string
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/v1/timelines/tag/"):
		tag = strings.ToLower(strings.TrimPrefix(r.URL.Path, "/api/v1/timelines/tag/"))
	case r.URL.Path == "/api/v2/search" && q.Get("type") == "statuses":
		if f.Token == "" || r.Header.Get("Authorization") != "Bearer "+f.Token {
			// Unauthenticated search finds no statuses by text.
			_, _ = w.Write([]byte(`{"accounts":[],"statuses":[],"hashtags":[]}`))
			return
		}
		query = strings.ToLower(q.Get("q"))
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"Record not found"}`))
		return
	}
	var page []map[string]any
	skip, _ := strconv.Atoi(q.Get("offset"))
	var last int64
	for _, s := range list {
		orig := s
		if s.BoostOf != nil {
			orig = *s.BoostOf
		}
		if maxID > 0 && s.ID >= maxID || minID > 0 && s.ID <= minID {
			continue
		}
		if tag != "" && !slices.Contains(orig.Tags, tag) || query != "" && !strings.Contains(strings.ToLower(orig.Content), query) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if len(page) == limit {
			break
		}
		page = append(page, f.status(s))
		last = s.ID
	}
	if tag != "" {
		if len(page) == limit {
			next := *r.URL
			nq := next.Query()
			nq.Set("max_id", strconv.FormatInt(last, 10))
			next.RawQuery = nq.Encode()
			w.Header().Set("Link", `<`+f.URL+next.RequestURI()+`>; rel="next", <`+f.URL+r.URL.Path+`?min_id=1>; rel="prev"`)
		}
		if page == nil {
			page = []map[string]any{}
		}
		_ = json.NewEncoder(w).Encode(page)
		return
	}
	if page == nil {
		page = []map[string]any{}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"accounts": []any{}, "statuses": page, "hashtags": []any{}})
}

// status renders s as the API's Status entity.
func (f *Mastodon) status(s MastodonStatus) map[string]any {
	id := strconv.FormatInt(s.ID, 10)
	user := strings.Split(s.Acct, "@")[0]
	acctURL := "https://mastodon.example/@" + user
	var lang any
	if s.Language != "" {
		lang = s.Language
	}
	var reblog any
	content, spoiler := s.Content, s.Spoiler
	if s.BoostOf != nil {
		reblog = f.status(*s.BoostOf)
		content, spoiler, lang = "", "", nil
	}
	tags := []map[string]string{}
	for _, t := range s.Tags {
		tags = append(tags, map[string]string{"name": t, "url": "https://mastodon.example/tags/" + t})
	}
	return map[string]any{
		"id":                     id,
		"created_at":             s.Created.UTC().Format("2006-01-02T15:04:05.000Z"),
		"in_reply_to_id":         nil,
		"in_reply_to_account_id": nil,
		"sensitive":              spoiler != "",
		"spoiler_text":           spoiler,
		"visibility":             "public",
		"language":               lang,
		"uri":                    "https://mastodon.example/users/" + user + "/statuses/" + id,
		"url":                    acctURL + "/" + id,
		"replies_count":          0,
		"reblogs_count":          0,
		"favourites_count":       0,
		"content":                content,
		"reblog":                 reblog,
		"account": map[string]any{
			"id": strconv.Itoa(len(user)), "username": user, "acct": s.Acct, "display_name": user, "url": acctURL,
		},
		"media_attachments": []any{},
		"mentions":          []any{},
		"tags":              tags,
		"emojis":            []any{},
		"card":              nil,
		"poll":              nil,
	}
}
