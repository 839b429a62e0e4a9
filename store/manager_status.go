package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/models"
)

// A manager's health is kept beside it, not in it: it changes at every
// poll, which must neither change the manager's etag nor race with edits.
//
//	earshot:{resources}:mstatus:NS:M         hash: last poll, last success,
//	                                         last error, consecutive
//	                                         failures, next poll
//	earshot:{resources}:mhour:NS:M:HOUR      hash of one hour's counts: posts
//	                                         read, matches, sum of their
//	                                         sentiment, spikes; expires
//	                                         after StatsRetention
//	earshot:{resources}:failing              sorted set of the failing
//	                                         managers ("ns/m"), by their
//	                                         first failure (ms)
//
// They are written in one transaction with each other, and forgotten in
// the transaction that deletes the manager, so they share the resources'
// hash tag (see keys.go).
func keyManagerStatus(ns, m string) string { return resourceKey("mstatus:" + ns + ":" + m) }
func keyManagerHour(ns, m string, hour int64) string {
	return resourceKey("mhour:" + ns + ":" + m + ":" + strconv.FormatInt(hour, 10))
}
func keyFailing() string { return resourceKey("failing") }

// StatsRetention is how long a manager's hourly counts are kept: the
// console charts the last 7 days.
const StatsRetention = 8 * 24 * time.Hour

// Backoff of a failing source: the first retry waits BackoffBase, each
// further failure doubles the wait, up to BackoffCap.
const (
	BackoffBase = time.Minute
	BackoffCap  = 30 * time.Minute
)

// Backoff returns how long a source that failed failures times in a row
// waits before it is read again.
func Backoff(failures int) time.Duration {
	if failures <= 0 {
		return 0
	}
	d := BackoffBase
	for i := 1; i < failures && d < BackoffCap; i++ {
		d *= 2
	}
	return min(d, BackoffCap)
}

// PollOutcome is what one poll (or one ingested batch) of a manager did.
type PollOutcome struct {
	// Time is when the poll began.
	Time time.Time
	// Err is the source's error; nil for a successful read.
	Err error
	// Posts is how many posts were read.
	Posts int
	// Matches is how many new Scans were created, and SentimentSum the sum
	// of their sentiment.
	Matches      int
	SentimentSum float64
	// Spikes is how many crisis episodes began.
	Spikes int
}

// RecordPoll records a poll's outcome and returns the manager's
// consecutive failures after it (0 after a success).
func (s *Store) RecordPoll(ctx context.Context, ns, m string, o PollOutcome) (int, error) {
	key := keyManagerStatus(ns, m)
	member := ns + "/" + m
	at := strconv.FormatInt(o.Time.UnixMilli(), 10)
	var failures int
	if o.Err != nil {
		n, err := s.rdb.HIncrBy(ctx, key, "failures", 1).Result()
		if err != nil {
			return 0, fmt.Errorf("store: record poll: %w", err)
		}
		failures = int(n)
	}
	hour := o.Time.Unix() / 3600
	hk := keyManagerHour(ns, m, hour)
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, key, "poll", at)
	if o.Err != nil {
		next := o.Time.Add(Backoff(failures))
		pipe.HSet(ctx, key, "error", models.RedactURLs(o.Err.Error()), "next", strconv.FormatInt(next.UnixMilli(), 10))
		pipe.ZAddNX(ctx, keyFailing(), redis.Z{Score: float64(o.Time.UnixMilli()), Member: member})
	} else {
		pipe.HSet(ctx, key, "success", at, "failures", 0)
		pipe.HDel(ctx, key, "error", "next")
		pipe.ZRem(ctx, keyFailing(), member)
	}
	if o.Posts > 0 {
		pipe.HIncrBy(ctx, hk, "posts", int64(o.Posts))
	}
	if o.Matches > 0 {
		pipe.HIncrBy(ctx, hk, "matches", int64(o.Matches))
		pipe.HIncrByFloat(ctx, hk, "sentiment", o.SentimentSum)
	}
	if o.Spikes > 0 {
		pipe.HIncrBy(ctx, hk, "spikes", int64(o.Spikes))
	}
	if o.Posts > 0 || o.Matches > 0 || o.Spikes > 0 {
		pipe.Expire(ctx, hk, StatsRetention)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return failures, fmt.Errorf("store: record poll: %w", err)
	}
	return failures, nil
}

// NextPollTime returns the time before which a failing manager's source
// is not read again (zero when it is not failing).
func (s *Store) NextPollTime(ctx context.Context, ns, m string) (time.Time, error) {
	v, err := s.rdb.HGet(ctx, keyManagerStatus(ns, m), "next").Int64()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: read manager status: %w", err)
	}
	return time.UnixMilli(v).UTC(), nil
}

