package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Usage errors exit 2 and failures 1, on every command; nothing touches
// Redis before the command line is known to be right; a bad flag is
// reported once; help CMD is the command's help; a flag after a stray
// argument is not silently ignored.
func TestCommandLine(t *testing.T) {
	t.Setenv("REDIS_URL", "redis://127.0.0.1:1/0") // nothing listens: any Redis use fails
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		want     string // in stdout+stderr
		wantNot  string
		onceOnly string // appears exactly once
	}{
		{name: "apikey --help", args: []string{"apikey", "--help"}, code: 0, want: "earshot apikey create", wantNot: "127.0.0.1:1"},
		{name: "apikey bogus", args: []string{"apikey", "bogus"}, code: 2, want: `unknown command "bogus"`, wantNot: "127.0.0.1:1"},
		{name: "apikey create without a scope", args: []string{"apikey", "create"}, code: 2, want: "exactly one of --namespace NS and --admin", wantNot: "127.0.0.1:1"},
		{name: "apikey revoke without an id", args: []string{"apikey", "revoke"}, code: 2, want: "the id of the key", wantNot: "127.0.0.1:1"},
		{name: "apikey bad flag", args: []string{"apikey", "list", "--bogus"}, code: 2, onceOnly: "flag provided but not defined: -bogus", wantNot: "127.0.0.1:1"},
		{name: "apikey list with Redis down is a failure", args: []string{"apikey", "list"}, code: 1, want: "127.0.0.1:1"},
		{name: "serve --bogus", args: []string{"serve", "--bogus"}, code: 2, onceOnly: "flag provided but not defined: -bogus"},
		{name: "serve without --config", args: []string{"serve"}, code: 2, want: "--config FILE is required"},
		{name: "flag after a stray argument", args: []string{"validate", "extra", "--config", "../../examples/earshot.yaml"}, code: 2, want: `unexpected argument "extra"`},
		{name: "flags in any order", args: []string{"validate", "--config", "../../examples/earshot.yaml"}, code: 0, want: "ok"},
		{name: "match without --manager", args: []string{"match", "--config", "../../examples/earshot.yaml"}, code: 2, want: "--manager NS/ID is required"},
		{name: "poll with a malformed --manager", args: []string{"poll", "--config", "../../examples/earshot.yaml", "--manager", "x"}, code: 2, want: "want NS/ID"},
		{name: "healthcheck --bogus", args: []string{"healthcheck", "--bogus"}, code: 2, onceOnly: "flag provided but not defined: -bogus"},
		{name: "listen --status 42", args: []string{"listen", "--status", "42"}, code: 2, want: "--status must be an HTTP status"},
		{name: "validate a missing file", args: []string{"validate", "--config", "absent.yaml"}, code: 1, want: "absent.yaml"},
		{name: "unknown command", args: []string{"bogus"}, code: 2, want: `unknown command "bogus"`},
		{name: "help serve", args: []string{"help", "serve"}, code: 0, want: "-listen", wantNot: "earshot — self-hosted"},
		{name: "help apikey", args: []string{"help", "apikey"}, code: 0, want: "earshot apikey revoke ID"},
		{name: "version", args: []string{"version"}, code: 0, want: "earshot ", wantNot: "earshot dev\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, strings.NewReader(""), &out, &errb)
			all := out.String() + errb.String()
			if code != tc.code {
				t.Errorf("exit %d, want %d; output:\n%s", code, tc.code, all)
			}
			if tc.want != "" && !strings.Contains(strings.ToLower(all), strings.ToLower(tc.want)) {
				t.Errorf("output lacks %q:\n%s", tc.want, all)
			}
			if tc.wantNot != "" && strings.Contains(strings.ToLower(all), strings.ToLower(tc.wantNot)) {
				t.Errorf("output has %q:\n%s", tc.wantNot, all)
			}
			if tc.onceOnly != "" && strings.Count(all, tc.onceOnly) != 1 {
				t.Errorf("%q appears %d times, want once:\n%s", tc.onceOnly, strings.Count(all, tc.onceOnly), all)
			}
		})
	}
}
