package api

import (
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Every operation documents 405 (its path's other methods) and 503 (Redis
// down); the request schemas mark what the server requires.
func TestOpenAPIRequiredFieldsAndErrors(t *testing.T) {
	doc := openAPIDocument()
	for path, item := range doc["paths"].(obj) {
		for method, o := range item.(obj) {
			if method == "parameters" {
				continue
			}
			resp := o.(obj)["responses"].(obj)
			for _, code := range []string{"405", "503"} {
				if resp[code] == nil {
					t.Errorf("%s %s does not document %s", strings.ToUpper(method), path, code)
				}
			}
		}
	}

	docOnce.Do(loadDoc)
	if docErr != nil {
		t.Fatal(docErr)
	}
	schema := func(path string) *jsonschema.Schema {
		t.Helper()
		p := strings.NewReplacer("~", "~0", "/", "~1", "{", "%7B", "}", "%7D").Replace(path)
		s, err := docCompiler.Compile(docURL + "#/paths/" + p + "/post/requestBody/content/application~1json/schema")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	decode := func(s string) any {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	mgr := schema("/v1/namespaces/{ns}/managers")
	for body, ok := range map[string]bool{
		`{"source":{"type":"REDDIT"},"input":{"keywords":["x"],"focus":{"type":"SALES"}}}`: true,
		`{"source":{"type":"REDDIT"},"input":{"keywords":["x"],"focus":{}}}`:               false,
		`{"source":{"type":"REDDIT"},"input":{"keywords":["x"]}}`:                          false,
		`{"source":{},"input":{"keywords":["x"],"focus":{"type":"SALES"}}}`:                false,
	} {
		if err := mgr.Validate(decode(body)); (err == nil) != ok {
			t.Errorf("CreateManager body %s: valid=%v, want %v (%v)", body, err == nil, ok, err)
		}
	}
	posts := schema("/v1/namespaces/{ns}/posts:ingest")
	full := `{"type":"RSS_ITEM","time":"2026-06-13T12:10:00Z","id":"1","text":"x","url":"","user":{"id":"","name":"","url":""}}`
	if err := posts.Validate(decode("[" + full + "]")); err != nil {
		t.Errorf("a full post is refused: %v", err)
	}
	for _, drop := range []string{`"type":"RSS_ITEM",`, `"time":"2026-06-13T12:10:00Z",`, `"id":"1",`} {
		body := "[" + strings.Replace(full, drop, "", 1) + "]"
		if posts.Validate(decode(body)) == nil {
			t.Errorf("a post without %s validates", drop)
		}
	}
}
