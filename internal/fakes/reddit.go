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

// RedditComment is one comment in a fake subreddit.
type RedditComment struct {
	ID        string // base36 id, without t1_
	LinkID    string // the post's base36 id, without t3_
	Subreddit string
	Body      string
	Author    string
	Created   time.Time
}

// Reddit is a fake of Reddit's public JSON API listing endpoints
// (/r/{subs}/new.json and /r/{subs}/new for posts, /r/{subs}/comments.json
// and /r/{subs}/comments for comments; /r/all is every subreddit),
// honouring limit, before and after the way Reddit does.
type Reddit struct {
	*httptest.Server
	mu       sync.Mutex
	posts    []RedditPost    // newest first
	comments []RedditComment // newest first
	requests int
	paths    []string
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

// AddComments publishes comments.
func (r *Reddit) AddComments(comments ...RedditComment) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.comments = append(r.comments, comments...)
	sort.SliceStable(r.comments, func(i, j int) bool { return r.comments[i].Created.After(r.comments[j].Created) })
}

// Requests returns how many listing requests were served.
func (r *Reddit) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

// Paths returns the path of every listing request served, in order.
func (r *Reddit) Paths() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.paths...)
}

func (r *Reddit) serve(w http.ResponseWriter, req *http.Request) {
	path := strings.TrimSuffix(req.URL.Path, ".json")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	q := req.URL.Query()
	// Site-wide search (/search?q=a OR "b c"&sort=new): posts of every
	// subreddit whose title or text contains one of the OR'ed terms.
	var terms []string
	if len(parts) == 1 && parts[0] == "search" {
		for _, t := range strings.Split(q.Get("q"), " OR ") {
			if t = strings.ToLower(strings.Trim(strings.TrimSpace(t), `"`)); t != "" {
				terms = append(terms, t)
			}
		}
		parts = []string{"r", "*", "new"}
	}
	if len(parts) != 3 || parts[0] != "r" || parts[2] != "new" && parts[2] != "comments" {
		http.NotFound(w, req)
		return
	}
	subs := map[string]bool{}
	for _, s := range strings.Split(parts[1], "+") {
		subs[strings.ToLower(s)] = true
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 25
	}
	r.mu.Lock()
	r.requests++
	r.paths = append(r.paths, req.URL.Path)
	var list []listed
	if parts[2] == "comments" {
		titles := map[string]string{}
		for _, p := range r.posts {
			titles[p.ID] = p.Title
		}
		for _, c := range r.comments {
			if subs["all"] || subs[strings.ToLower(c.Subreddit)] {
				list = append(list, c.listed(titles[c.LinkID]))
			}
		}
	} else {
		for _, p := range r.posts {
			if subs["*"] && matchesAny(p.Title+"\n"+p.Selftext, terms) || subs["all"] || subs[strings.ToLower(p.Subreddit)] {
				list = append(list, p.listed())
			}
		}
	}
	r.mu.Unlock()

	index := func(fullname string) int {
		for i, p := range list {
			if p.name == fullname {
				return i
			}
		}
		return -1
	}
	var page []listed
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
		children = append(children, map[string]any{"kind": p.name[:2], "data": p.data})
	}
	var after, before any
	if len(page) == limit && len(page) > 0 {
		after = page[len(page)-1].name
	}
	if len(page) > 0 && (q.Get("before") != "" || q.Get("after") != "") {
		before = page[0].name
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"kind": "Listing", "data": map[string]any{
		"after": after, "before": before, "dist": len(children), "modhash": "", "children": children,
	}})
}

// listed is a thing as a listing sends it.
type listed struct {
	name string // fullname: t3_… or t1_…
	data map[string]any
}

func (p RedditPost) listed() listed {
	return listed{name: "t3_" + p.ID, data: map[string]any{
		"id": p.ID, "name": "t3_" + p.ID, "title": p.Title, "selftext": p.Selftext,
		"author": p.Author, "author_fullname": "t2_" + strings.ToLower(p.Author),
		"subreddit": p.Subreddit, "subreddit_id": "t5_" + strings.ToLower(p.Subreddit),
		"subreddit_name_prefixed": "r/" + p.Subreddit,
		"permalink":               fmt.Sprintf("/r/%s/comments/%s/post/", p.Subreddit, p.ID),
		"url":                     fmt.Sprintf("https://www.reddit.com/r/%s/comments/%s/post/", p.Subreddit, p.ID),
		"created_utc":             float64(p.Created.Unix()), "is_self": true, "over_18": false,
		"score": 1, "num_comments": 0,
	}}
}

func (c RedditComment) listed(linkTitle string) listed {
	linkPath := fmt.Sprintf("/r/%s/comments/%s/post/", c.Subreddit, c.LinkID)
	return listed{name: "t1_" + c.ID, data: map[string]any{
		"id": c.ID, "name": "t1_" + c.ID, "body": c.Body,
		"author": c.Author, "author_fullname": "t2_" + strings.ToLower(c.Author),
		"link_id": "t3_" + c.LinkID, "parent_id": "t3_" + c.LinkID, "link_title": linkTitle,
		"link_permalink": "https://www.reddit.com" + linkPath, "permalink": linkPath + c.ID + "/",
		"subreddit": c.Subreddit, "subreddit_id": "t5_" + strings.ToLower(c.Subreddit),
		"subreddit_name_prefixed": "r/" + c.Subreddit,
		"created_utc":             float64(c.Created.Unix()), "score": 1, "replies": "",
	}}
}

func matchesAny(text string, terms []string) bool {
	text = strings.ToLower(text)
	for _, t := range terms {
		if strings.Contains(text, t) {
			return true
		}
	}
	return false
}
