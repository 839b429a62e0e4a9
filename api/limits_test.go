package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/earshothq/earshot/internal/testredis"
)

// Input the API used to accept and then store broken, or that cost far
// more than its size, is refused with a 400 naming the field (and the
// limit), and nothing is written.
func TestBoundedAndBrokenInputs(t *testing.T) {
	e := newEnv(t, testredis.Embedded(t))
	e.createCRM(t)
	const conns = "/v1/namespaces/acme/connections"
	const mgrs = "/v1/namespaces/acme/managers"
	mgr := func(replace ...string) string { return strings.NewReplacer(replace...).Replace(managerBody) }
	deep := strings.Repeat("(", 200_000) + "a" + strings.Repeat(")", 200_000)
	for _, tc := range []struct {
		name, path, body, field, detail string
	}{
		{"port 99999", conns, `{"url":"https://crm.example.com:99999/hook"}`, "url", "port must be a number from 1 to 65535"},
		{"invalid UTF-8 in a nickname", conns, "{\"url\":\"https://crm.example.com/hook\",\"nickname\":\"CRM \xff\xfe\"}", "nickname", "must be valid UTF-8"},
		{"lone surrogate escape", conns, `{"url":"https://crm.example.com/hook","nickname":"CRM \ud800"}`, "nickname", "must be valid UTF-8"},
		{"NUL in a nickname", conns, `{"url":"https://crm.example.com/hook","nickname":"CRM\u0000"}`, "nickname", "control characters"},
		{"URL too long", conns, `{"url":"https://crm.example.com/` + strings.Repeat("a", 3000) + `"}`, "url", "at most 2048 bytes"},
		{"header value too long", conns, `{"url":"https://crm.example.com/hook","headers":{"X-Token":"` + strings.Repeat("t", 5000) + `"}}`, `headers["X-Token"]`, "at most 4096 bytes"},
		{"deeply nested query", mgrs, mgr(`"keywords":["social listening"]`, `"query":"`+deep+`"`), "input.query", "longer than 4096 bytes (the limit)"},
		{"nesting over the depth bound", mgrs, mgr(`"keywords":["social listening"]`, `"query":"`+strings.Repeat("(", 40)+"a"+strings.Repeat(")", 40)+`"`), "input.query", "deeper than 32 levels (the limit)"},
		{"too many keywords", mgrs, mgr(`"keywords":["social listening"]`, `"keywords":[`+strings.TrimSuffix(strings.Repeat(`"k",`, 201), ",")+`]`), "input.keywords", "at most 200 entries"},
		{"NUL in a manager nickname", mgrs, mgr(`"nickname":"Leads"`, `"nickname":"Le\u0000ads"`), "nickname", "control characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.post(tc.path, acmeKey, tc.body)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("answer = %.400s", r)
			}
			assertDetail(t, r, tc.field, tc.detail)
		})
	}
	r := must(t, e.get(conns, acmeKey), 200)
	if n := len(r.Body["connections"].([]any)); n != 1 {
		t.Errorf("%d connections after the refusals, want only crm", n)
	}

	g := &ingester{}
	e.api.opts.Ingest = g.ingest
	post := func(time string) string {
		return `[{"type":"RSS_ITEM","time":"` + time + `","id":"1","text":"x","url":"","user":{"id":"","name":"","url":""}}]`
	}
	for _, tm := range []string{"0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1969-12-31T00:00:00Z"} {
		r := e.post("/v1/namespaces/acme/posts:ingest", acmeKey, post(tm))
		if r.Status != http.StatusBadRequest {
			t.Fatalf("post time %s: %.300s", tm, r)
		}
		assertDetail(t, r, "[0].time", "must be between 1970-01-01T00:00:00Z and a day from now")
	}
	if len(g.batches) != 0 {
		t.Error("a refused batch was handed on")
	}
}
