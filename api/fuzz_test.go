package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
)

// FuzzDecodeRequest sends any body to every method that takes one: the
// answer is never a 5xx, never a panic, and always the API's JSON.
//
//	go test ./api -run '^$' -fuzz FuzzDecodeRequest -fuzztime 1m
func FuzzDecodeRequest(f *testing.F) {
	e := newEnv(f, testredis.Embedded(f))
	for _, seed := range []string{
		adviteConnection,
		adviteManager,
		managerBody,
		`{"url":"https://x.example","headers":{"A":"b"},"secret":"whsec_AAAA"}`,
		`{"nickname":"x","enable":false,"input":{"focus":{"type":"CRISIS","minScore":0.5,"window":"1h","factor":2}}}`,
		`{"source":{"type":"REDDIT","backfill":"24h","subreddits":["a_b"],"include":["comments"]}}`,
		`{"etag":"abc"}`,
		`{"notices":[{"connection":"namespaces/acme/connections/crm"},{"connection":null}]}`,
		`{"a":{"b":[1,2,{"c":null}]}}`,
		`[]`, `null`, `"str"`, `1e400`, `{"url":"\ud800"}`, `{"minPosts":-9223372036854775809}`,
		`{"input":{"focus":{"minPosts":1e308}}}`, `{`, ``,
	} {
		for op := range byte(len(fuzzOps)) {
			f.Add([]byte(seed), op)
		}
	}
	// Resources the updates can hit.
	ctx := context.Background()
	if err := e.store.CreateConnection(ctx, "acme", &models.Connection{ID: "crm", Type: models.ConnectionTypeHTTP, URL: "https://crm.example.com/hook"}); err != nil {
		f.Fatal(err)
	}
	leads := models.DefaultManager()
	leads.ID = "leads"
	leads.Source.Type = "REDDIT"
	leads.Source.Settings.Set("subreddits", []string{"marketing"})
	leads.Input.Keywords = []string{"social listening"}
	leads.Input.Focus.Type = "SALES"
	if err := e.store.CreateManager(ctx, "acme", &leads, func(*models.Manager, func(string) bool) error { return nil }); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, op byte) {
		o := fuzzOps[int(op)%len(fuzzOps)]
		req := httptest.NewRequest(o.method, o.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+adminKey)
		rec := httptest.NewRecorder()
		e.api.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q → %d %s", o.method, o.path, body, rec.Code, rec.Body)
		}
		var answer map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
			t.Fatalf("%s %s %q → not JSON: %s", o.method, o.path, body, rec.Body)
		}
		if rec.Code >= 400 {
			er, _ := answer["error"].(map[string]any)
			if er == nil || er["code"] != float64(rec.Code) || er["message"] == "" {
				t.Fatalf("%s %s %q → bad error: %s", o.method, o.path, body, rec.Body)
			}
		}
	})
}

var fuzzOps = []struct{ method, path string }{
	{http.MethodPost, "/v1/namespaces/acme/connections"},
	{http.MethodPost, "/v1/namespaces/acme/managers"},
	{http.MethodPatch, "/v1/namespaces/acme/connections/crm"},
	{http.MethodPatch, "/v1/namespaces/acme/managers/leads"},
	{http.MethodPatch, "/v1/namespaces/acme/managers/leads?updateMask=input,source,notices"},
	{http.MethodDelete, "/v1/namespaces/globex/managers/nope"},
	{http.MethodPost, "/v1/namespaces"},
}
