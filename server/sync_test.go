package server_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"strings"
	"testing"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/server"
)

// TestApplyConfigWritesNothingWhenPartIsBad: a configuration that cannot
// be applied whole is not applied at all (a start that fails leaves Redis
// as it was).
func TestApplyConfigWritesNothingWhenPartIsBad(t *testing.T) {
	const file = `namespaces:
  - id: acme
    api_keys: ["acme-key-0123456789abcdef"]
    connections:
      - {id: crm, url: "https://crm.example/hook"}
    managers:
      - id: good
        source: {type: REDDIT}
        input: {keywords: [crm], focus: {type: SALES}}
      - id: bad
        source: {type: REDDIT}
        input: {keywords: [crm], focus: {type: SALES}}
`
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			cfg, err := config.Parse("earshot.yaml", []byte(file), nil)
			if err != nil {
				t.Fatal(err)
			}
			// Changed in code after validation, as a program embedding
			// Earshot might: a NaN cannot even be stored as JSON.
			nan := math.NaN()
			cfg.Namespaces[0].Managers[1].Input.Focus.MinScore = &nan
			st := testredis.Store(t, b.URL(t))
			ctx := context.Background()
			err = server.ApplyConfig(ctx, st, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err == nil || !strings.Contains(err.Error(), "namespaces/acme/managers/bad: input.focus.minScore") {
				t.Fatalf("ApplyConfig = %v; want it to name the bad manager's field", err)
			}
			if _, err := st.GetNamespace(ctx, "acme"); err == nil {
				t.Error("the namespace was written")
			}
			if _, err := st.GetConnection(ctx, "acme", "crm"); err == nil {
				t.Error("the connection was written")
			}
			if _, err := st.GetManager(ctx, "acme", "good"); err == nil {
				t.Error("the good manager was written")
			}
		})
	}
}
