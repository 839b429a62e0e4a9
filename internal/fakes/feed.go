package fakes

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// FeedDoc is one document a Feeds server serves.
type FeedDoc struct {
	Body        string
	ContentType string // default application/rss+xml
	Status      int    // default 200
	Header      map[string]string
	Modified    time.Time // Last-Modified; zero: none sent
}

// Feeds is a web server of feed documents, by path, that answers
// conditional GETs as servers do: a strong ETag of the body, Last-Modified,
// and 304 Not Modified (no body) when If-None-Match or If-Modified-Since
// says the client has the current document.
type Feeds struct {
	*httptest.Server
	mu   sync.Mutex
	docs map[string]FeedDoc
	reqs []*http.Request
}

// NewFeeds starts a Feeds server.
func NewFeeds() *Feeds {
	f := &Feeds{docs: map[string]FeedDoc{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// Set serves doc at path from now on.
func (f *Feeds) Set(path string, doc FeedDoc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.docs[path] = doc
}

// Requests returns the requests served so far.
func (f *Feeds) Requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.reqs...)
}

func (f *Feeds) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.reqs = append(f.reqs, r)
	doc, ok := f.docs[r.URL.Path]
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	for k, v := range doc.Header {
		w.Header().Set(k, v)
	}
	if doc.Status != 0 && doc.Status != http.StatusOK {
		w.WriteHeader(doc.Status)
		_, _ = w.Write([]byte(doc.Body))
		return
	}
	sum := sha256.Sum256([]byte(doc.Body))
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	if !doc.Modified.IsZero() {
		w.Header().Set("Last-Modified", doc.Modified.UTC().Format(http.TimeFormat))
	}
	notModified := r.Header.Get("If-None-Match") == etag
	if ims := r.Header.Get("If-Modified-Since"); r.Header.Get("If-None-Match") == "" && ims != "" && !doc.Modified.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !doc.Modified.Truncate(time.Second).After(t) {
			notModified = true
		}
	}
	if notModified {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	ct := doc.ContentType
	if ct == "" {
		ct = "application/rss+xml; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	_, _ = w.Write([]byte(doc.Body))
}
