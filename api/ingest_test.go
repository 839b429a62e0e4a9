package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
)

// ingester records the batches handed on.
type ingester struct {
	mu      sync.Mutex
	batches [][]models.Post
	ns      []string
	err     error
}

func (g *ingester) ingest(_ context.Context, ns string, posts []models.Post) (IngestResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return IngestResult{}, g.err
	}
	g.batches = append(g.batches, posts)
	g.ns = append(g.ns, ns)
	return IngestResult{Managers: 1, Matched: 1, New: 1}, nil
}

const goodBatch = `[
 {"type":"TWITTER_TWEET","time":"2026-06-13T12:10:00Z","id":"1800000000000000001","text":"Anyone tried earshot?",
  "url":"https://x.com/dana/status/1800000000000000001","user":{"id":"42","name":"@dana","url":"https://x.com/dana"},"lang":"en"},
 {"type":"RSS_ITEM","time":"2026-06-13T14:10:00+02:00","id":"feed-7","title":"Earshot 1.0","text":"","url":"","user":{"id":"","name":"","url":""}},
 {"type":"HACKERNEWS_COMMENT","time":"2026-06-13T12:00:00Z","id":"40123456","text":"earshot &amp; co",
  "url":"https://news.ycombinator.com/item?id=40123456","user":{"id":"pg","name":"pg","url":"https://news.ycombinator.com/user?id=pg"},
  "parent":{"id":"40123400","title":"Ask HN","url":"https://news.ycombinator.com/item?id=40123400"}}
]`

func TestIngestGoodBatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		g := &ingester{}
		e.api.opts.Ingest = g.ingest
		r := must(t, e.post("/v1/namespaces/acme/posts:ingest", acmeKey, goodBatch), 200)
		if string(r.Raw) != `{"acceptedCount":3,"managerCount":1,"matchCount":1,"scanCount":1}`+"\n" {
			t.Errorf("answer = %s", r.Raw)
		}
		if len(g.batches) != 1 || g.ns[0] != "acme" || len(g.batches[0]) != 3 {
			t.Fatalf("handed on %v to %v", g.batches, g.ns)
		}
		p := g.batches[0]
		if p[0].ID != "1800000000000000001" || p[0].User.Name != "@dana" || p[0].Lang != "en" ||
			!p[1].Time.Equal(time.Date(2026, 6, 13, 12, 10, 0, 0, time.UTC)) || p[1].Title != "Earshot 1.0" ||
			p[2].Parent == nil || p[2].Parent.ID != "40123400" {
			t.Errorf("posts = %+v", p)
		}
	})
}

func TestIngestBadBatchIsRefusedWhole(t *testing.T) {
	e := newEnv(t, testredis.Embedded(t))
	g := &ingester{}
	e.api.opts.Ingest = g.ingest
	tests := []struct {
		name    string
		body    string
		status  int
		details map[string]string // field → part of its description
		message string
	}{
		{name: "one bad post among good ones", status: 400,
			body: `[` + strings.Trim(goodBatch, "[]\n ") + `,
			 {"type":"TWITTER_TWEET","id":"9","text":"no time","url":"","user":{"id":"","name":"","url":""}}]`,
			details: map[string]string{"[3].time": "is required"}},
		{name: "every problem named by index and field", status: 400,
			body: `[{"type":"tweet","id":"","time":"yesterday","text":"x","user":{"id":"","name":"","url":""}},
			        {"type":"X","id":"a","time":"2026-06-13T12:00:00Z","text":"","url":"/relative","user":{"id":"","name":"","url":"ftp://x"},"colour":"red"},
			        {"type":"X","id":"a","time":"2026-06-13T12:00:00Z","text":"dup","user":{"id":1}}]`,
			details: map[string]string{
				"[0].time":    "is not RFC 3339",
				"[1].colour":  "unknown field",
				"[2].user.id": "must be a string",
			}},
		{name: "content checked once the shape is right", status: 400,
			body: `[{"type":"tweet","id":"","time":"2026-06-13T12:00:00Z","text":"x","url":"","user":{"id":"","name":"","url":""}},
			        {"type":"X","id":"a","time":"2026-06-13T12:00:00Z","text":"","url":"/relative","user":{"id":"","name":"","url":"ftp://x"}},
			        {"type":"X","id":"a","time":"2026-06-13T12:00:00Z","text":"dup","url":"","user":{"id":"","name":"","url":""}}]`,
			details: map[string]string{
				"[0].type":     "upper-case identifier",
				"[0].id":       "is required",
				"[1].text":     "is required when there is no title",
				"[1].url":      "absolute http or https URL",
				"[1].user.url": "absolute http or https URL",
				"[2].id":       "repeats the id of [1]",
			}},
		{name: "an object, not an array", status: 400, body: `{"type":"X"}`, message: "must be a JSON array of posts, not an object"},
		{name: "empty array", status: 400, body: `[]`, message: "no posts"},
		{name: "malformed JSON", status: 400, body: `[{"type":`, message: "malformed JSON"},
		{name: "too many posts", status: 400,
			body:    "[" + strings.Repeat(`{"type":"X","id":"1","time":"2026-06-13T12:00:00Z","text":"x","url":"","user":{"id":"","name":"","url":""}},`, MaxIngestPosts) + `{}]`,
			message: fmt.Sprintf("at most %d", MaxIngestPosts)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.post("/v1/namespaces/acme/posts:ingest", acmeKey, tt.body)
			if r.Status != tt.status || r.str("error.status") != "INVALID_ARGUMENT" {
				t.Fatalf("answer = %s", r)
			}
			for field, desc := range tt.details {
				assertDetail(t, r, field, desc)
			}
			if tt.message != "" && !strings.Contains(r.str("error.message"), tt.message) {
				t.Errorf("message = %q, want ~ %q", r.str("error.message"), tt.message)
			}
		})
	}
	if len(g.batches) != 0 {
		t.Errorf("a refused batch was handed on: %d posts", len(g.batches[0]))
	}
}

func TestIngestFailureIsAnInternalError(t *testing.T) {
	e := newEnv(t, testredis.Embedded(t))
	e.api.opts.Ingest = (&ingester{err: errors.New("redis: connection refused")}).ingest
	r := must(t, e.post("/v1/namespaces/acme/posts:ingest", acmeKey, goodBatch), 500)
	if strings.Contains(string(r.Raw), "redis") {
		t.Errorf("the failure leaked: %s", r.Raw)
	}
	must(t, e.post("/v1/namespaces/acme/posts:ingest?x=1", acmeKey, goodBatch), 400)
}
