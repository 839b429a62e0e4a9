package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/models"
)

// Deleting a connection deletes everything it owns: its delivery records
// and their attempts (with the receiver's response bodies), the delivery
// indexes, its limit and health state, and its disabled mark. Otherwise a
// connection created again under the same id, by the same namespace or by
// the next owner of a recreated namespace, would show and retry the
// previous one's deliveries.

// connectionKeyPatterns match every key of a connection's deliveries and
// state (see keyDelivery, keyDeliveryIndex, keyConnInflight…).
func connectionKeyPatterns(ns, conn string) []string {
	tag := globEscape(connTag(ns, conn))
	return []string{
		Prefix + "delivery:" + tag + ":*",
		Prefix + "deliveries:" + tag + ":*",
		Prefix + "conn:" + tag + ":*",
	}
}

// purgeConnection deletes what a deleted connection owned. It runs after
// the connection itself is gone, so a delivery in flight that writes its
// record afterwards is the only leftover, and expires with its retention.
func (s *Store) purgeConnection(ctx context.Context, ns, conn string) error {
	for _, pattern := range connectionKeyPatterns(ns, conn) {
		if err := s.deleteMatching(ctx, pattern); err != nil {
			return fmt.Errorf("store: delete the deliveries of %s: %w", models.ConnectionName(ns, conn), err)
		}
	}
	name := models.ConnectionName(ns, conn)
	if err := s.rdb.HDel(ctx, keyDisabledConnections(), name).Err(); err != nil {
		return fmt.Errorf("store: delete the disabled mark of %s: %w", name, err)
	}
	// Its TEST event, stored under the connection's name until delivered.
	if err := s.rdb.Del(ctx, keyEvent(name)).Err(); err != nil {
		return fmt.Errorf("store: delete the events of %s: %w", name, err)
	}
	return nil
}

// purgeNamespaceEvents deletes the stored events (crisis SPIKEs, TESTs)
// of a deleted namespace, which would otherwise be delivered to the
// connections of a namespace created again with its id.
func (s *Store) purgeNamespaceEvents(ctx context.Context, ns string) error {
	if err := s.deleteMatching(ctx, Prefix+"event:"+globEscape(models.NamespaceName(ns))+"/*"); err != nil {
		return fmt.Errorf("store: delete the events of %s: %w", models.NamespaceName(ns), err)
	}
	return nil
}

// deleteMatching deletes the keys matching a glob pattern, a batch at a
// time (SCAN, never KEYS), on every primary of a cluster.
func (s *Store) deleteMatching(ctx context.Context, pattern string) error {
	scan := func(ctx context.Context, c redis.Cmdable) error {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, pattern, 500).Result()
			if err != nil {
				return err
			}
			// One UNLINK per key: on a Cluster node the keys of one SCAN
			// page may be in different slots (a namespace's events are).
			if len(keys) > 0 {
				pipe := c.Pipeline()
				for _, k := range keys {
					pipe.Unlink(ctx, k)
				}
				if _, err := pipe.Exec(ctx); err != nil {
					return err
				}
			}
			if next == 0 {
				return nil
			}
			cursor = next
		}
	}
	if cc, ok := s.rdb.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	}
	return scan(ctx, s.rdb)
}

// globEscape quotes the characters Redis's MATCH treats specially.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
