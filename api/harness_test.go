package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/redisconn"
	"github.com/earshothq/earshot/store"
)

// Keys of the test namespaces.
const (
	adminKey  = "admin-key-0123456789abcdef"
	acmeKey   = "acme-key-0123456789abcdef"
	globexKey = "globex-key-0123456789abcdef"
)

// env is an API on its own Redis, with namespaces acme and globex and a
// key for each, plus an admin key.
type env struct {
	t     testing.TB
	api   *API
	srv   *httptest.Server
	store *store.Store
}

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newEnv(t testing.TB, redisURL string) *env {
	t.Helper()
	rdb, err := redisconn.NewClient(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	st := store.New(rdb)
	ctx := context.Background()
	for _, ns := range []string{"acme", "globex"} {
		if err := st.PutNamespace(ctx, &models.Namespace{ID: ns}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SyncConfigAPIKeys(ctx, []string{adminKey}, map[string][]string{"acme": {acmeKey}, "globex": {globexKey}}); err != nil {
		t.Fatal(err)
	}
	a := New(Options{
		Store:  st,
		Logger: testLogger(),
		ValidateSchedule: func(s string) error {
			if strings.HasPrefix(s, "@every ") || len(strings.Fields(s)) == 5 {
				return nil
			}
			return fmt.Errorf("invalid schedule %q", s)
		},
	})
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return &env{t: t, api: a, srv: srv, store: st}
}

// forEachBackend runs fn on the embedded Redis and, with REDIS_URL, a real one.
func forEachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, newEnv(t, b.URL(t))) })
	}
}

// response is an API answer, its body decoded.
type response struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

// str returns the string at a dotted path of the body ("error.message").
func (r *response) str(path string) string {
	var v any = r.Body
	for _, p := range strings.Split(path, ".") {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

func (r *response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Raw) }

// request is a call to make: key "" sends no Authorization; body is sent
// as it is when a string, JSON-encoded otherwise.
type request struct {
	method, path, key string
	body              any
	header            map[string]string
}

// call makes a request and validates the answer against the OpenAPI
// document.
func (e *env) call(q request) *response {
	e.t.Helper()
	var rd io.Reader
	switch b := q.body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(q.method, e.srv.URL+q.path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if q.key != "" {
		req.Header.Set("Authorization", "Bearer "+q.key)
	}
	for k, v := range q.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := &response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if err := json.Unmarshal(raw, &r.Body); err != nil {
		e.t.Fatalf("%s %s: answer is not a JSON object: %v\n%s", q.method, q.path, err, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		e.t.Errorf("%s %s: Content-Type %q", q.method, q.path, ct)
	}
	if err := validateResponse(q.method, req.URL.Path, resp.StatusCode, raw); err != nil {
		e.t.Errorf("%s %s → %d does not match the OpenAPI document: %v\n%s", q.method, q.path, resp.StatusCode, err, raw)
	}
	return r
}

func (e *env) get(path, key string) *response {
	e.t.Helper()
	return e.call(request{method: "GET", path: path, key: key})
}

func (e *env) post(path, key string, body any) *response {
	e.t.Helper()
	return e.call(request{method: "POST", path: path, key: key, body: body})
}

func (e *env) patch(path, key string, body any) *response {
	e.t.Helper()
	return e.call(request{method: "PATCH", path: path, key: key, body: body})
}

func (e *env) delete(path, key string) *response {
	e.t.Helper()
	return e.call(request{method: "DELETE", path: path, key: key})
}

// must fails the test unless r has the status.
func must(t testing.TB, r *response, status int) *response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	return r
}

// The OpenAPI document, compiled once, as a validator of responses.
var (
	docOnce     sync.Once
	docErr      error
	docOps      []docOp
	docCompiler *jsonschema.Compiler
)

type docOp struct {
	method  string
	pattern *regexp.Regexp
	path    string // the document's path template
	// responses by status: compiled schemas.
	responses map[int]*jsonschema.Schema
}

const docURL = "https://earshot.test/openapi.json"

// strictify forbids properties a component does not declare, so that a
// field the server sends and the document does not describe is caught.
// (The document itself leaves objects open, as client generators prefer.)
func strictify(schemas map[string]any) {
	for _, s := range schemas {
		if m, ok := s.(map[string]any); ok {
			if _, has := m["properties"]; has {
				if _, set := m["additionalProperties"]; !set {
					m["additionalProperties"] = false
				}
			}
		}
	}
}

func loadDoc() {
	b := mustMarshalDoc(openAPIDocument())
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		docErr = err
		return
	}
	root := doc.(map[string]any)
	strictify(root["components"].(map[string]any)["schemas"].(map[string]any))
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, doc); err != nil {
		docErr = err
		return
	}
	docCompiler = c
	paths := root["paths"].(map[string]any)
	esc := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1") }
	for path, item := range paths {
		for method, o := range item.(map[string]any) {
			if method == "parameters" {
				continue
			}
			pat := "^" + regexp.MustCompile(`\\\{[a-z]+\\\}`).ReplaceAllString(regexp.QuoteMeta(path), `[^/]+`) + "$"
			op := docOp{method: strings.ToUpper(method), pattern: regexp.MustCompile(pat), path: path, responses: map[int]*jsonschema.Schema{}}
			for code, resp := range o.(map[string]any)["responses"].(map[string]any) {
				n, _ := strconv.Atoi(code)
				loc := docURL + "#/paths/" + esc(path) + "/" + method + "/responses/" + code
				if ref, ok := resp.(map[string]any)["$ref"].(string); ok {
					loc = docURL + ref
				}
				sch, err := c.Compile(loc + "/content/application~1json/schema")
				if err != nil {
					docErr = fmt.Errorf("compile %s %s %s: %w", method, path, code, err)
					return
				}
				op.responses[n] = sch
			}
			docOps = append(docOps, op)
		}
	}
}

// validateResponse checks an answer against the document: the operation
// must be there, the status listed, and the body valid.
func validateResponse(method, path string, status int, body []byte) error {
	docOnce.Do(loadDoc)
	if docErr != nil {
		return docErr
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return err
	}
	var match *docOp
	for i := range docOps {
		if docOps[i].method == method && docOps[i].pattern.MatchString(path) {
			match = &docOps[i]
			break
		}
	}
	if match == nil {
		// Paths or methods the API does not have: answered 404 or 405,
		// always as an Error.
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			return fmt.Errorf("no operation %s %s in the document", method, path)
		}
		sch, err := docCompiler.Compile(docURL + "#/components/schemas/Error")
		if err != nil {
			return err
		}
		return sch.Validate(v)
	}
	sch, ok := match.responses[status]
	if !ok {
		codes := make([]int, 0, len(match.responses))
		for c := range match.responses {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		return fmt.Errorf("status %d is not documented for %s %s (documented: %v)", status, method, match.path, codes)
	}
	return sch.Validate(v)
}
