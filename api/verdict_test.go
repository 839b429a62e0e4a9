package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/models"
)

// TestOneVerdictForEveryPath runs the same manager specifications through
// the three doors a manager comes in by — the API, `earshot validate`
// (config.Parse, which `serve` also loads with) and the matcher that will
// compile it — and checks that they agree: a manager refused by one is
// refused by all, on the same field, and one that is accepted compiles, so
// no monitor silently matches nothing.
func TestOneVerdictForEveryPath(t *testing.T) {
	const valid = `{"type":"FEED_MANAGER","source":{"type":"REDDIT","subreddits":["marketing"]},` +
		`"input":{"type":"STRUCTURED","keywords":["social listening"],"focus":{"type":"SALES"}},` +
		`"notices":[{"type":"HTTP_REQUEST","connection":"namespaces/acme/connections/crm"}]}`
	with := func(old, new string) string {
		if !strings.Contains(valid, old) {
			panic("test spec does not contain " + old)
		}
		return strings.Replace(valid, old, new, 1)
	}
	tests := []struct {
		name  string
		spec  string
		field string // "" when valid
	}{
		{"valid", valid, ""},
		{"the Advite guide's manager", `{"nickname":"My Reddit Monitor","type":"FEED_MANAGER","enable":true,"source":{"type":"REDDIT"},` +
			`"input":{"type":"STRUCTURED","urls":["https://mycompany.com"],"focus":{"type":"SALES"}},` +
			`"notices":[{"type":"HTTP_REQUEST","connection":"namespaces/acme/connections/crm"}]}`, ""},
		{"crisis window under a minute", with(`"focus":{"type":"SALES"}`, `"focus":{"type":"CRISIS","window":"30s"}`), "input.focus.window"},
		{"crisis window of an hour", with(`"focus":{"type":"SALES"}`, `"focus":{"type":"CRISIS","window":"1h"}`), ""},
		{"keyword of punctuation only", with(`["social listening"]`, `["!!!"]`), "input.keywords[0]"},
		{"exclude of punctuation only", with(`"keywords"`, `"excludes":["..."],"keywords"`), "input.excludes[0]"},
		{"threshold of 1", with(`"focus":{"type":"SALES"}`, `"focus":{"type":"SENTIMENT","threshold":1}`), "input.focus.threshold"},
		{"threshold of 0.3", with(`"focus":{"type":"SALES"}`, `"focus":{"type":"SENTIMENT","threshold":0.3}`), ""},
		{"threshold on a sales focus", with(`"focus":{"type":"SALES"}`, `"focus":{"type":"SALES","threshold":0.3}`), "input.focus.threshold"},
		{"crisis factor below 1", with(`"focus":{"type":"SALES"}`, `"focus":{"type":"CRISIS","factor":0.5}`), "input.focus.factor"},
		{"unknown focus", with(`"SALES"`, `"LEADS"`), "input.focus.type"},
		{"lowercase polarity", with(`"focus":{"type":"SALES"}`, `"focus":{"type":"SENTIMENT","polarity":"negative"}`), "input.focus.polarity"},
		{"bad query", with(`"keywords"`, `"query":"(a OR b","keywords"`), "input.query"},
		{"minScore above 1", with(`"focus":{"type":"SALES"}`, `"focus":{"type":"SALES","minScore":1.5}`), "input.focus.minScore"},
		{"unknown source", with(`"type":"REDDIT"`, `"type":"MYSPACE"`), "source.type"},
		{"subreddit with r/", with(`["marketing"]`, `["r/marketing"]`), "source.subreddits[0]"},
		{"subreddit of 22 letters", with(`["marketing"]`, `["`+strings.Repeat("a", 22)+`"]`), "source.subreddits[0]"},
		{"subreddits on an X source", with(`"type":"REDDIT"`, `"type":"TWITTER"`), "source.subreddits"},
		{"pages of a Facebook source", with(`"type":"REDDIT","subreddits":["marketing"]`, `"type":"FACEBOOK","pages":["acmeinc"]`), ""},
		{"Facebook source without pages", with(`"type":"REDDIT","subreddits":["marketing"]`, `"type":"FACEBOOK"`), "source.pages"},
		{"X source without query or keywords", with(`"type":"REDDIT","subreddits":["marketing"]},"input":{"type":"STRUCTURED","keywords":["social listening"]`,
			`"type":"TWITTER"},"input":{"type":"STRUCTURED","urls":["https://acme.example"]`), "source.query"},
		{"comments without subreddits", with(`"subreddits":["marketing"]`, `"include":["comments"],"query":"crm"`), "source.include"},
		{"include of an unknown kind", with(`"subreddits":["marketing"]`, `"subreddits":["marketing"],"include":["votes"]`), "source.include[0]"},
		{"unknown notice type", with(`"HTTP_REQUEST"`, `"CARRIER_PIGEON"`), "notices[0].type"},
	}
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b.URL(t))
			must(t, e.post("/v1/namespaces/acme/connections?connectionId=crm", acmeKey, map[string]any{"url": "https://crm.example/hook"}), 200)
			for i, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					// The API.
					var body any
					if err := json.Unmarshal([]byte(tt.spec), &body); err != nil {
						t.Fatalf("spec is not JSON: %v", err)
					}
					r := e.post(fmt.Sprintf("/v1/namespaces/acme/managers?managerId=m%d", i), acmeKey, body)
					apiField := ""
					if r.Status != http.StatusOK {
						if r.Status != http.StatusBadRequest {
							t.Fatalf("API: %s", r)
						}
						apiField = firstViolation(r)
					}

					// earshot validate: the same object, as YAML (a JSON
					// object is a YAML flow mapping).
					file := "namespaces:\n  - id: acme\n    connections:\n      - {id: crm, url: \"https://crm.example/hook\"}\n    managers:\n      - " +
						strings.Replace(tt.spec, "{", `{"id":"m",`, 1) + "\n"
					_, err := config.Parse("earshot.yaml", []byte(file), nil)
					cfgField := ""
					if err != nil {
						var ps config.Problems
						if !asProblems(err, &ps) {
							t.Fatalf("validate: %v", err)
						}
						cfgField = strings.TrimPrefix(ps[0].Path, "namespaces[0].managers[0].")
					}

					// The matcher, and the one validator they both call.
					m := models.DefaultManager()
					if err := json.Unmarshal([]byte(tt.spec), &m); err != nil {
						t.Fatal(err)
					}
					m.ApplyDefaults()
					compiles := len(matcher.Validate(&m)) == 0
					all := catalog.ValidateManager(&m, nil)

					if apiField != tt.field || cfgField != tt.field {
						t.Fatalf("refused at: API %q, validate %q; want %q (API: %s; validate: %v)", apiField, cfgField, tt.field, r.Raw, err)
					}
					if tt.field == "" && (!compiles || len(all) > 0) {
						t.Fatalf("accepted by the API and validate, but the matcher refuses it: %v", all)
					}
					if !compiles && tt.field == "" {
						t.Fatal("the matcher refuses a manager the others accept")
					}
				})
			}
		})
	}
}

// firstViolation returns the field of an INVALID_ARGUMENT answer's first
// field violation.
func firstViolation(r *response) string {
	errObj, _ := r.Body["error"].(map[string]any)
	details, _ := errObj["details"].([]any)
	if len(details) == 0 {
		return "?"
	}
	d, _ := details[0].(map[string]any)
	f, _ := d["field"].(string)
	return f
}

func asProblems(err error, ps *config.Problems) bool {
	p, ok := err.(config.Problems)
	*ps = p
	return ok && len(p) > 0
}
