package fakes

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/coder/websocket"
)

// Jetstream is a fake of Bluesky's Jetstream subscribe endpoint: a
// WebSocket at /subscribe that sends the events it holds, in the order
// added, honouring wantedCollections and cursor (events with time_us at or
// after it, as Jetstream replays), and then every event added while the
// client stays connected.
type Jetstream struct {
	*httptest.Server
	mu      sync.Mutex
	events  []json.RawMessage
	times   []int64
	colls   []string
	changed chan struct{}
	queries []url.Values
	conns   map[*websocket.Conn]context.CancelFunc
}

// NewJetstream starts a fake Jetstream.
func NewJetstream() *Jetstream {
	j := &Jetstream{changed: make(chan struct{}), conns: map[*websocket.Conn]context.CancelFunc{}}
	j.Server = httptest.NewServer(http.HandlerFunc(j.serve))
	return j
}

// SubscribeURL returns the subscribe endpoint (ws://…/subscribe).
func (j *Jetstream) SubscribeURL() string {
	return "ws" + strings.TrimPrefix(j.Server.URL, "http") + "/subscribe"
}

// Add publishes events (Jetstream messages as JSON).
func (j *Jetstream) Add(events ...string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range events {
		var head struct {
			TimeUS int64 `json:"time_us"`
			Commit struct {
				Collection string `json:"collection"`
			} `json:"commit"`
		}
		_ = json.Unmarshal([]byte(e), &head)
		j.events = append(j.events, json.RawMessage(e))
		j.times = append(j.times, head.TimeUS)
		j.colls = append(j.colls, head.Commit.Collection)
	}
	close(j.changed)
	j.changed = make(chan struct{})
}

// Queries returns the query of every subscription, in order.
func (j *Jetstream) Queries() []url.Values {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.queries)
}

// Drop closes every open connection, as a Jetstream restart would.
func (j *Jetstream) Drop() {
	j.mu.Lock()
	defer j.mu.Unlock()
	for c, cancel := range j.conns {
		cancel()
		c.CloseNow()
	}
}

func (j *Jetstream) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/subscribe" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	var cursor int64
	if c := q.Get("cursor"); c != "" {
		var err error
		if cursor, err = strconv.ParseInt(c, 10, 64); err != nil {
			http.Error(w, "bad cursor", http.StatusBadRequest)
			return
		}
	}
	wanted := q["wantedCollections"]
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	j.mu.Lock()
	j.queries = append(j.queries, q)
	j.conns[conn] = cancel
	j.mu.Unlock()
	defer func() {
		j.mu.Lock()
		delete(j.conns, conn)
		j.mu.Unlock()
		cancel()
		conn.CloseNow()
	}()
	go func() { // reads nothing, but notices the client closing
		for {
			if _, _, err := conn.Read(ctx); err != nil {
				cancel()
				return
			}
		}
	}()
	next := 0
	for {
		j.mu.Lock()
		var send []json.RawMessage
		for ; next < len(j.events); next++ {
			if j.times[next] < cursor || len(wanted) > 0 && j.colls[next] != "" && !slices.Contains(wanted, j.colls[next]) {
				continue
			}
			send = append(send, j.events[next])
		}
		changed := j.changed
		j.mu.Unlock()
		for _, e := range send {
			if err := conn.Write(ctx, websocket.MessageText, e); err != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
	}
}
