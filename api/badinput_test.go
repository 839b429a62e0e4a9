package api

import (
	"github.com/earshothq/earshot/internal/testredis"
	"strings"
	"testing"
)

// Every kind of bad input gets its status and a message that says
// precisely what is wrong; and nothing is written.
func TestBadInputs(t *testing.T) {
	e := newEnv(t, testredis.Embedded(t))
	e.createCRM(t)
	e.createLeads(t)
	const conns = "/v1/namespaces/acme/connections"
	const mgrs = "/v1/namespaces/acme/managers"
	mgr := func(replace ...string) string { return strings.NewReplacer(replace...).Replace(managerBody) }
	huge := `{"nickname":"` + strings.Repeat("a", MaxBodyBytes) + `","url":"https://example.com"}`

	cases := []struct {
		name    string
		req     request
		status  int
		code    string
		message string // substring of error.message
		field   string // a detail's field ("" for none)
		detail  string // substring of that detail's description
	}{
		{"malformed JSON", request{method: "POST", path: conns, body: `{"url": "https://x.example",`},
			400, "INVALID_ARGUMENT", "malformed JSON at byte offset 28", "", ""},
		{"malformed JSON in the middle", request{method: "POST", path: conns, body: `{"url" "https://x.example"}`},
			400, "INVALID_ARGUMENT", "malformed JSON at byte offset 7: invalid character '\"' after object key", "", ""},
		{"trailing data", request{method: "POST", path: conns, body: `{"url":"https://x.example"} {}`},
			400, "INVALID_ARGUMENT", "unexpected data after the top-level value", "", ""},
		{"not an object", request{method: "POST", path: conns, body: `["https://x.example"]`},
			400, "INVALID_ARGUMENT", "request body must be a JSON object, not an array", "", ""},
		{"empty body", request{method: "POST", path: conns, body: ``},
			400, "INVALID_ARGUMENT", "request body is required", "", ""},
		{"unknown field", request{method: "POST", path: conns, body: `{"url":"https://x.example","colour":"red"}`},
			400, "INVALID_ARGUMENT", "colour: unknown field", "colour", "unknown field"},
		{"unknown field, wrong case", request{method: "POST", path: conns, body: `{"URL":"https://x.example"}`},
			400, "INVALID_ARGUMENT", "", "URL", `unknown field; did you mean "url"?`},
		{"unknown nested field", request{method: "POST", path: mgrs, body: mgr(`"focus":{"type":"SALES"}`, `"focus":{"type":"SALES","kind":"x"}`)},
			400, "INVALID_ARGUMENT", "", "input.focus.kind", "unknown field"},
		{"field given twice", request{method: "POST", path: conns, body: `{"url":"https://x.example","url":"https://y.example"}`},
			400, "INVALID_ARGUMENT", "", "url", "is given twice"},
		{"wrong type: string", request{method: "POST", path: conns, body: `{"url":5}`},
			400, "INVALID_ARGUMENT", "url: must be a string, not a number", "url", "must be a string, not a number"},
		{"wrong type: boolean", request{method: "POST", path: mgrs, body: mgr(`"nickname":"Leads"`, `"enable":"yes"`)},
			400, "INVALID_ARGUMENT", "", "enable", "must be a boolean (true or false), not a string"},
		{"wrong type in an array", request{method: "POST", path: mgrs, body: mgr(`{"connection":"namespaces/acme/connections/crm"}`, `{"connection":7}`)},
			400, "INVALID_ARGUMENT", "", "notices[0].connection", "must be a string, not a number"},
		{"wrong type: number", request{method: "POST", path: mgrs, body: mgr(`"type":"SALES"`, `"type":"SALES","minScore":"high"`)},
			400, "INVALID_ARGUMENT", "", "input.focus.minScore", "must be a number, not a string"},
		{"wrong type: object", request{method: "POST", path: conns, body: `{"url":"https://x.example","headers":["a"]}`},
			400, "INVALID_ARGUMENT", "", "headers", "must be an object, not an array"},
		{"integer out of range", request{method: "POST", path: mgrs, body: mgr(`"type":"SALES"`, `"type":"CRISIS","minPosts":1e3`)},
			400, "INVALID_ARGUMENT", "", "input.focus.minPosts", "must be an integer"},
		{"bad duration", request{method: "POST", path: mgrs, body: mgr(`"subreddits":["marketing"]`, `"subreddits":["marketing"],"backfill":"1 day"`)},
			400, "INVALID_ARGUMENT", "", "source.backfill", "invalid duration"},
		{"missing required: url", request{method: "POST", path: conns, body: `{"nickname":"x"}`},
			400, "INVALID_ARGUMENT", "url: is required", "url", "is required"},
		{"missing required: source and focus", request{method: "POST", path: mgrs, body: `{"input":{"keywords":["x"]}}`},
			400, "INVALID_ARGUMENT", "source.type: is required; input.focus.type: is required", "source.type", "is required"},
		{"bad URL scheme", request{method: "POST", path: conns, body: `{"url":"ftp://x.example/h"}`},
			400, "INVALID_ARGUMENT", "url: scheme must be http or https", "url", "scheme must be http or https"},
		{"relative URL", request{method: "POST", path: conns, body: `{"url":"/webhooks"}`},
			400, "INVALID_ARGUMENT", "", "url", "must be an absolute URL"},
		{"bad URL in input.urls", request{method: "POST", path: mgrs, body: mgr(`"keywords":["social listening"]`, `"urls":["javascript:alert(1)"]`)},
			400, "INVALID_ARGUMENT", "", "input.urls[0]", "scheme must be http or https"},
		{"unknown enum value", request{method: "POST", path: mgrs, body: mgr(`"type":"SALES"`, `"type":"LEADS"`)},
			400, "INVALID_ARGUMENT", "input.focus.type: must be one of SALES, MENTIONS, SENTIMENT, CRISIS", "input.focus.type", "must be one of SALES, MENTIONS, SENTIMENT, CRISIS"},
		{"unknown source type", request{method: "POST", path: mgrs, body: mgr(`"type":"REDDIT"`, `"type":"MYSPACE"`)},
			400, "INVALID_ARGUMENT", "", "source.type", "must be one of REDDIT, TWITTER, FACEBOOK"},
		{"unknown method", request{method: "POST", path: conns, body: `{"url":"https://x.example","method":"GET"}`},
			400, "INVALID_ARGUMENT", "", "method", "must be one of POST, PUT, PATCH"},
		{"bad schedule", request{method: "POST", path: mgrs, body: mgr(`"nickname":"Leads"`, `"schedule":"sometimes"`)},
			400, "INVALID_ARGUMENT", "", "schedule", "invalid schedule"},
		{"bad query", request{method: "POST", path: mgrs, body: mgr(`"keywords":["social listening"]`, `"query":"(a OR b"`)},
			400, "INVALID_ARGUMENT", "", "input.query", `expected ")" to close the "(" at column 1`},
		{"notice of a missing connection", request{method: "POST", path: mgrs, body: mgr("connections/crm", "connections/nope")},
			400, "INVALID_ARGUMENT", "", "notices[0].connection", "names a connection that does not exist"},
		{"notice of another namespace's connection", request{method: "POST", path: mgrs, body: mgr("namespaces/acme/connections/crm", "namespaces/globex/connections/crm")},
			400, "INVALID_ARGUMENT", "", "notices[0].connection", "a notice may only name a connection of its own namespace"},
		{"notice that is not a name", request{method: "POST", path: mgrs, body: mgr("namespaces/acme/connections/crm", "crm")},
			400, "INVALID_ARGUMENT", "", "notices[0].connection", "must be a connection name"},
		{"bad id", request{method: "POST", path: conns + "?connectionId=Not_OK", body: `{"url":"https://x.example"}`},
			400, "INVALID_ARGUMENT", "", "connectionId", "lowercase letters, digits and '-'"},
		{"id taken", request{method: "POST", path: conns + "?connectionId=crm", body: `{"url":"https://x.example"}`},
			409, "ALREADY_EXISTS", "namespaces/acme/connections/crm already exists", "", ""},
		{"unknown query parameter", request{method: "GET", path: conns + "?page_size=5"},
			400, "INVALID_ARGUMENT", "", "page_size", "unknown query parameter; this method takes pageSize, pageToken"},
		{"bad pageToken", request{method: "GET", path: conns + "?pageToken=garbage"},
			400, "INVALID_ARGUMENT", "", "pageToken", "is not a page token of this API"},
		{"pageSize not a number", request{method: "GET", path: conns + "?pageSize=ten"},
			400, "INVALID_ARGUMENT", "", "pageSize", "must be an integer"},
		{"negative pageSize", request{method: "GET", path: conns + "?pageSize=-1"},
			400, "INVALID_ARGUMENT", "", "pageSize", "must not be negative"},
		{"unsupported filter", request{method: "GET", path: mgrs + "/-/scans?filter=user.karma%3D5"},
			400, "INVALID_ARGUMENT", "", "filter", `unsupported field "user.karma"`},
		{"filter with a bad time", request{method: "GET", path: mgrs + `/-/scans?filter=createTime>"yesterday"`},
			400, "INVALID_ARGUMENT", "", "filter", "RFC 3339"},
		{"body over 1 MiB", request{method: "POST", path: conns, body: huge},
			413, "PAYLOAD_TOO_LARGE", "request body is larger than 1048576 bytes (1 MiB)", "", ""},
		{"wrong content type", request{method: "POST", path: conns, body: `{"url":"https://x.example"}`, header: map[string]string{"Content-Type": "text/plain"}},
			415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json", "", ""},
		{"form content type", request{method: "POST", path: conns, body: `url=https://x.example`, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
			415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json", "", ""},
		{"no content type", request{method: "POST", path: conns, body: `{"url":"https://x.example"}`, header: map[string]string{"Content-Type": ""}},
			415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json", "", ""},
		{"non-UTF-8 charset", request{method: "POST", path: conns, body: `{"url":"https://x.example"}`, header: map[string]string{"Content-Type": "application/json; charset=latin1"}},
			415, "UNSUPPORTED_MEDIA_TYPE", "charset must be utf-8", "", ""},
		{"etag and If-Match disagree", request{method: "PATCH", path: mgrs + "/leads", body: `{"nickname":"x","etag":"a"}`, header: map[string]string{"If-Match": `"b"`}},
			400, "INVALID_ARGUMENT", "", "etag", "differs from the If-Match header"},
		{"unknown custom method", request{method: "GET", path: conns + "/crm:frobnicate"},
			404, "NOT_FOUND", "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := e.store.Version(t.Context())
			tc.req.key = acmeKey
			r := e.call(tc.req)
			if r.Status != tc.status || r.str("error.status") != tc.code {
				t.Fatalf("got %s, want %d %s", r, tc.status, tc.code)
			}
			if got := r.str("error.message"); !strings.Contains(got, tc.message) {
				t.Errorf("message %q does not contain %q", got, tc.message)
			}
			if tc.field != "" {
				assertDetail(t, r, tc.field, tc.detail)
			}
			if after, _ := e.store.Version(t.Context()); after != before {
				t.Error("a refused request wrote something")
			}
		})
	}
}
