package fakes

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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

// FacebookPost is one post on a fake Facebook Page's feed.
type FacebookPost struct {
	ID       string // {page id}_{post id}
	Page     string // the page id or username whose feed shows it
	Message  string
	FromID   string // "" leaves from out
	FromName string
	Created  time.Time
}

// Facebook is a fake of the Graph API's Page feed
// (GET /v21.0/{page}/feed; use URL+"/v21.0" as the base URL). It checks
// access_token and, when AppSecret is set, appsecret_proof; it honours
// fields, limit, since and until, and pages like the Graph API does, with
// a paging.next URL on graph.facebook.com that carries the token, until
// and a __paging_token.
type Facebook struct {
	*httptest.Server
	Token     string
	AppSecret string
	mu        sync.Mutex
	posts     []FacebookPost
	reqs      []url.Values
}

// NewFacebook starts a fake Graph API that accepts token.
func NewFacebook(token string) *Facebook {
	f := &Facebook{Token: token}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// Add publishes posts.
func (f *Facebook) Add(posts ...FacebookPost) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.posts = append(f.posts, posts...)
}

// Requests returns the query of every feed request served.
func (f *Facebook) Requests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func graphError(w http.ResponseWriter, status, code int, typ, msg string) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "code": code, "fbtrace_id": "AFakeTraceId01"}})
}

func (f *Facebook) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) != 3 || parts[0] != "v21.0" || parts[2] != "feed" {
		graphError(w, 400, 2500, "OAuthException", "Unknown path components: /"+strings.Join(parts, "/"))
		return
	}
	page := parts[1]
	q := r.URL.Query()
	if q.Get("access_token") != f.Token {
		graphError(w, 400, 190, "OAuthException", "Invalid OAuth access token - Cannot parse access token")
		return
	}
	if f.AppSecret != "" {
		mac := hmac.New(sha256.New, []byte(f.AppSecret))
		mac.Write([]byte(f.Token))
		if q.Get("appsecret_proof") != hex.EncodeToString(mac.Sum(nil)) {
			graphError(w, 400, 100, "GraphMethodException", "Invalid appsecret_proof provided in the API argument")
			return
		}
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, q)
	var list []FacebookPost
	for _, p := range f.posts {
		if p.Page == page {
			list = append(list, p)
		}
	}
	f.mu.Unlock()
	w.Header().Set("X-App-Usage", `{"call_count":1,"total_cputime":1,"total_time":1}`)

	slices.SortStableFunc(list, func(a, b FacebookPost) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	unix := func(name string) (int64, bool) {
		v, err := strconv.ParseInt(q.Get(name), 10, 64)
		return v, err == nil
	}
	since, hasSince := unix("since")
	until, hasUntil := unix("until")
	token := q.Get("__paging_token")
	var tokTime time.Time
	for _, p := range list {
		if p.ID == token {
			tokTime = p.Created
		}
	}
	var sel []FacebookPost
	for _, p := range list {
		t := p.Created.Unix()
		switch {
		case hasSince && t < since:
		case token != "" && (p.Created.After(tokTime) || p.Created.Equal(tokTime) && p.ID >= token):
		case token == "" && hasUntil && t > until:
		default:
			sel = append(sel, p)
		}
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 25
	}
	pageOf := sel[:min(len(sel), limit)]
	fields := strings.Split(q.Get("fields"), ",")
	data := []map[string]any{}
	for _, p := range pageOf {
		d := map[string]any{"id": p.ID}
		if slices.Contains(fields, "message") && p.Message != "" {
			d["message"] = p.Message
		}
		if slices.Contains(fields, "created_time") {
			d["created_time"] = p.Created.UTC().Format("2006-01-02T15:04:05-0700")
		}
		if slices.Contains(fields, "permalink_url") {
			pageID, postID, _ := strings.Cut(p.ID, "_")
			d["permalink_url"] = "https://www.facebook.com/" + pageID + "/posts/" + postID
		}
		if slices.Contains(fields, "from") && p.FromID != "" {
			d["from"] = map[string]any{"id": p.FromID, "name": p.FromName}
		}
		data = append(data, d)
	}
	resp := map[string]any{"data": data}
	if len(pageOf) > 0 {
		paging := map[string]any{"cursors": map[string]any{"before": "QVFIUmJlZm9yZQ", "after": "QVFIUmFmdGVy"}}
		if len(sel) > len(pageOf) {
			last := pageOf[len(pageOf)-1]
			next := url.Values{}
			next.Set("access_token", f.Token)
			next.Set("pretty", "0")
			next.Set("fields", q.Get("fields"))
			next.Set("limit", strconv.Itoa(limit))
			if hasSince {
				next.Set("since", strconv.FormatInt(since, 10))
			}
			next.Set("until", strconv.FormatInt(last.Created.Unix(), 10))
			next.Set("__paging_token", last.ID)
			paging["next"] = "https://graph.facebook.com/v21.0/" + page + "/feed?" + next.Encode()
		}
		resp["paging"] = paging
	}
	_ = json.NewEncoder(w).Encode(resp)
}
