package fakes

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RedditPost is one link in a fake subreddit.
type RedditPost struct {
	ID        string // base36 id, without t3_
	Subreddit string
	Title     string
	Selftext  string
	Author    string
	Created   time.Time
}

// Reddit is a fake of Reddit's public JSON API listing endpoints
// (/r/{subs}/new.json and /r/{subs}/new), honouring limit, before and after
// the way Reddit does.
type Reddit struct {
	*httptest.Server
	mu       sync.Mutex
	posts    []RedditPost // newest first
	requests int
}

// NewReddit starts a fake Reddit.
func NewReddit() *Reddit {
	r := &Reddit{}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	return r
}

// Add publishes posts.
func (r *Reddit) Add(posts ...RedditPost) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.posts = append(r.posts, posts...)
	sort.SliceStable(r.posts, func(i, j int) bool { return r.posts[i].Created.After(r.posts[j].Created) })
}

// Requests returns how many listing requests were served.
func (r *Reddit) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

func (r *Reddit) serve(w http.ResponseWriter, req *http.Request) {
	path := strings.TrimSuffix(req.URL.Path, ".json")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) != 3 || parts[0] != "r" || parts[2] != "new" {
		http.NotFound(w, req)
		return
	}
	subs := map[string]bool{}
	for _, s := range strings.Split(parts[1], "+") {
		subs[strings.ToLower(s)] = true
	}
	q := req.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 25
	}
	r.mu.Lock()
	r.requests++
	var list []RedditPost
	for _, p := range r.posts {
		if subs[strings.ToLower(p.Subreddit)] {
			list = append(list, p)
		}
	}
	r.mu.Unlock()

	index := func(fullname string) int {
		for i, p := range list {
			if "t3_"+p.ID == fullname {
				return i
			}
		}
		return -1
	}
	var page []RedditPost
	switch {
	case q.Get("before") != "":
		i := index(q.Get("before"))
		if i > 0 {
			page = list[max(0, i-limit):i]
		}
	case q.Get("after") != "":
		i := index(q.Get("after"))
		if i >= 0 {
			page = list[i+1 : min(len(list), i+1+limit)]
		}
	default:
		page = list[:min(len(list), limit)]
	}
	children := make([]map[string]any, 0, len(page))
	for _, p := range page {
		children = append(children, map[string]any{"kind": "t3", "data": map[string]any{
			"id": p.ID, "name": "t3_" + p.ID, "title": p.Title, "selftext": p.Selftext,
			"author": p.Author, "author_fullname": "t2_" + strings.ToLower(p.Author),
			"subreddit": p.Subreddit, "subreddit_id": "t5_" + strings.ToLower(p.Subreddit),
			"subreddit_name_prefixed": "r/" + p.Subreddit,
			"permalink":               fmt.Sprintf("/r/%s/comments/%s/post/", p.Subreddit, p.ID),
			"url":                     fmt.Sprintf("https://www.reddit.com/r/%s/comments/%s/post/", p.Subreddit, p.ID),
			"created_utc":             float64(p.Created.Unix()), "is_self": true, "over_18": false,
			"score": 1, "num_comments": 0,
		}})
	}
	var after, before any
	if len(page) == limit && len(page) > 0 {
		after = "t3_" + page[len(page)-1].ID
	}
	if len(page) > 0 && (q.Get("before") != "" || q.Get("after") != "") {
		before = "t3_" + page[0].ID
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"kind": "Listing", "data": map[string]any{
		"after": after, "before": before, "dist": len(children), "modhash": "", "children": children,
	}})
}
