package store

import (
	"context"
	"fmt"
)

// CountScans returns how many Scans the store holds, all namespaces
// together.
func (s *Store) CountScans(ctx context.Context) (int64, error) {
	nss, err := s.ListNamespaces(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, ns := range nss {
		c, err := s.rdb.ZCard(ctx, keyScansByNamespace(ns.ID)).Result()
		if err != nil {
			return 0, fmt.Errorf("store: count scans: %w", err)
		}
		n += c
	}
	return n, nil
}
