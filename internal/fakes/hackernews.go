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

// HNItem is one story or comment in a fake Hacker News search.
type HNItem struct {
	ID      int64
	Comment bool
	Author  string
	Title   string // stories
	Text    string // story_text or comment_text, HTML
	StoryID int64  // comments: the story
	Created time.Time
}

// HackerNews is a fake of the Algolia HN Search API's search_by_date,
// served under /api/v1 (use URL+"/api/v1" as the base URL). It honours
// query (every word must appear in the title or text), tags, numericFilters
// on created_at_i, hitsPerPage and page, and, like Algolia, serves at most
// the first 1000 results.
type HackerNews struct {
	*httptest.Server
	mu    sync.Mutex
	items []HNItem
	reqs  []url.Values
}

// NewHackerNews starts a fake HN Search API.
func NewHackerNews() *HackerNews {
	f := &HackerNews{}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// Add publishes items.
func (f *HackerNews) Add(items ...HNItem) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, items...)
}

// Requests returns the query of every search served.
func (f *HackerNews) Requests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func (f *HackerNews) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if r.URL.Path != "/api/v1/search_by_date" {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"Not Found","status":404}`))
		return
	}
	q := r.URL.Query()
	f.mu.Lock()
	f.reqs = append(f.reqs, q)
	items := slices.Clone(f.items)
	f.mu.Unlock()

	tags := strings.Split(strings.Trim(q.Get("tags"), "()"), ",")
	var filters []func(int64) bool
	for _, nf := range strings.Split(q.Get("numericFilters"), ",") {
		if nf == "" {
			continue
		}
		rest, ok := strings.CutPrefix(nf, "created_at_i")
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"message":"Unknown numeric attribute","status":400}`))
			return
		}
		op := strings.TrimRight(rest, "0123456789")
		v, err := strconv.ParseInt(rest[len(op):], 10, 64)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"message":"Invalid syntax for numeric value","status":400}`))
			return
		}
		switch op {
		case ">":
			filters = append(filters, func(t int64) bool { return t > v })
		case ">=":
			filters = append(filters, func(t int64) bool { return t >= v })
		case "<":
			filters = append(filters, func(t int64) bool { return t < v })
		case "<=":
			filters = append(filters, func(t int64) bool { return t <= v })
		case "=":
			filters = append(filters, func(t int64) bool { return t == v })
		}
	}
	words := strings.Fields(strings.ToLower(q.Get("query")))
	var list []HNItem
	for _, it := range items {
		kind := "story"
		if it.Comment {
			kind = "comment"
		}
		if q.Get("tags") != "" && !slices.Contains(tags, kind) {
			continue
		}
		ok := true
		for _, fl := range filters {
			ok = ok && fl(it.Created.Unix())
		}
		hay := strings.ToLower(it.Title + " " + it.Text)
		for _, wd := range words {
			ok = ok && strings.Contains(hay, wd)
		}
		if ok {
			list = append(list, it)
		}
	}
	slices.SortStableFunc(list, func(a, b HNItem) int { return b.Created.Compare(a.Created) })
	per, _ := strconv.Atoi(q.Get("hitsPerPage"))
	if per <= 0 || per > 1000 {
		per = 20
	}
	page, _ := strconv.Atoi(q.Get("page"))
	served := min(len(list), 1000)
	nbPages := (served + per - 1) / per
	var hits []map[string]any
	for i := page * per; i < min(served, (page+1)*per); i++ {
		it := list[i]
		id := strconv.FormatInt(it.ID, 10)
		h := map[string]any{
			"objectID": id, "author": it.Author,
			"created_at":       it.Created.UTC().Format("2006-01-02T15:04:05Z"),
			"created_at_i":     it.Created.Unix(),
			"updated_at":       it.Created.UTC().Format("2006-01-02T15:04:05Z"),
			"_highlightResult": map[string]any{},
		}
		if it.Comment {
			h["_tags"] = []string{"comment", "author_" + it.Author, "story_" + strconv.FormatInt(it.StoryID, 10)}
			h["comment_text"] = it.Text
			h["story_id"], h["parent_id"] = it.StoryID, it.StoryID
			h["story_title"], h["story_url"] = nil, nil
			for _, s := range items {
				if s.ID == it.StoryID {
					h["story_title"] = s.Title
				}
			}
		} else {
			h["_tags"] = []string{"story", "author_" + it.Author, "story_" + id}
			h["title"], h["url"], h["points"], h["num_comments"], h["story_id"] = it.Title, nil, 1, 0, it.ID
			if it.Text != "" {
				h["story_text"] = it.Text
			} else {
				h["story_text"] = nil
			}
		}
		hits = append(hits, h)
	}
	if hits == nil {
		hits = []map[string]any{}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"hits": hits, "nbHits": len(list), "nbPages": nbPages, "page": page, "hitsPerPage": per,
		"exhaustiveNbHits": true, "exhaustiveTypo": true, "query": q.Get("query"),
		"params": r.URL.RawQuery, "processingTimeMS": 1, "serverTimeMS": 1,
	})
}
