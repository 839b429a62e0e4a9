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
// The rate limit is a GCRA (generic cell rate algorithm) with
// reservations: a connection's "theoretical arrival time" advances by one
// interval (a minute / rate) per admitted attempt, and a burst of about
// ten attempts may run ahead of it. An attempt over the limit is not
// counted against the present: it is given the next free turn, a
// reservation, and told to come back exactly then; when it does, it
// redeems its turn without being counted again. So a backlog drains at the
// configured rate, first come first served, whatever the number waiting.
//
// The concurrency limit is a sorted set of leases that expire on their
// own, so a process that dies holding one cannot block the connection for
// longer than an attempt's timeout. An attempt refused for concurrency
// puts its task in the connection's waiting set; a finished attempt gives
// its slot back and hands the oldest waiter back to the caller, to be woken
// at once (see notify), instead of each waiter polling for a free slot.

func keyConnInflight(ns, conn string) string {
	return Prefix + "conn:" + connTag(ns, conn) + ":inflight"
}

// keyConnWaiting is a sorted set of the asynq task ids of the deliveries
// waiting for a concurrency slot, scored by when they began to wait.
func keyConnWaiting(ns, conn string) string { return Prefix + "conn:" + connTag(ns, conn) + ":waiting" }
func keyConnFailing(ns, conn string) string { return Prefix + "conn:" + connTag(ns, conn) + ":failing" }
func keyConnRateTAT(ns, conn string) string {
	return Prefix + "conn:" + connTag(ns, conn) + ":rate:tat"
}

// keyConnRateTurns is a sorted set of the deliveries holding a reserved
// turn of the rate limit, scored by the turn's time (unix ms).
func keyConnRateTurns(ns, conn string) string {
	return Prefix + "conn:" + connTag(ns, conn) + ":rate:turns"
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
	// TaskID is the asynq task making the attempt: refused for
	// concurrency, it waits in the connection's waiting set under this id
	// ("": it does not, and comes back on its own).
	TaskID string
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
	// Wait. Reason says which limit. For the rate limit the attempt holds a
	// reserved turn at Wait; for concurrency, Wait is only a fallback: the
	// task is woken when a slot frees (see Finished.Waiter).
	Wait   time.Duration
	Reason string
	// Postponed is how many times in a row this delivery was postponed by
	// its limits, this time included when it is refused; pass it on to
	// FinishAttempt.
	Postponed int
	// Waiting is how many deliveries wait for a concurrency slot.
	Waiting int64
	// Leased says the concurrency slot is held and must be given back.
	Leased bool
	// Spare says a concurrency slot is left over after this one while
	// deliveries wait for one: the caller should wake one of them (a
	// wake-up that went astray is made up for this way).
	Spare bool
	// Interrupted is how many attempts before this one were started and
	// never finished (their process stopped mid-attempt).
	Interrupted int
	// State is the delivery's recorded state ("": no record yet, its
	// Enqueue was cut short) and Attempts its attempts so far; pass them
	// on to FinishAttempt.
	State    string
	Attempts int
	rate     float64 // the interval (ms) taken from the rate limit, to give back
}

// Limit reasons.
const (
	ReasonRateLimit   = "rate limit"
	ReasonConcurrency = "concurrency limit"
)

// rateBurst returns the interval between attempts at a rate, in ms, and
// how many may run ahead of it at once: about ten, or what the rate allows
// in a minute when that is fewer.
func rateBurst(perMinute int) (float64, int) {
	interval := float64(time.Minute.Milliseconds()) / float64(perMinute)
	// The window that holds about ten deliveries, between 1 s and 1 min.
	w := min(max(10*interval, 1000), 60000)
	return interval, max(1, int(w/interval))
}

