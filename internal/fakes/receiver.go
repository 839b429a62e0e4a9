package fakes

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Request is one webhook a Receiver got.
type Request struct {
	Method string
	Header http.Header
	Body   []byte
	Time   time.Time
	Status int // what the receiver answered
}

// Receiver is a fake webhook receiver. It answers each request with the
// next status of its script (200 once the script runs out).
type Receiver struct {
	*httptest.Server
	mu     sync.Mutex
	script []int
	got    []Request
	notify chan struct{}
}

// NewReceiver starts a receiver answering with script, then 200.
func NewReceiver(script ...int) *Receiver {
	r := &Receiver{script: script, notify: make(chan struct{}, 1024)}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	return r
}

// Script replaces the statuses still to answer.
func (r *Receiver) Script(statuses ...int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.script = statuses
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	status := http.StatusOK
	if len(r.script) > 0 {
		status = r.script[0]
		r.script = r.script[1:]
	}
	r.got = append(r.got, Request{Method: req.Method, Header: req.Header.Clone(), Body: body, Time: time.Now(), Status: status})
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
	w.WriteHeader(status)
}

// Requests returns what the receiver got so far.
func (r *Receiver) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.got...)
}

// Delivered returns the requests answered with a 2xx.
func (r *Receiver) Delivered() []Request {
	var out []Request
	for _, q := range r.Requests() {
		if q.Status >= 200 && q.Status < 300 {
			out = append(out, q)
		}
	}
	return out
}

// MinWait is the least a test waits for something that should happen.
const MinWait = time.Minute

// WaitFor waits until at least n requests arrived or timeout passes, and
// returns what arrived. The timeout is at least MinWait: on a busy machine
// a test is slow, not wrong, and waiting longer only delays a failure.
func (r *Receiver) WaitFor(n int, timeout time.Duration) []Request {
	deadline := time.After(max(timeout, MinWait))
	for {
		got := r.Requests()
		if len(got) >= n {
			return got
		}
		select {
		case <-r.notify:
		case <-deadline:
			return got
		case <-time.After(50 * time.Millisecond):
		}
	}
}
