package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/models"
)

// keyStory is where one story key of a manager names the Scan that told
// it first. The manager's keys share a hash slot, so one script can read
// and write them on a Redis Cluster.
func keyStory(ns, m, story string) string {
	sum := sha256.Sum256([]byte(story))
	return Prefix + "story:{" + ns + ":" + m + "}:" + hex.EncodeToString(sum[:12])
}

// ClaimStory records that the post whose Scan id is id tells the stories
// named by keys, for ttl, and returns the id of the Scan that told the
// first of them first: id itself for a new story (or the same post read
// again), another Scan's id for a duplicate, whose keys then name that
// Scan too. It is one script, so two processes reading the same story at
// once agree on who was first.
func (s *Store) ClaimStory(ctx context.Context, ns, m string, keys []string, id string, ttl time.Duration) (string, error) {
	if len(keys) == 0 {
		return id, nil
	}
	rk := make([]string, len(keys))
	for i, k := range keys {
		rk[i] = keyStory(ns, m, k)
	}
	owner, err := claimScript.Run(ctx, s.rdb, rk, id, ttl.Milliseconds()).Text()
	if err != nil {
		return "", fmt.Errorf("store: claim story: %w", err)
	}
	return owner, nil
}

var claimScript = redis.NewScript(`
local owner = ARGV[1]
for i = 1, #KEYS do
	local v = redis.call("GET", KEYS[i])
	if v and v ~= ARGV[1] then
		owner = v
		break
	end
end
for i = 1, #KEYS do
	redis.call("SET", KEYS[i], owner, "PX", ARGV[2], "NX")
end
return owner
`)

// AddSighting lists sg in a stored Scan's post.duplicates, once, in one
// optimistic transaction (a triage edit at the same time is not lost). It
// reports whether the Scan was changed; ErrNotFound when it has expired.
func (s *Store) AddSighting(ctx context.Context, ns, m, id string, sg models.Sighting) (bool, error) {
	key := keyScan(ns, m, id)
	changed := false
	err := s.optimistic(ctx, func(tx *redis.Tx) error {
		b, err := tx.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: read scan: %w", err)
		}
		var scan models.Scan
		if err := json.Unmarshal(b, &scan); err != nil {
			return fmt.Errorf("store: decode scan: %w", err)
		}
		dups := scan.Post.Duplicates
		if slices.ContainsFunc(dups, func(o models.Sighting) bool { return o.Type == sg.Type && o.ID == sg.ID }) {
			return nil
		}
		scan.Post.Duplicates = append(dups, sg)
		nb, err := json.Marshal(&scan)
		if err != nil {
			return fmt.Errorf("store: encode scan: %w", err)
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.SetArgs(ctx, key, nb, redis.SetArgs{KeepTTL: true})
			return nil
		})
		changed = err == nil
		return err
	}, key)
	return changed, err
}