// ManagerStatus returns the health of manager m.
func (s *Store) ManagerStatus(ctx context.Context, m *models.Manager) (*models.ManagerStatus, error) {
	out, err := s.ManagerStatuses(ctx, []*models.Manager{m})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// ManagerStatuses returns the health of each manager, in one round trip.
func (s *Store) ManagerStatuses(ctx context.Context, ms []*models.Manager) ([]*models.ManagerStatus, error) {
	hour := s.now().Unix() / 3600
	type cmds struct {
		st    *redis.MapStringStringCmd
		hours [25]*redis.SliceCmd // the last 24 whole hours and the current one
	}
	all := make([]cmds, len(ms))
	pipe := s.rdb.Pipeline()
	for i, m := range ms {
		ns, id, err := models.ParseManagerName(m.Name)
		if err != nil {
			return nil, err
		}
		all[i].st = pipe.HGetAll(ctx, keyManagerStatus(ns, id))
		for j := range all[i].hours {
			all[i].hours[j] = pipe.HMGet(ctx, keyManagerHour(ns, id, hour-int64(j)), "posts", "matches")
		}
	}
	if len(ms) > 0 {
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("store: read manager status: %w", err)
		}
	}
	out := make([]*models.ManagerStatus, len(ms))
	for i, m := range ms {
		h := all[i].st.Val()
		st := &models.ManagerStatus{
			State:           models.ManagerHealthy,
			LastPollTime:    msTime(h["poll"]),
			LastSuccessTime: msTime(h["success"]),
			LastError:       h["error"],
			NextPollTime:    msTime(h["next"]),
		}
		st.ConsecutiveFailures, _ = strconv.Atoi(h["failures"])
		for _, c := range all[i].hours {
			v := c.Val()
			st.PostsRead24h += anyInt(v[0])
			st.Matches24h += anyInt(v[1])
		}
		switch {
		case !m.Enable:
			st.State = models.ManagerDisabled
			st.NextPollTime = nil
		case st.ConsecutiveFailures > 0:
			st.State = models.ManagerFailing
		default:
			st.LastError = ""
		}
		out[i] = st
	}
	return out, nil
}

func msTime(v string) *time.Time {
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil
	}
	t := time.UnixMilli(n).UTC()
	return &t
}

func anyInt(v any) int64 {
	s, _ := v.(string)
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// HourStats are one hour's counts of a manager.
type HourStats struct {
	Start   time.Time
	Posts   int64
	Matches int64
	// Sentiment is the mean sentiment of the hour's matches (0 without).
	Sentiment float64
	Spikes    int64
}

// ManagerHours returns the counts of the last n hours of a manager, the
// current one last.
func (s *Store) ManagerHours(ctx context.Context, ns, m string, n int) ([]HourStats, error) {
	hour := s.now().Unix() / 3600
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, n)
	for i := range cmds {
		cmds[i] = pipe.HMGet(ctx, keyManagerHour(ns, m, hour-int64(n-1-i)), "posts", "matches", "sentiment", "spikes")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("store: read manager stats: %w", err)
	}
	out := make([]HourStats, n)
	for i, c := range cmds {
		v := c.Val()
		h := HourStats{Start: time.Unix((hour-int64(n-1-i))*3600, 0).UTC(), Posts: anyInt(v[0]), Matches: anyInt(v[1]), Spikes: anyInt(v[3])}
		if sum, _ := v[2].(string); sum != "" && h.Matches > 0 {
			f, _ := strconv.ParseFloat(sum, 64)
			h.Sentiment = f / float64(h.Matches)
		}
		out[i] = h
	}
	return out, nil
}

// FailingManager is a manager whose source has been failing since Since.
type FailingManager struct {
	Name  string
	Since time.Time
}

// FailingManagers returns the enabled managers whose last poll failed,
// longest failing first (at most limit).
func (s *Store) FailingManagers(ctx context.Context, limit int) ([]FailingManager, error) {
	zs, err := s.rdb.ZRangeWithScores(ctx, keyFailing(), 0, int64(limit)-1).Result()
	if err != nil {
		return nil, fmt.Errorf("store: read failing managers: %w", err)
	}
	var out []FailingManager
	for _, z := range zs {
		member, _ := z.Member.(string)
		ns, id, ok := strings.Cut(member, "/")
		if !ok {
			continue
		}
		m, err := s.GetManager(ctx, ns, id)
		if errors.Is(err, ErrNotFound) || err == nil && !m.Enable {
			continue // deleted or disabled since: not failing now
		}
		if err != nil {
			return nil, err
		}
		out = append(out, FailingManager{Name: models.ManagerName(ns, id), Since: time.UnixMilli(int64(z.Score)).UTC()})
	}
	return out, nil
}

// forgetManagerStatus adds to p the deletion of a manager's health.
func forgetManagerStatus(ctx context.Context, p redis.Pipeliner, ns, m string) {
	p.Del(ctx, keyManagerStatus(ns, m))
	p.ZRem(ctx, keyFailing(), ns+"/"+m)
}
