package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// TestMigrateKeys: a Redis written with the layout before hash tags is
// read as before once MigrateKeys has run, and running it again moves
// nothing.
func TestMigrateKeys(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			st := testredis.Store(t, b.URL(t))
			rdb := st.Redis()
			if _, ok := rdb.(*redis.ClusterClient); ok {
				t.Skip("no Earshot before the hash-tagged layout ran on a Cluster")
			}
			ctx := context.Background()
			ns, _ := json.Marshal(map[string]any{"id": "acme", "name": "namespaces/acme"})
			conn, _ := json.Marshal(map[string]any{"id": "crm", "name": "namespaces/acme/connections/crm", "type": "HTTP_CONNECTION", "url": "https://crm.example.com/hook"})
			key := store.HashAPIKey("esk_legacy-key-0123456789")
			rec, _ := json.Marshal(store.APIKey{ID: key[:12], Hash: key, Namespace: "acme", Origin: store.KeyFromCLI})
			for k, v := range map[string][2]string{
				"earshot:namespaces":          {"acme", string(ns)},
				"earshot:ns:acme:connections": {"crm", string(conn)},
				"earshot:apikeys":             {key, string(rec)},
			} {
				if err := rdb.HSet(ctx, k, v[0], v[1]).Err(); err != nil {
					t.Fatal(err)
				}
			}
			rdb.Set(ctx, "earshot:cursor:acme:leads", `{"v":1}`, 0)
			rdb.Set(ctx, "earshot:resources:version", 41, 0)

			n, err := st.MigrateKeys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != 5 {
				t.Errorf("moved %d keys, want 5", n)
			}
			if _, err := st.GetNamespace(ctx, "acme"); err != nil {
				t.Errorf("namespace after the move: %v", err)
			}
			if c, err := st.GetConnection(ctx, "acme", "crm"); err != nil || c.URL != "https://crm.example.com/hook" {
				t.Errorf("connection after the move: %+v, %v", c, err)
			}
			if k, err := st.LookupAPIKey(ctx, key); err != nil || k.Namespace != "acme" {
				t.Errorf("api key after the move: %+v, %v", k, err)
			}
			if c, err := st.Cursor(ctx, "acme", "leads"); err != nil || string(c) != `{"v":1}` {
				t.Errorf("cursor after the move: %s, %v", c, err)
			}
			if v, err := st.Version(ctx); err != nil || v != 41 {
				t.Errorf("version after the move: %d, %v", v, err)
			}
			// New writes land where the moved keys are.
			if err := st.PutManager(ctx, "acme", &models.Manager{ID: "leads"}); err != nil {
				t.Fatal(err)
			}
			if v, _ := st.Version(ctx); v != 42 {
				t.Errorf("version after a write: %d, want 42", v)
			}
			if n, err := st.MigrateKeys(ctx); err != nil || n != 0 {
				t.Errorf("second run moved %d keys (%v), want 0", n, err)
			}
		})
	}
}
