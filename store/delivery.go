package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/models"
)

func keyDelivery(ns, conn, id string) string {
	return Prefix + "delivery:" + ns + ":" + conn + ":" + id
}
func keyDeliveries(ns, conn string) string { return Prefix + "deliveries:" + ns + ":" + conn }

// CreateDelivery stores a new delivery record; it reports false, changing
// nothing, when the record exists already (the event was handed on before).
func (s *Store) CreateDelivery(ctx context.Context, ns, conn, id string, d *models.Delivery, retention time.Duration) (bool, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return false, fmt.Errorf("store: encode delivery: %w", err)
	}
	ok, err := s.rdb.SetNX(ctx, keyDelivery(ns, conn, id), b, retention).Result()
	if err != nil {
		return false, fmt.Errorf("store: write delivery: %w", err)
	}
	if ok {
		z := redis.Z{Score: float64(d.CreateTime.UnixMilli()), Member: id}
		if err := s.rdb.ZAdd(ctx, keyDeliveries(ns, conn), z).Err(); err != nil {
			return false, fmt.Errorf("store: index delivery: %w", err)
		}
	}
	return ok, nil
}

// DeliveryExists reports whether a delivery record exists.
func (s *Store) DeliveryExists(ctx context.Context, ns, conn, id string) (bool, error) {
	n, err := s.rdb.Exists(ctx, keyDelivery(ns, conn, id)).Result()
	if err != nil {
		return false, fmt.Errorf("store: read delivery: %w", err)
	}
	return n == 1, nil
}

// GetDelivery returns one delivery record.
func (s *Store) GetDelivery(ctx context.Context, ns, conn, id string) (*models.Delivery, error) {
	b, err := s.rdb.Get(ctx, keyDelivery(ns, conn, id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read delivery: %w", err)
	}
	var d models.Delivery
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("store: decode delivery: %w", err)
	}
	return &d, nil
}

// SaveDelivery writes a delivery record back, keeping it for retention.
func (s *Store) SaveDelivery(ctx context.Context, ns, conn, id string, d *models.Delivery, retention time.Duration) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("store: encode delivery: %w", err)
	}
	pipe := s.rdb.TxPipeline()
	pipe.Set(ctx, keyDelivery(ns, conn, id), b, retention)
	pipe.ZAdd(ctx, keyDeliveries(ns, conn), redis.Z{Score: float64(d.CreateTime.UnixMilli()), Member: id})
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: write delivery: %w", err)
	}
	return nil
}