// rateScript takes a turn of a connection's rate limit for one delivery:
// its reserved turn when it holds one, else the next one. It returns how
// long to wait for the turn, in ms (0: now), and whether a turn was taken
// from the limit (so a refusal for concurrency can give it back).
//
// KEYS[1] the theoretical arrival time (ms), KEYS[2] the reserved turns.
// ARGV: now (ms), interval (ms), tolerance (ms: burst-1 intervals),
// delivery id.
var rateScript = redis.NewScript(`
local now, iv, tol = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local turn = redis.call('ZSCORE', KEYS[2], ARGV[4])
if turn then
  turn = tonumber(turn)
  if turn > now then return {math.ceil(turn - now), 0} end
  redis.call('ZREM', KEYS[2], ARGV[4])
  return {0, 0}
end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local ttl = math.ceil(tat + iv - now) + 60000
redis.call('SET', KEYS[1], tostring(tat + iv), 'PX', ttl)
local at = tat - tol
if at <= now then return {0, 1} end
redis.call('ZADD', KEYS[2], at, ARGV[4])
-- Turns not taken up for ten minutes belong to deliveries that are gone.
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 600000)
redis.call('PEXPIRE', KEYS[2], ttl + 600000)
return {math.ceil(at - now), 0}
`)

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
		interval   float64
		burst      int
		inflightK  = keyConnInflight(r.Namespace, r.Connection)
		waitingK   = keyConnWaiting(r.Namespace, r.Connection)
		recordK    = keyDelivery(r)
		expireConc = rand.IntN(32) == 0 // the key's TTL only collects a deleted connection's
	)
	if rateOn {
		interval, burst = rateBurst(a.RatePerMinute)
	}
	var (
		version, event             *redis.StringCmd
		record                     *redis.SliceCmd
		started, inflight, waiting *redis.IntCmd
		rate                       *redis.Cmd
	)
	err := s.batch.do(ctx, func(pipe redis.Pipeliner) []redis.Cmder {
		version = pipe.Get(ctx, keyVersion())
		event = pipe.Get(ctx, eventKey)
		record = pipe.HMGet(ctx, keyDelivery(r), fState, fCount, fPostponed)
		// Attempts started and not finished: more than this one means the
		// ones before it were cut off (their process stopped mid-attempt).
		started = pipe.HIncrBy(ctx, recordK, fAttempting, 1)
		cmds := []redis.Cmder{version, event, record, started, pipe.HSet(ctx, recordK, fLastLease, a.Lease)}
		if rateOn {
			rate = rateScript.EvalSha(ctx, pipe,
				[]string{keyConnRateTAT(r.Namespace, r.Connection), keyConnRateTurns(r.Namespace, r.Connection)},
				now.UnixMilli(), interval, float64(burst-1)*interval, r.ID)
			cmds = append(cmds, rate)
		}
		if concOn {
			cmds = append(cmds,
				pipe.ZRemRangeByScore(ctx, inflightK, "-inf", ms(now)),
				pipe.ZAdd(ctx, inflightK, redis.Z{Score: float64(now.Add(a.LeaseTTL).UnixMilli()), Member: a.Lease}))
			inflight = pipe.ZCard(ctx, inflightK) // counts this attempt
			cmds = append(cmds, inflight)
			waiting = pipe.ZCard(ctx, waitingK)
			cmds = append(cmds, waiting)
			if expireConc {
				cmds = append(cmds, pipe.PExpire(ctx, inflightK, a.LeaseTTL+time.Minute))
			}
		}
		return cmds
	})
	if err != nil && rate != nil && isNoScript(rate.Err()) {
		// A Redis that has not seen the script yet (or was restarted): load
		// it, and start over. The counts taken meanwhile are given back.
		s.forgetAttempt(ctx, r, a.Lease)
		if concOn {
			_ = s.batch.do(ctx, func(pipe redis.Pipeliner) []redis.Cmder {
				return []redis.Cmder{pipe.ZRem(ctx, inflightK, a.Lease)}
			})
		}
		if err := rateScript.Load(ctx, s.rdb).Err(); err != nil {
			return AttemptGrant{}, fmt.Errorf("store: load rate limit script: %w", err)
		}
		return s.StartAttempt(ctx, a)
	}
	if err != nil {
		// The count may have been taken all the same (a reply lost, a
		// replica that did not confirm in time): an attempt that never
		// started must not pass later for one a crash cut off.
		s.forgetAttempt(ctx, r, a.Lease)
		if concOn {
			_ = s.batch.do(ctx, func(pipe redis.Pipeliner) []redis.Cmder {
				return []redis.Cmder{pipe.ZRem(ctx, inflightK, a.Lease)}
			})
		}
		return AttemptGrant{}, fmt.Errorf("store: start delivery attempt: %w", err)
	}
	g := AttemptGrant{Leased: concOn, Interrupted: int(started.Val()) - 1}
	postponed := 0
	if v := record.Val(); len(v) == 3 {
		g.State, _ = v[0].(string)
		if n, ok := v[1].(string); ok {
			g.Attempts, _ = strconv.Atoi(n)
		}
		if n, ok := v[2].(string); ok {
			postponed, _ = strconv.Atoi(n)
		}
	}
	g.Version, _ = version.Int64()
	if b, err := event.Bytes(); err == nil {
		g.Event = b
	}
	if rateOn {
		v, _ := rate.Int64Slice()
		if len(v) == 2 {
			if v[1] == 1 {
				g.rate = interval
			}
			if v[0] > 0 {
				g.Wait = time.Duration(v[0]) * time.Millisecond
				g.Reason = ReasonRateLimit
			}
		}
	}
	if concOn {
		g.Waiting = waiting.Val()
		if g.Wait == 0 && inflight.Val() > int64(a.Concurrency) {
			g.Reason = ReasonConcurrency
		}
	}
	if g.Reason == "" {
		g.Postponed = postponed
		g.Spare = concOn && g.Waiting > 0 && inflight.Val() < int64(a.Concurrency)
		if (postponed > 0 || g.State == "") && concOn && a.TaskID != "" {
			// It may have waited for a slot (its postponements are counted in
			// its record: without one, it may have too), and come back by its
			// fallback rather than a wake-up: out of the waiting set before it
			// sends, so that no wake-up finds it running, or runs it again
			// once it is done. (Only the backlog pays this round trip.)
			if err := s.batch.do(ctx, func(pipe redis.Pipeliner) []redis.Cmder {
				return []redis.Cmder{pipe.ZRem(ctx, waitingK, a.TaskID)}
			}); err != nil {
				_, _ = s.ReleaseAttempt(ctx, r, g, a.Lease)
				return AttemptGrant{}, fmt.Errorf("store: leave the waiting set: %w", err)
			}
		}
		return g, nil
	}
	// Refused: give back what was taken, and note the postponement.
	var count *redis.IntCmd
	err = s.batch.do(ctx, func(pipe redis.Pipeliner) []redis.Cmder {
		cmds := []redis.Cmder{uncountAttempt(ctx, pipe, recordK, g.State)}
		if concOn {
			cmds = append(cmds, pipe.ZRem(ctx, inflightK, a.Lease))
		}
		if g.rate > 0 {
			cmds = append(cmds, s.giveBackRate(ctx, pipe, r, g.rate)...)
		}
		if g.State != "" {
			count = pipe.HIncrBy(ctx, keyDelivery(r), fPostponed, 1)
			cmds = append(cmds, count)
		}
		if g.Reason == ReasonConcurrency && a.TaskID != "" {
			// NX: one refused again keeps its place.
			cmds = append(cmds,
				pipe.ZAddNX(ctx, waitingK, redis.Z{Score: float64(now.UnixMilli()), Member: a.TaskID}),
				pipe.PExpire(ctx, waitingK, time.Hour))
		}
		return cmds
	})
	if err != nil {
		s.forgetAttempt(ctx, r, a.Lease)
		return AttemptGrant{}, fmt.Errorf("store: release delivery limits: %w", err)
	}
	g.Postponed = postponed + 1
	if count != nil {
		g.Postponed = int(count.Val())
	}
	if g.Reason == ReasonConcurrency {
		// Woken when a slot frees; this is only the fallback, should the
		// wake-up go astray. Without wake-ups, the more deliveries wait, the
		// longer each waits, so a long backlog behind a slow receiver
		// settles instead of spinning.
		w := float64(g.Waiting) / float64(a.Concurrency)
		base := 500 * time.Millisecond
		if a.TaskID != "" {
			base = 2 * time.Second
		}
		g.Wait = time.Duration(float64(base) * (1 + w) * (0.75 + 0.5*rand.Float64()))
		g.Wait = min(g.Wait, time.Minute)
	}
	g.Leased, g.rate, g.Interrupted = false, 0, 0
	return g, nil
}

