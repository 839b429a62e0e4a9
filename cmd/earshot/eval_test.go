package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEvalCommand(t *testing.T) {
	post := func(id, title, text string) string {
		return `"post":{"type":"REDDIT_LINK","id":"` + id + `","title":"` + title + `","text":"` + text + `","url":"","time":"","user":{"id":"","name":"","url":""}}`
	}
	lines := []string{
		`{` + post("t3_1", "Looking for a social listening tool", "any recommendations for a small agency?") + `,"label":"SEEKING"}`,
		`{` + post("t3_2", "Just bought a social listening tool", "went with Brand24, paid for the year") + `,"label":"PURCHASED"}`,
		`{` + post("t3_3", "Social listening is overrated", "not worth the money for us") + `,"label":false}`,
		`{` + post("t3_4", "Our social listening dashboard", "what a week") + `,"label":true}`,
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "labelled.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"eval", "--config", "../../examples/earshot.yaml", "--manager", "acme/reddit-leads", "--labelled", file}, nil, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := out.String()
	for _, want := range []string{
		"posts 4: precision 1.000  recall 0.667  F1 0.800  (tp 2, fp 0, fn 1, tn 1)",
		"stage accuracy 1.000 (2 of 2",
		"label\\got", "SEEKING", "PURCHASED",
		"worst misses (lowest scores):\n  t3_4  label true, got not matched",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}

	// A label that is neither a boolean nor a stage names its line.
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(lines[0]+"\n"+`{`+post("x", "a", "b")+`,"label":"MAYBE"}`+"\n"), 0o600)
	out.Reset()
	errb.Reset()
	code = run(context.Background(), []string{"eval", "--config", "../../examples/earshot.yaml", "--manager", "acme/reddit-leads", "--labelled", bad}, nil, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "line 2: label: \"MAYBE\" is not true, false or a stage") {
		t.Errorf("bad label: exit %d, %s", code, errb.String())
	}
}
