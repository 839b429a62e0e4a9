package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/models"
)

// Per-connection delivery limits, shared by every process through Redis.
//
// The rate limit is a sliding-window counter (the current and the previous
// window, weighted); it needs no Lua, which matters on the embedded Redis.
// Attempts refused for the rate stay counted: they are the backlog, and
// each is told to come back when its turn will be, rather than all of them
// hammering every second. The concurrency limit is a sorted set of leases
// that expire on their own, so a process that dies holding one cannot
// block the connection for longer than an attempt's timeout.

func keyConnInflight(ns, conn string) string {
	return Prefix + "conn:" + connTag(ns, conn) + ":inflight"
}
func keyConnWaiters(ns, conn string) string { return Prefix + "conn:" + connTag(ns, conn) + ":waiters" }
func keyConnFailing(ns, conn string) string { return Prefix + "conn:" + connTag(ns, conn) + ":failing" }
func keyConnRate(ns, conn string, window time.Duration, n int64) string {
	return Prefix + "conn:" + connTag(ns, conn) + ":rate:" + strconv.FormatInt(window.Milliseconds(), 10) + ":" + strconv.FormatInt(n, 10)
}
func keyEvent(name string) string    { return Prefix + "event:" + name }
func keyDisabledConnections() string { return Prefix + "connections:disabled" }

// AttemptStart asks for what one attempt of a delivery needs before it
// sends: the event, the current resource version, and a place within the
// connection's limits.
type AttemptStart struct {
	Ref       DeliveryRef
	EventType string
	Event     string // the event's resource name
	// Lease names this attempt's concurrency slot; LeaseTTL bounds how long
	// it is held if the process dies.
	Lease    string
	LeaseTTL time.Duration
	// RatePerMinute and Concurrency are the connection's limits; 0: none.
	RatePerMinute int
	Concurrency   int
}

// AttemptGrant answers an AttemptStart.
type AttemptGrant struct {
	// Version is the resource version (see Store.Version): a cached
	// connection older than it must be read again.
	Version int64
	// Event is the stored event: the Scan's JSON for a SCAN, the body given
	// to PutEvent otherwise; nil when it no longer exists.
	Event []byte
	// Wait > 0 means a limit was reached: nothing is held, come back after
	// Wait. Reason says which limit.
	Wait   time.Duration
	Reason string
	// Leased says the concurrency slot is held and must be given back.
	Leased bool
	// State is the delivery's recorded state ("": no record yet, its
	// Enqueue was cut short) and Attempts its attempts so far; pass them
	// on to FinishAttempt.
	State    string
	Attempts int
	rate     string // the counted rate window, to uncount a refused attempt
}

// Limit reasons.
const (
	ReasonRateLimit   = "rate limit"
	ReasonConcurrency = "concurrency limit"
)

// rateWindow picks a window holding about ten deliveries at the given
// rate, between one second and one minute: short enough to smooth bursts,
// long enough that a low rate still admits whole deliveries.
func rateWindow(perMinute int) (time.Duration, float64) {
	w := time.Duration(float64(time.Minute) * 10 / float64(perMinute))
	w = min(max(w, time.Second), time.Minute).Truncate(time.Millisecond)
	return w, float64(perMinute) * w.Seconds() / 60
}

