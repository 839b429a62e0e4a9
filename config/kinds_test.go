package config

import (
	"strings"
	"testing"
)

// TestKindFieldsInTheFile checks that a source's and a connection's own
// fields are checked by their kind, with lines, and that no number the
// file gives can be NaN or infinite.
func TestKindFieldsInTheFile(t *testing.T) {
	const head = "namespaces:\n  - id: acme\n    connections:\n      - {id: crm, url: \"https://crm.example/hook\"}\n    managers:\n      - id: m\n"
	tests := []struct {
		name, manager, want string
	}{
		{"a field of another kind", `        source: {type: TWITTER, subreddits: [x]}
        input: {keywords: [crm], focus: {type: SALES}}`,
			"earshot.yaml:7: namespaces[0].managers[0].source.subreddits: only a REDDIT source takes subreddits"},
		{"a misspelt field of the kind", `        source: {type: REDDIT, subredits: [x]}
        input: {keywords: [crm], focus: {type: SALES}}`,
			`earshot.yaml:7: namespaces[0].managers[0].source.subredits: unknown field "subredits" (did you mean "subreddits"?)`},
		{"a wrong type in a kind's field", `        source: {type: FACEBOOK, pages: acmeinc}
        input: {keywords: [crm], focus: {type: SALES}}`,
			"earshot.yaml:7: namespaces[0].managers[0].source.pages: must be a list"},
		{"the kind's own validation", `        source: {type: FACEBOOK}
        input: {keywords: [crm], focus: {type: SALES}}`,
			"earshot.yaml:7: namespaces[0].managers[0].source.pages: a FACEBOOK source needs at least one page id or username"},
		{"NaN", `        source: {type: REDDIT}
        input: {keywords: [crm], focus: {type: SALES, minScore: .nan}}`,
			`earshot.yaml:8: namespaces[0].managers[0].input.focus.minScore: must be a finite number, not ".nan"`},
		{"infinity", `        source: {type: REDDIT}
        input: {keywords: [crm], focus: {type: CRISIS, factor: -.inf}}`,
			`earshot.yaml:8: namespaces[0].managers[0].input.focus.factor: must be a finite number, not "-.inf"`},
		{"a focus the matcher cannot compile", `        source: {type: REDDIT}
        input: {keywords: [crm], focus: {type: CRISIS, window: 30s}}`,
			"earshot.yaml:8: namespaces[0].managers[0].input.focus.window: must be at least 1m"},
		{"an unknown section of sources", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := head + tt.manager + "\n"
			want := tt.want
			if tt.manager == "" {
				file = "sources:\n  mastodn: {access_token: x}\n"
				want = `earshot.yaml:2: sources.mastodn: unknown field "mastodn"`
			}
			_, err := Parse("earshot.yaml", []byte(file), nil)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("got %v\nwant a problem %q", err, want)
			}
		})
	}
}
