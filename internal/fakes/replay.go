package fakes

import (
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
)

// Answer is one scripted response of a Replay.
type Answer struct {
	Status int    // default 200
	File   string // body from this file (relative to the test's package)
	Body   string // or this body
	Header map[string]string
}

// Replay is an API stand-in that answers requests with a script, in
// order, repeating the last answer once the script runs out, and records
// every request.
type Replay struct {
	*httptest.Server
	mu      sync.Mutex
	answers []Answer
	reqs    []*http.Request
}

// NewReplay starts a Replay that ends with the test.
func NewReplay(t testing.TB, answers ...Answer) *Replay {
	t.Helper()
	r := &Replay{answers: answers}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.reqs = append(r.reqs, req)
		a := r.answers[0]
		if len(r.answers) > 1 {
			r.answers = r.answers[1:]
		}
		r.mu.Unlock()
		body := []byte(a.Body)
		if a.File != "" {
			var err error
			if body, err = os.ReadFile(a.File); err != nil {
				t.Error(err)
			}
		}
		for k, v := range a.Header {
			w.Header().Set(k, v)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
		}
		status := a.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(r.Close)
	return r
}

// Script replaces the answers still to give.
func (r *Replay) Script(answers ...Answer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers = answers
}

// Requests returns the requests served so far.
func (r *Replay) Requests() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.reqs...)
}
