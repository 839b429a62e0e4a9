package fakes

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Tweet is one post in a fake X.
type Tweet struct {
	ID       string // a snowflake; SnowflakeID makes one
	Text     string
	AuthorID string
	Username string // "" leaves the author out of includes
	Name     string
	Created  time.Time
	Lang     string
}

// SnowflakeID returns the X post id of a post created at t; seq tells
// apart posts of the same millisecond.
func SnowflakeID(t time.Time, seq int) string {
	ms := uint64(t.UnixMilli() - 1288834974657)
	return strconv.FormatUint(ms<<22|uint64(seq&0xfff), 10)
}

// Twitter is a fake of the X API v2 recent search
// (GET /2/tweets/search/recent). It checks the bearer token, honours
// since_id, until_id, start_time, max_results and next_token the way X does,
// and sends x-rate-limit-* headers. Every post matches every query.
type Twitter struct {
	*httptest.Server
	Token string
	mu    sync.Mutex
	posts []Tweet
	reqs  []url.Values
	// Remaining, when set, is the x-rate-limit-remaining of the next
	// answers (decreasing), then 429.
	remaining *int
}

// NewTwitter starts a fake X that accepts token.
func NewTwitter(token string) *Twitter {
	f := &Twitter{Token: token}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// Add publishes posts.
func (f *Twitter) Add(posts ...Tweet) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.posts = append(f.posts, posts...)
}

// Requests returns the query of every search served.
func (f *Twitter) Requests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

// SetRemaining makes the next n answers count down x-rate-limit-remaining
// to 0, and later ones 429.
func (f *Twitter) SetRemaining(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.remaining = &n
}

func snowflakeLess(a, b string) bool {
	return len(a) < len(b) || len(a) == len(b) && a < b
}

func (f *Twitter) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if r.URL.Path != "/2/tweets/search/recent" {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"title":"Not Found Error","detail":"Sorry, that page does not exist.","type":"https://api.twitter.com/2/problems/resource-not-found","status":404}`))
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.Token {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`))
		return
	}
	q := r.URL.Query()
	f.mu.Lock()
	f.reqs = append(f.reqs, q)
	reset := strconv.FormatInt(time.Now().Add(15*time.Minute).Unix(), 10)
	if f.remaining != nil {
		if *f.remaining <= 0 {
			f.mu.Unlock()
			w.Header().Set("x-rate-limit-limit", "450")
			w.Header().Set("x-rate-limit-remaining", "0")
			w.Header().Set("x-rate-limit-reset", reset)
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`))
			return
		}
		*f.remaining--
		w.Header().Set("x-rate-limit-remaining", strconv.Itoa(*f.remaining))
	} else {
		w.Header().Set("x-rate-limit-remaining", "449")
	}
	w.Header().Set("x-rate-limit-limit", "450")
	w.Header().Set("x-rate-limit-reset", reset)
	posts := slices.Clone(f.posts)
	f.mu.Unlock()

	if q.Get("since_id") != "" && q.Get("start_time") != "" {
		// X uses since_id alone then; Earshot never sends both.
		q.Del("start_time")
	}
	var start time.Time
	if v := q.Get("start_time"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"errors":[{"parameters":{"start_time":["` + v + `"]},"message":"Invalid 'start_time'"}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}`))
			return
		}
		start = t
	}
	max, _ := strconv.Atoi(q.Get("max_results"))
	if max < 10 || max > 100 {
		max = 10
	}
	upper := q.Get("until_id")
	if tok := q.Get("next_token"); tok != "" {
		upper = strings.TrimPrefix(tok, "nt")
	}
	slices.SortFunc(posts, func(a, b Tweet) int {
		if snowflakeLess(b.ID, a.ID) {
			return -1
		}
		return 1
	})
	var list []Tweet
	for _, p := range posts {
		switch {
		case q.Get("since_id") != "" && !snowflakeLess(q.Get("since_id"), p.ID):
		case upper != "" && !snowflakeLess(p.ID, upper):
		case !start.IsZero() && p.Created.Before(start):
		default:
			list = append(list, p)
		}
	}
	page := list[:min(len(list), max)]
	resp := map[string]any{}
	m := map[string]any{"result_count": len(page)}
	if len(page) > 0 {
		var data []map[string]any
		var users []map[string]any
		seen := map[string]bool{}
		for _, p := range page {
			data = append(data, map[string]any{
				"id": p.ID, "text": p.Text, "author_id": p.AuthorID,
				"created_at":             p.Created.UTC().Format("2006-01-02T15:04:05.000Z"),
				"lang":                   p.Lang,
				"conversation_id":        p.ID,
				"edit_history_tweet_ids": []string{p.ID},
			})
			if p.Username != "" && !seen[p.AuthorID] {
				seen[p.AuthorID] = true
				users = append(users, map[string]any{"id": p.AuthorID, "name": p.Name, "username": p.Username})
			}
		}
		resp["data"] = data
		if len(users) > 0 {
			resp["includes"] = map[string]any{"users": users}
		}
		m["newest_id"], m["oldest_id"] = page[0].ID, page[len(page)-1].ID
		if len(list) > len(page) {
			m["next_token"] = "nt" + page[len(page)-1].ID
		}
	}
	resp["meta"] = m
	_ = json.NewEncoder(w).Encode(resp)
}
