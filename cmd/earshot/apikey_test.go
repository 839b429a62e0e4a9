package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

func TestAPIKeyCreateListRevoke(t *testing.T) {
	url := testredis.Embedded(t)
	t.Setenv("REDIS_URL", url)
	opts, _ := redis.ParseURL(url)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	st := store.New(rdb)
	ctx := context.Background()
	if err := st.PutNamespace(ctx, &models.Namespace{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	apikey := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, append([]string{"apikey"}, args...), nil, &out, &errOut)
		return code, out.String(), errOut.String()
	}

	code, out, msg := apikey("create", "--namespace", "acme")
	key := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(key, store.KeyPrefix) || !strings.Contains(msg, "shown only this once") {
		t.Fatalf("create: %d %q %q", code, out, msg)
	}
	rec, err := st.LookupAPIKey(ctx, store.HashAPIKey(key))
	if err != nil || rec.Namespace != "acme" || rec.Admin {
		t.Fatalf("stored key: %+v %v", rec, err)
	}
	// Only the digest is stored.
	vals, _ := rdb.HGetAll(ctx, "earshot:apikeys").Result()
	for _, v := range vals {
		if strings.Contains(v, key) {
			t.Fatal("the key itself is stored")
		}
	}

	code, out, _ = apikey("list")
	if code != 0 || !strings.Contains(out, rec.ID) || strings.Contains(out, key) {
		t.Errorf("list: %d %q", code, out)
	}
	if code, _, msg := apikey("create", "--namespace", "nope"); code != 1 || !strings.Contains(msg, `namespace "nope" does not exist`) {
		t.Errorf("create for a missing namespace: %d %q", code, msg)
	}
	if code, _, _ := apikey("create"); code != 2 {
		t.Errorf("create without scope: %d", code)
	}
	if code, _, _ := apikey("revoke", rec.ID); code != 0 {
		t.Errorf("revoke: %d", code)
	}
	if _, err := st.LookupAPIKey(ctx, store.HashAPIKey(key)); err != store.ErrNotFound {
		t.Errorf("revoked key still found: %v", err)
	}
}
