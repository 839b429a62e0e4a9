package store

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/models"
)

// ManagerOutcome is one manager's outcome of a read shared by many.
type ManagerOutcome struct {
	Namespace, Manager string
	PollOutcome
}

// RecordPolls records the outcomes of many managers, as RecordPoll does
// each, in two round trips whatever their number (a read shared by a
// thousand managers records a thousand outcomes). It returns each
// manager's consecutive failures after it.
func (s *Store) RecordPolls(ctx context.Context, outs []ManagerOutcome) ([]int, error) {
	failures := make([]int, len(outs))
	if len(outs) == 0 {
		return failures, nil
	}
	incr := make([]*redis.IntCmd, len(outs))
	pipe := s.rdb.Pipeline()
	for i, o := range outs {
		if o.Err != nil {
			incr[i] = pipe.HIncrBy(ctx, keyManagerStatus(o.Namespace, o.Manager), "failures", 1)
		}
	}
	if pipe.Len() > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return failures, fmt.Errorf("store: record polls: %w", err)
		}
	}
	tx := s.rdb.TxPipeline()
	for i, o := range outs {
		if incr[i] != nil {
			failures[i] = int(incr[i].Val())
		}
		key := keyManagerStatus(o.Namespace, o.Manager)
		member := o.Namespace + "/" + o.Manager
		at := strconv.FormatInt(o.Time.UnixMilli(), 10)
		hk := keyManagerHour(o.Namespace, o.Manager, o.Time.Unix()/3600)
		tx.HSet(ctx, key, "poll", at)
		if o.Err != nil {
			next := o.Time.Add(Backoff(failures[i]))
			tx.HSet(ctx, key, "error", models.RedactURLs(o.Err.Error()), "next", strconv.FormatInt(next.UnixMilli(), 10))
			tx.ZAddNX(ctx, keyFailing(), redis.Z{Score: float64(o.Time.UnixMilli()), Member: member})
		} else {
			tx.HSet(ctx, key, "success", at, "failures", 0)
			tx.HDel(ctx, key, "error", "next")
			tx.ZRem(ctx, keyFailing(), member)
		}
		if o.Posts > 0 {
			tx.HIncrBy(ctx, hk, "posts", int64(o.Posts))
		}
		if o.Matches > 0 {
			tx.HIncrBy(ctx, hk, "matches", int64(o.Matches))
			tx.HIncrByFloat(ctx, hk, "sentiment", o.SentimentSum)
		}
		if o.Spikes > 0 {
			tx.HIncrBy(ctx, hk, "spikes", int64(o.Spikes))
		}
		if o.Posts > 0 || o.Matches > 0 || o.Spikes > 0 {
			tx.Expire(ctx, hk, StatsRetention)
		}
	}
	if _, err := tx.Exec(ctx); err != nil {
		return failures, fmt.Errorf("store: record polls: %w", err)
	}
	return failures, nil
}