// uncountAttempt takes back the count of a started attempt. Without a
// record (state ""), the count was all the hash held: it goes, and with it
// the hash, which has no TTL.
func uncountAttempt(ctx context.Context, pipe redis.Pipeliner, record, state string) redis.Cmder {
	if state == "" {
		return pipe.HDel(ctx, record, fAttempting, fLastLease)
	}
	pipe.HDel(ctx, record, fLastLease)
	return pipe.HIncrBy(ctx, record, fAttempting, -1)
}

// forgetScript takes back the count of an attempt whose start failed, if
// it was taken: only while the record names this attempt's lease as the
// last started, and once (the lease goes with it), so that it can be run
// again until it succeeds without ever taking back another attempt's
// count. A record that held nothing else goes.
var forgetScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
if (tonumber(redis.call('HGET', KEYS[1], ARGV[3])) or 0) < 1 then return 0 end
local n = redis.call('HINCRBY', KEYS[1], ARGV[3], -1)
if n <= 0 and redis.call('HLEN', KEYS[1]) == 1 then redis.call('DEL', KEYS[1]) end
return 1
`)

// forgetAttemptFor bounds how long forgetAttempt keeps trying: about as
// long as a Sentinel failover takes.
const forgetAttemptFor = 15 * time.Second

// forgetAttempt takes back the count of an attempt whose start returned an
// error, whether or not Redis applied it, trying again while Redis is
// unavailable (bounded by forgetAttemptFor). Should it never get through,
// the next attempt counts this one as interrupted: one of the
// maxInterrupted a delivery is allowed.
func (s *Store) forgetAttempt(ctx context.Context, r DeliveryRef, lease string) {
	if lease == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), forgetAttemptFor)
	defer cancel()
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		err := forgetScript.Run(ctx, s.rdb, []string{keyDelivery(r)}, fLastLease, lease, fAttempting).Err()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// giveBackRate returns a turn taken from a connection's rate limit.
func (s *Store) giveBackRate(ctx context.Context, pipe redis.Pipeliner, r DeliveryRef, interval float64) []redis.Cmder {
	k := keyConnRateTAT(r.Namespace, r.Connection)
	return []redis.Cmder{pipe.IncrByFloat(ctx, k, -interval), pipe.PExpire(ctx, k, 2*time.Minute)}
}

func isNoScript(err error) bool {
	return err != nil && redis.HasErrorPrefix(err, "NOSCRIPT")
}

// ReleaseAttempt gives back what a granted attempt holds when it will not
// send after all (its connection changed meanwhile). It returns the task
// id of a delivery waiting for the slot given back, to wake ("": none).
func (s *Store) ReleaseAttempt(ctx context.Context, r DeliveryRef, g AttemptGrant, lease string) (string, error) {
	var pop *redis.ZSliceCmd
	err := s.batch.do(ctx, func(pipe redis.Pipeliner) []redis.Cmder {
		cmds := []redis.Cmder{uncountAttempt(ctx, pipe, keyDelivery(r), g.State)}
		if g.Leased {
			pop = pipe.ZPopMin(ctx, keyConnWaiting(r.Namespace, r.Connection), 1)
			cmds = append(cmds, pipe.ZRem(ctx, keyConnInflight(r.Namespace, r.Connection), lease), pop)
		}
		if g.rate > 0 {
			cmds = append(cmds, s.giveBackRate(ctx, pipe, r, g.rate)...)
		}
		return cmds
	})
	if err != nil {
		s.forgetAttempt(ctx, r, lease)
		return "", fmt.Errorf("store: release delivery limits: %w", err)
	}
	return popped(pop), nil
}

// NextWaiter takes the oldest delivery waiting for a concurrency slot of
// a connection out of its waiting set, and returns its task id ("": none
// waits).
func (s *Store) NextWaiter(ctx context.Context, ns, conn string) (string, error) {
	var pop *redis.ZSliceCmd
	err := s.batch.do(ctx, func(pipe redis.Pipeliner) []redis.Cmder {
		pop = pipe.ZPopMin(ctx, keyConnWaiting(ns, conn), 1)
		return []redis.Cmder{pop}
	})
	if err != nil {
		return "", fmt.Errorf("store: read waiting deliveries: %w", err)
	}
	return popped(pop), nil
}

func popped(pop *redis.ZSliceCmd) string {
	if pop == nil {
		return ""
	}
	if v := pop.Val(); len(v) > 0 {
		id, _ := v[0].Member.(string)
		return id
	}
	return ""
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

// ConnectionWaiting returns how many deliveries of a connection wait for
// a concurrency slot.
func (s *Store) ConnectionWaiting(ctx context.Context, ns, conn string) (int64, error) {
	n, err := s.rdb.ZCard(ctx, keyConnWaiting(ns, conn)).Result()
	if err != nil {
		return 0, fmt.Errorf("store: read waiting deliveries: %w", err)
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
