package matcher

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/earshothq/earshot/models"
)

func TestRunMatch(t *testing.T) {
	in := strings.Join([]string{
		`{"type":"REDDIT_LINK","time":"2026-06-13T12:10:00Z","id":"t3_1","title":"Looking for a social listening tool","text":"any recommendations?","url":"","user":{"id":"","name":"a","url":""}}`,
		``,
		`{"type":"REDDIT_LINK","id":"t3_2","title":"Cats","text":"no match here","url":"","user":{"id":"","name":"a","url":""}}`,
		`{"type":"TWITTER_TWEET","id":"t3_3","text":"Social listening is a waste of money, awful","url":"","user":{"id":"","name":"a","url":""}}`,
	}, "\n")
	mgr := manager("m", models.Input{Keywords: []string{"social listening"}, Focus: models.Focus{Type: FocusSales}})
	var out bytes.Buffer
	if err := RunMatch(context.Background(), offline(t), mgr, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines: %s", len(lines), out.String())
	}
	want := []struct {
		id      string
		matched bool
	}{{"t3_1", true}, {"t3_2", false}, {"t3_3", false}}
	for i, l := range lines {
		var e map[string]any
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"id", "matched", "score", "sentiment", "terms", "reasons"} {
			if _, ok := e[k]; !ok {
				t.Errorf("line %d lacks %q: %s", i, k, l)
			}
		}
		if e["terms"] == nil || e["reasons"] == nil {
			t.Errorf("null list: %s", l)
		}
		if e["id"] != want[i].id || e["matched"] != want[i].matched {
			t.Errorf("line %d: %s", i, l)
		}
	}
}

func TestRunMatchNamesBadLine(t *testing.T) {
	in := "{\"id\":\"1\",\"text\":\"x\"}\n\n{not json}\n"
	err := RunMatch(context.Background(), offline(t), manager("m", models.Input{Keywords: []string{"x"}}), strings.NewReader(in), &bytes.Buffer{})
	if err == nil || !strings.HasPrefix(err.Error(), "line 3: ") {
		t.Fatalf("got %v", err)
	}
}
