package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/earshothq/earshot/store"
)

// While Redis does not answer, every request is a 503 UNAVAILABLE with a
// Retry-After (callers must retry), never a 500.
func TestRedisDownIsUnavailable(t *testing.T) {
	emb, err := store.StartEmbedded(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, emb.URL())
	must(t, e.get("/v1/namespaces/acme/connections", acmeKey), http.StatusOK)
	emb.Close()

	for _, q := range []request{
		{method: "GET", path: "/v1/namespaces/acme/connections", key: acmeKey},
		{method: "POST", path: "/v1/namespaces/acme/connections", key: acmeKey, body: map[string]any{"url": "https://example.com/hook"}},
		{method: "GET", path: "/v1/namespaces", key: adminKey},
	} {
		r := e.call(q)
		if r.Status != http.StatusServiceUnavailable || r.str("error.status") != "UNAVAILABLE" {
			t.Errorf("%s %s with Redis down: %s, want 503 UNAVAILABLE", q.method, q.path, r)
		}
		if ra := r.Header.Get("Retry-After"); ra == "" {
			t.Errorf("%s %s: 503 without Retry-After", q.method, q.path)
		}
	}
}
