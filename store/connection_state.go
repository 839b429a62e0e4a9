package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/models"
)

// SecretOverlap is how long a replaced signing secret keeps signing beside
// the new one, so receivers can switch secrets without rejecting anything.
const SecretOverlap = 24 * time.Hour

// carryConnectionState fills a connection's output-only fields from the
// stored version before it is written. Whoever writes a connection (the
// API, the configuration file, the notifier disabling it) only says what
// it wants; the history follows from the change:
//
//   - a secret that changes keeps signing for SecretOverlap;
//   - disabling stamps DisableTime; enabling clears it and the reason.
func carryConnectionState(c, prev *models.Connection, now time.Time) {
	var previous []models.PreviousSecret
	if prev != nil {
		for _, p := range prev.PreviousSecrets {
			if p.ExpireTime.After(now) {
				previous = append(previous, p)
			}
		}
		if prev.Secret != "" && prev.Secret != c.Secret {
			previous = append(previous, models.PreviousSecret{Secret: prev.Secret, ExpireTime: now.Add(SecretOverlap).UTC()})
		}
	}
	// Going back to a previous secret makes it current, not previous.
	previous = slices.DeleteFunc(previous, func(p models.PreviousSecret) bool { return p.Secret == c.Secret })
	c.PreviousSecrets = previous

	switch {
	case !c.Disabled:
		c.DisableTime, c.DisabledReason = nil, ""
	case prev != nil && prev.Disabled && prev.DisableTime != nil:
		c.DisableTime = prev.DisableTime
		if c.DisabledReason == "" {
			c.DisabledReason = prev.DisabledReason
		}
	default:
		t := now.UTC()
		c.DisableTime = &t
	}
}

// ConnectionAtVersion returns a connection with the resource version it
// was read at. The version is read first: a write landing in between makes
// the version look older than the connection, never newer, so a cache
// keyed on it can only refresh too often.
func (s *Store) ConnectionAtVersion(ctx context.Context, ns, id string) (*models.Connection, int64, error) {
	pipe := s.rdb.Pipeline()
	version := pipe.Get(ctx, keyVersion())
	raw := pipe.HGet(ctx, keyConnections(ns), id)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, fmt.Errorf("store: read connection: %w", err)
	}
	b, err := raw.Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: read connection: %w", err)
	}
	var v storedConnection
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, 0, fmt.Errorf("store: decode connection %s/%s: %w", ns, id, err)
	}
	v.Connection.ID = v.ID
	n, _ := version.Int64()
	return &v.Connection, n, nil
}