// StartAttempt reads what an attempt needs and takes its place within the
// connection's limits, in one round trip (two when a limit refuses it).
func (s *Store) StartAttempt(ctx context.Context, a AttemptStart) (AttemptGrant, error) {
	r := a.Ref
	now := s.now()
	eventKey := keyEvent(a.Event)
	if a.EventType == models.EventScan {
		ns, m, id, err := models.ParseScanName(a.Event)
		if err != nil {
			return AttemptGrant{}, fmt.Errorf("store: %w", err)
		}
		eventKey = keyScan(ns, m, id)
	}
	rateOn, concOn := a.RatePerMinute > 0, a.Concurrency > 0
	var (
		window     time.Duration
		perWindow  float64
		elapsed    float64
		rateKey    string
		prevKey    string
		inflightK  = keyConnInflight(r.Namespace, r.Connection)
		expireConc = rand.IntN(32) == 0 // the key's TTL only collects a deleted connection's
	)
	if rateOn {
		window, perWindow = rateWindow(a.RatePerMinute)
		n := now.UnixMilli() / window.Milliseconds()
		elapsed = float64(now.UnixMilli()-n*window.Milliseconds()) / float64(window.Milliseconds())
		rateKey = keyConnRate(r.Namespace, r.Connection, window, n)
		prevKey = keyConnRate(r.Namespace, r.Connection, window, n-1)
	}
	var (
		version, event, prev *redis.StringCmd
		record               *redis.SliceCmd
		cur, inflight        *redis.IntCmd
	)
	err := s.batch.do(ctx, func(pipe redis.Pipeliner) []redis.Cmder {
		version = pipe.Get(ctx, keyVersion())
		event = pipe.Get(ctx, eventKey)
		record = pipe.HMGet(ctx, keyDelivery(r), fState, fCount)
		cmds := []redis.Cmder{version, event, record}
		if rateOn {
			cur = pipe.Incr(ctx, rateKey)
			prev = pipe.Get(ctx, prevKey)
			cmds = append(cmds, cur, pipe.PExpire(ctx, rateKey, 2*window+time.Second), prev)
		}
		if concOn {
			cmds = append(cmds,
				pipe.ZRemRangeByScore(ctx, inflightK, "-inf", ms(now)),
				pipe.ZAdd(ctx, inflightK, redis.Z{Score: float64(now.Add(a.LeaseTTL).UnixMilli()), Member: a.Lease}))
			inflight = pipe.ZCard(ctx, inflightK) // counts this attempt
			cmds = append(cmds, inflight)
			if expireConc {
				cmds = append(cmds, pipe.PExpire(ctx, inflightK, a.LeaseTTL+time.Minute))
			}
		}
		return cmds
	})
	if err != nil {
		return AttemptGrant{}, fmt.Errorf("store: start delivery attempt: %w", err)
	}
	g := AttemptGrant{Leased: concOn, rate: rateKey}
	if v := record.Val(); len(v) == 2 {
		g.State, _ = v[0].(string)
		if n, ok := v[1].(string); ok {
			g.Attempts, _ = strconv.Atoi(n)
		}
	}
	g.Version, _ = version.Int64()
	if b, err := event.Bytes(); err == nil {
		g.Event = b
	}
	if rateOn {
		p, _ := prev.Float64()
		estimate := p*(1-elapsed) + float64(cur.Val())
		if estimate > perWindow {
			// Come back when the attempts ahead have had their turn.
			ahead := (estimate - perWindow) / perWindow * float64(window)
			g.Wait = time.Duration(ahead) + time.Duration(rand.Int64N(int64(window/2)+1))
			g.Wait = min(max(g.Wait, 100*time.Millisecond), time.Hour)
			g.Reason = ReasonRateLimit
			g.rate = "" // stays counted: it is part of the backlog
		}
	}
	if g.Wait == 0 && concOn && inflight.Val() > int64(a.Concurrency) {
		g.Reason = ReasonConcurrency
	}
	if g.Reason == "" {
		return g, nil
	}
	// Refused: give back what was taken.
	var waiters *redis.IntCmd
	err = s.batch.do(ctx, func(pipe redis.Pipeliner) []redis.Cmder {
		var cmds []redis.Cmder
		if concOn {
			cmds = append(cmds, pipe.ZRem(ctx, inflightK, a.Lease))
		}
		if g.Reason == ReasonConcurrency {
			if g.rate != "" {
				cmds = append(cmds, pipe.Decr(ctx, g.rate))
			}
			k := keyConnWaiters(r.Namespace, r.Connection)
			waiters = pipe.Incr(ctx, k)
			cmds = append(cmds, waiters, pipe.PExpire(ctx, k, 10*time.Second))
		}
		return cmds
	})
	if err != nil {
		return AttemptGrant{}, fmt.Errorf("store: release delivery limits: %w", err)
	}
	if waiters != nil {
		// The more attempts were refused lately, the longer each waits, so
		// a long backlog behind a slow receiver settles instead of spinning.
		w := float64(waiters.Val()) / float64(a.Concurrency)
		g.Wait = time.Duration(float64(500*time.Millisecond) * (1 + w) * (0.75 + 0.5*rand.Float64()))
		g.Wait = min(g.Wait, 5*time.Minute)
	}
	g.Leased = false
	return g, nil
}

