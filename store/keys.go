package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Key layout.
//
// Every key starts with Prefix. A Redis Cluster runs a transaction (MULTI,
// WATCH) or a script only on keys of one hash slot, and a key's slot is
// that of its hash tag (the part in braces) when it has one. So every set
// of keys that one transaction or script touches shares a tag:
//
//	earshot:{resources}:…                  namespaces, connections, managers, API keys,
//	                                       config hashes, cursors, the version counter,
//	                                       managers' status and hourly counts: the API's
//	                                       conditional writes (one slot; small)
//	earshot:delivery:{ns/conn}:…           a connection's delivery records and attempts,
//	earshot:deliveries:{ns/conn}:STATE     its delivery indexes, and its limits:
//	earshot:conn:{ns/conn}:…               requeue is a transaction over these
//	earshot:crisis:{ns/manager}:…          a manager's crisis-detection windows
//	earshot:rate:…, earshot:lock:…         one key per script
//	earshot:count:…                        sources' shared counts (a quota): one key per script
//	earshot:story:{ns:manager}:…           a manager's story keys (one story, delivered once)
//	asynq:{queue}:…                        asynq's own tag per queue
//
// Scans (earshot:scan:ns:manager:id) and their indexes (earshot:scans:ns,
// earshot:scans:ns:manager) are written with plain pipelines, which
// go-redis splits by node on a Cluster; deleting a manager or a namespace
// removes its resources in one transaction and its scans after it.
const resourcesTag = "{resources}"

func resourceKey(rest string) string { return Prefix + resourcesTag + ":" + rest }

// MigrateKeys renames the keys of a Redis written by an Earshot older than
// the hash-tagged layout: the resources lived under earshot:namespaces,
// earshot:ns:…, earshot:cursor:… and so on. It is idempotent and safe to
// run from several processes at once (RENAMENX moves a key only once), and
// does nothing on a Cluster, which no old version could use. It reports
// how many keys it moved.
func (s *Store) MigrateKeys(ctx context.Context) (int, error) {
	if _, ok := s.rdb.(*redis.ClusterClient); ok {
		return 0, nil
	}
	moves := map[string]string{
		Prefix + "namespaces":        keyNamespaces(),
		Prefix + "resources:version": keyVersion(),
		Prefix + "config:hashes":     keyConfigHash(),
		Prefix + "apikeys":           keyAPIKeys(),
	}
	moves[Prefix+"failing"] = keyFailing()
	for _, pattern := range []string{Prefix + "ns:*", Prefix + "cursor:*", Prefix + "mstatus:*", Prefix + "mhour:*"} {
		iter := s.rdb.Scan(ctx, 0, pattern, 500).Iterator()
		for iter.Next(ctx) {
			old := iter.Val()
			moves[old] = resourceKey(strings.TrimPrefix(old, Prefix))
		}
		if err := iter.Err(); err != nil {
			return 0, fmt.Errorf("store: migrate keys: %w", err)
		}
	}
	n := 0
	for old, key := range moves {
		ok, err := s.rdb.RenameNX(ctx, old, key).Result()
		if err != nil {
			if strings.Contains(err.Error(), "no such key") {
				continue
			}
			return n, fmt.Errorf("store: migrate key %s: %w", old, err)
		}
		if ok {
			n++
		}
	}
	return n, nil
}
