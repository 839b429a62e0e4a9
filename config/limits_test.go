package config

import (
	"strings"
	"testing"
)

// `earshot validate` on a file whose query is ten million characters of
// nesting answers with the limit instead of dying of a stack overflow.
func TestHugeQueryIsRefusedNotFatal(t *testing.T) {
	q := strings.Repeat("(", 5_000_000) + "a" + strings.Repeat(")", 5_000_000)
	yaml := `namespaces:
  - id: acme
    managers:
      - id: m
        source: {type: REDDIT}
        input:
          keywords: [acme]
          query: "` + q + `"
          focus: {type: MENTIONS}
`
	_, err := Parse("earshot.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err == nil {
		t.Fatal("a ten-million-character query validated")
	}
	if !strings.Contains(err.Error(), "earshot.yaml:8: namespaces[0].managers[0].input.query") || !strings.Contains(err.Error(), "longer than 4096 bytes") {
		t.Errorf("error does not name the field, its line and the limit: %.300s", err)
	}
}
