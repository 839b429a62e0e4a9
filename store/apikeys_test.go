package store_test

import (
	"context"
	"testing"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/redisconn"
	"github.com/earshothq/earshot/store"
)

func TestSyncConfigAPIKeys(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			rdb, err := redisconn.NewClient(b.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			defer rdb.Close()
			st := store.New(rdb)
			ctx := context.Background()
			lookup := func(key string) *store.APIKey {
				k, err := st.LookupAPIKey(ctx, store.HashAPIKey(key))
				if err == store.ErrNotFound {
					return nil
				}
				if err != nil {
					t.Fatal(err)
				}
				return k
			}
			cli := store.NewAPIKey()
			if _, err := st.AddAPIKey(ctx, cli, "acme", store.KeyFromCLI); err != nil {
				t.Fatal(err)
			}
			if err := st.SyncConfigAPIKeys(ctx, []string{"admin-key-0123456789"},
				map[string][]string{"acme": {"acme-key-0123456789"}, "globex": {"globex-key-0123456789"}}); err != nil {
				t.Fatal(err)
			}
			if k := lookup("admin-key-0123456789"); k == nil || !k.Admin || k.Namespace != "" {
				t.Errorf("admin key: %+v", k)
			}
			if k := lookup("acme-key-0123456789"); k == nil || k.Admin || k.Namespace != "acme" {
				t.Errorf("acme key: %+v", k)
			}
			// The next file drops globex's key and moves acme's: the store follows;
			// the CLI's key stays.
			if err := st.SyncConfigAPIKeys(ctx, nil, map[string][]string{"globex": {"acme-key-0123456789"}}); err != nil {
				t.Fatal(err)
			}
			if lookup("admin-key-0123456789") != nil || lookup("globex-key-0123456789") != nil {
				t.Error("keys removed from the config still work")
			}
			if k := lookup("acme-key-0123456789"); k == nil || k.Namespace != "globex" {
				t.Errorf("moved key: %+v", k)
			}
			if k := lookup(cli); k == nil || k.Origin != store.KeyFromCLI {
				t.Errorf("CLI key: %+v", k)
			}
			if lookup("never-issued-0123456789") != nil {
				t.Error("an unknown key was found")
			}
		})
	}
}