// ReleaseAttempt gives back what a granted attempt holds when it will not
// send after all (its connection changed meanwhile).
func (s *Store) ReleaseAttempt(ctx context.Context, r DeliveryRef, g AttemptGrant, lease string) error {
	err := s.batch.do(ctx, func(pipe redis.Pipeliner) []redis.Cmder {
		var cmds []redis.Cmder
		if g.Leased {
			cmds = append(cmds, pipe.ZRem(ctx, keyConnInflight(r.Namespace, r.Connection), lease))
		}
		if g.rate != "" {
			cmds = append(cmds, pipe.Decr(ctx, g.rate))
		}
		return cmds
	})
	if err != nil {
		return fmt.Errorf("store: release delivery limits: %w", err)
	}
	return nil
}

// ConnectionInflight returns how many attempts hold a concurrency slot of
// a connection now.
func (s *Store) ConnectionInflight(ctx context.Context, ns, conn string) (int64, error) {
	k := keyConnInflight(ns, conn)
	n, err := s.rdb.ZCount(ctx, k, "("+ms(s.now()), "+inf").Result()
	if err != nil {
		return 0, fmt.Errorf("store: read inflight: %w", err)
	}
	return n, nil
}

// PutEvent stores the body of an event that is not a Scan (a SPIKE, a
// TEST) under its resource name, for its deliveries to read.
func (s *Store) PutEvent(ctx context.Context, name string, body []byte, retention time.Duration) error {
	if err := s.rdb.Set(ctx, keyEvent(name), body, retention).Err(); err != nil {
		return fmt.Errorf("store: write event %s: %w", name, err)
	}
	return nil
}

// GetEvent returns an event body stored with PutEvent.
func (s *Store) GetEvent(ctx context.Context, name string) ([]byte, error) {
	b, err := s.rdb.Get(ctx, keyEvent(name)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read event %s: %w", name, err)
	}
	return b, nil
}

// MarkConnectionDisabled remembers that a connection's deliveries since a
// time were held back because it was disabled, so that enabling it again
// redrives them. With replace false an earlier mark is kept.
func (s *Store) MarkConnectionDisabled(ctx context.Context, name string, since time.Time, replace bool) error {
	var err error
	if replace {
		err = s.rdb.HSet(ctx, keyDisabledConnections(), name, ms(since)).Err()
	} else {
		err = s.rdb.HSetNX(ctx, keyDisabledConnections(), name, ms(since)).Err()
	}
	if err != nil {
		return fmt.Errorf("store: mark connection disabled: %w", err)
	}
	return nil
}

// DisabledConnections returns the connections marked disabled, with the
// time since which their deliveries were held back.
func (s *Store) DisabledConnections(ctx context.Context) (map[string]time.Time, error) {
	m, err := s.rdb.HGetAll(ctx, keyDisabledConnections()).Result()
	if err != nil {
		return nil, fmt.Errorf("store: read disabled connections: %w", err)
	}
	out := make(map[string]time.Time, len(m))
	for name, v := range m {
		n, _ := strconv.ParseInt(v, 10, 64)
		out[name] = time.UnixMilli(n)
	}
	return out, nil
}

// ClearConnectionDisabled drops a connection's disabled mark. It reports
// whether this call dropped it, so that of several processes noticing the
// connection enabled again exactly one redrives its deliveries.
func (s *Store) ClearConnectionDisabled(ctx context.Context, name string) (bool, error) {
	n, err := s.rdb.HDel(ctx, keyDisabledConnections(), name).Result()
	if err != nil {
		return false, fmt.Errorf("store: clear connection disabled: %w", err)
	}
	return n == 1, nil
}

// ConnectionFailingSince returns when a connection's current failure
// streak began (zero when it is not failing).
func (s *Store) ConnectionFailingSince(ctx context.Context, ns, conn string) (time.Time, error) {
	v, err := s.rdb.Get(ctx, keyConnFailing(ns, conn)).Int64()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: read failure streak: %w", err)
	}
	return time.UnixMilli(v), nil
}

// ResetConnectionFailing forgets a connection's failure streak (when it
// is enabled again, it starts afresh).
func (s *Store) ResetConnectionFailing(ctx context.Context, ns, conn string) error {
	if err := s.rdb.Del(ctx, keyConnFailing(ns, conn)).Err(); err != nil {
		return fmt.Errorf("store: reset failure streak: %w", err)
	}
	return nil
}
