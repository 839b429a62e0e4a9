package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/models"
)

// Delivery records.
//
// A delivery is a hash (the record) and a list (its most recent attempts).
// It sits in sorted-set indexes of its connection: one of every delivery,
// scored by create time, and one per state, scored by the time the
// delivery entered that state (so the FAILED index is the dead-letter list
// in order of failure). Every key of a connection's deliveries carries the
// hash tag {ns/conn}, so the transactions below also work on Redis Cluster.

// DeliveryRef names one delivery.
type DeliveryRef struct {
	Namespace  string
	Connection string
	ID         string
}

// Name returns the delivery's resource name.
func (r DeliveryRef) Name() string { return models.DeliveryName(r.Namespace, r.Connection, r.ID) }

func connTag(ns, conn string) string { return "{" + ns + "/" + conn + "}" }

func keyDelivery(r DeliveryRef) string {
	return Prefix + "delivery:" + connTag(r.Namespace, r.Connection) + ":" + r.ID
}
func keyDeliveryAttempts(r DeliveryRef) string { return keyDelivery(r) + ":attempts" }

// indexAll names the index of every delivery of a connection.
const indexAll = "ALL"

func keyDeliveryIndex(ns, conn, state string) string {
	return Prefix + "deliveries:" + connTag(ns, conn) + ":" + state
}

// Fields of a delivery record.
const (
	fMeta       = "meta"       // JSON of the fields that never change
	fState      = "state"      // models.Delivery* state
	fUpdate     = "update"     // unix ms
	fNext       = "next"       // unix ms of the next attempt
	fCount      = "attempts"   // attempts made
	fError      = "error"      // last error
	fTask       = "task"       // asynq TaskID of the current task
	fRedrives   = "redrives"   // redrives and manual retries
	fFirst      = "first"      // the first attempt, JSON (the others are in the attempts list)
	fPostponed  = "postponed"  // postponements by the limits in a row
	fAttempting = "attempting" // attempts started and not finished
	fLastLease  = "lease"      // the lease of the attempt started last (see forgetAttempt)
)

// deliveryMeta is what never changes in a delivery.
type deliveryMeta struct {
	Name       string    `json:"name"`
	Event      string    `json:"event"`
	EventType  string    `json:"eventType"`
	Connection string    `json:"connection"`
	WebhookID  string    `json:"webhookId"`
	CreateTime time.Time `json:"createTime"`
}

func metaOf(d *models.Delivery) ([]byte, error) {
	b, err := json.Marshal(deliveryMeta{d.Name, d.Event, d.EventType, d.Connection, d.WebhookID, d.CreateTime.UTC()})
	if err != nil {
		return nil, fmt.Errorf("store: encode delivery: %w", err)
	}
	return b, nil
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// DeliveryExists reports whether a delivery record exists.
func (s *Store) DeliveryExists(ctx context.Context, r DeliveryRef) (bool, error) {
	var n *redis.IntCmd
	err := s.batch.do(ctx, func(p redis.Pipeliner) []redis.Cmder {
		n = p.Exists(ctx, keyDelivery(r))
		return []redis.Cmder{n}
	})
	if err != nil {
		return false, fmt.Errorf("store: read delivery: %w", err)
	}
	return n.Val() == 1, nil
}

// CreateDelivery records a new PENDING delivery. It never overwrites what
// an attempt recorded already: the task may have been delivered before its
// record was written. Until it changes, a record's update time is its
// create time and its task the first one (DeliveryTask answers "").
//
// Like every write of the delivery path it is pipelined, not a MULTI: a
// process dying halfway leaves at worst an index entry out of step with
// its record, which readers check and correct.
func (s *Store) CreateDelivery(ctx context.Context, r DeliveryRef, d *models.Delivery, retention time.Duration) error {
	meta, err := metaOf(d)
	if err != nil {
		return err
	}
	key := keyDelivery(r)
	now := s.now()
	pending := keyDeliveryIndex(r.Namespace, r.Connection, models.DeliveryPending)
	all := keyDeliveryIndex(r.Namespace, r.Connection, indexAll)
	trim := s.trims.due(all, now)
	var state *redis.StringCmd
	err = s.batch.do(ctx, func(pipe redis.Pipeliner) []redis.Cmder {
		cmds := []redis.Cmder{
			pipe.HSetNX(ctx, key, fMeta, meta),
			pipe.HSetNX(ctx, key, fState, models.DeliveryPending),
		}
		state = pipe.HGet(ctx, key, fState)
		cmds = append(cmds, state,
			pipe.PExpire(ctx, key, retention),
			pipe.ZAddNX(ctx, all, redis.Z{Score: float64(d.CreateTime.UnixMilli()), Member: r.ID}),
			pipe.ZAddNX(ctx, pending, redis.Z{Score: float64(now.UnixMilli()), Member: r.ID}))
		// Records expire on their own; their index entries are trimmed
		// now and then. The index of all deliveries keeps twice the
		// retention, since a redriven record lives on past its create time.
		if trim {
			cmds = append(cmds,
				pipe.ZRemRangeByScore(ctx, all, "-inf", "("+ms(now.Add(-2*retention))),
				pipe.ZRemRangeByScore(ctx, pending, "-inf", "("+ms(now.Add(-retention))))
		}
		return cmds
	})
	if err != nil {
		return fmt.Errorf("store: write delivery: %w", err)
	}
	if state.Val() != models.DeliveryPending {
		// An attempt finished first: the delivery is not pending.
		if err := s.rdb.ZRem(ctx, pending, r.ID).Err(); err != nil {
			return fmt.Errorf("store: index delivery: %w", err)
		}
	}
	return nil
}

// AttemptFinish is the outcome of one processing of a delivery.
type AttemptFinish struct {
	Ref DeliveryRef
	// Meta is written when the record does not exist yet (its Enqueue was
	// interrupted).
	Meta  *models.Delivery
	State string
	// Attempt is nil when no HTTP request was made (the connection is
	// disabled, the event expired).
	Attempt *models.Attempt
	// Interrupted are attempts recorded before Attempt: ones cut off when
	// their process stopped (see AttemptGrant.Interrupted).
	Interrupted []models.Attempt
	LastError   string
	Next        time.Time // zero: no next attempt
	// Lease is the concurrency slot to give back ("" when none).
	Lease string
	// Health: +1 records a failure of the receiver, -1 a success, 0 neither.
	Health    int
	Retention time.Duration
	// PrevState and PrevAttempts are what StartAttempt read (AttemptGrant
	// State and Attempts), so only what may need it is cleaned up; with
	// PrevState "" everything is.
	PrevState    string
	PrevAttempts int
	// Postponed is AttemptGrant.Postponed: the count is cleared when set.
	Postponed int
	// TaskID is the asynq task of a delivery that had been postponed: it
	// leaves its connection's waiting set.
	TaskID string
}

// Finished is what FinishAttempt reports.
type Finished struct {
	// FailingSince is when the connection's failure streak began (zero
	// when it is not failing).
	FailingSince time.Time
	// Waiter is the task id of a delivery that waited for the concurrency
	// slot given back, taken out of the waiting set: wake it ("": none).
	Waiter string
}

// failingTTL forgets a failure streak when no attempt failed for this long,
// so a connection that failed once and then saw no traffic for days is not
// taken for one failing all along.
const failingTTL = 24 * time.Hour

// FinishAttempt records an attempt and the delivery's new state in one
// transaction, gives the concurrency slot back (handing on the delivery
// that waited longest for it), and updates the connection's failure
// streak.
func (s *Store) FinishAttempt(ctx context.Context, f AttemptFinish) (Finished, error) {
	r := f.Ref
	key := keyDelivery(r)
	now := s.now()
	var meta []byte
	var err error
	if f.Meta != nil {
		if meta, err = metaOf(f.Meta); err != nil {
			return Finished{}, err
		}
	}
	var attempts []any
	for _, a := range append(f.Interrupted, derefAttempt(f.Attempt)...) {
		b, err := json.Marshal(a)
		if err != nil {
			return Finished{}, fmt.Errorf("store: encode attempt: %w", err)
		}
		attempts = append(attempts, b)
	}
	idx := keyDeliveryIndex(r.Namespace, r.Connection, f.State)
	trim := s.trims.due(idx, now)
	var since *redis.StringCmd
	var waiter *redis.ZSliceCmd
	err = s.batch.do(ctx, func(pipe redis.Pipeliner) []redis.Cmder {
		var cmds []redis.Cmder
		add := func(c ...redis.Cmder) { cmds = append(cmds, c...) }
		if meta != nil {
			add(pipe.HSetNX(ctx, key, fMeta, meta),
				pipe.ZAddNX(ctx, keyDeliveryIndex(r.Namespace, r.Connection, indexAll), redis.Z{Score: float64(f.Meta.CreateTime.UnixMilli()), Member: r.ID}))
		}
		// A first attempt of a fresh (or redriven) delivery has no next
		// time, error nor attempts list yet, and its record already expires
		// a retention after its creation: most of what follows is for the
		// others.
		fresh := f.PrevState == models.DeliveryPending && f.PrevAttempts == 0
		fields := []any{fState, f.State, fUpdate, ms(now)}
		var drop []string
		if f.Next.IsZero() {
			drop = append(drop, fNext)
		} else {
			fields = append(fields, fNext, ms(f.Next))
		}
		if f.LastError == "" {
			drop = append(drop, fError)
		} else {
			fields = append(fields, fError, f.LastError)
		}
		rest := attempts
		if len(attempts) > 0 && fresh {
			// The first attempt lives in the record itself: most deliveries
			// make one, and then need no list.
			fields = append(fields, fFirst, attempts[0], fCount, len(attempts))
			rest = attempts[1:]
		}
		if len(rest) > 0 {
			att := keyDeliveryAttempts(r)
			if !fresh {
				add(pipe.HIncrBy(ctx, key, fCount, int64(len(rest))))
			}
			add(pipe.RPush(ctx, att, rest...))
			if f.PrevState == "" || f.PrevAttempts >= models.MaxKeptAttempts {
				add(pipe.LTrim(ctx, att, -(models.MaxKeptAttempts - 1), -1))
			}
			add(pipe.PExpire(ctx, att, f.Retention))
		}
		if fresh {
			// Nothing to drop yet: zero the counts in the same command
			// (the path of most deliveries).
			fields = append(fields, fAttempting, 0)
			if f.Postponed > 0 {
				fields = append(fields, fPostponed, 0)
			}
		} else {
			drop = append(drop, fAttempting, fLastLease)
			if f.Postponed > 0 {
				drop = append(drop, fPostponed)
			}
			add(pipe.HDel(ctx, key, drop...))
		}
		add(pipe.HSet(ctx, key, fields...))
		if !fresh || f.State != models.DeliveryDelivered {
			add(pipe.PExpire(ctx, key, f.Retention))
		}
		add(pipe.ZAdd(ctx, idx, redis.Z{Score: float64(now.UnixMilli()), Member: r.ID}))
		if trim {
			add(pipe.ZRemRangeByScore(ctx, idx, "-inf", "("+ms(now.Add(-f.Retention))))
		}
		for _, st := range models.DeliveryStates {
			if st != f.State && (f.PrevState == "" || st == f.PrevState) {
				add(pipe.ZRem(ctx, keyDeliveryIndex(r.Namespace, r.Connection, st), r.ID))
			}
		}
		if (f.Postponed > 0 || f.PrevState == "") && f.TaskID != "" {
			// Granted by its own fallback rather than a wake-up: no wake-up
			// must find it later.
			add(pipe.ZRem(ctx, keyConnWaiting(r.Namespace, r.Connection), f.TaskID))
		}
		if f.Lease != "" {
			waiter = pipe.ZPopMin(ctx, keyConnWaiting(r.Namespace, r.Connection), 1)
			add(pipe.ZRem(ctx, keyConnInflight(r.Namespace, r.Connection), f.Lease), waiter)
		}
		switch {
		case f.Health < 0:
			add(pipe.Del(ctx, keyConnFailing(r.Namespace, r.Connection)))
		case f.Health > 0:
			k := keyConnFailing(r.Namespace, r.Connection)
			add(pipe.SetNX(ctx, k, ms(now), 0), pipe.PExpire(ctx, k, failingTTL))
			since = pipe.Get(ctx, k)
			add(since)
		}
		return cmds
	})
	if err != nil {
		return Finished{}, fmt.Errorf("store: record delivery attempt: %w", err)
	}
	out := Finished{Waiter: popped(waiter)}
	if since != nil {
		if v, err := since.Int64(); err == nil {
			out.FailingSince = time.UnixMilli(v)
		}
	}
	return out, nil
}

func derefAttempt(a *models.Attempt) []models.Attempt {
	if a == nil {
		return nil
	}
	return []models.Attempt{*a}
}

// GetDelivery returns one delivery record.
func (s *Store) GetDelivery(ctx context.Context, r DeliveryRef) (*models.Delivery, error) {
	if !models.ValidDeliveryID(r.ID) {
		return nil, ErrNotFound // it would name another key
	}
	ds, err := s.getDeliveries(ctx, r.Namespace, r.Connection, []string{r.ID})
	if err != nil {
		return nil, err
	}
	if ds[0] == nil {
		return nil, ErrNotFound
	}
	return ds[0], nil
}

// getDeliveries reads records in one round trip; a missing one is nil.
func (s *Store) getDeliveries(ctx context.Context, ns, conn string, ids []string) ([]*models.Delivery, error) {
	pipe := s.rdb.Pipeline()
	recs := make([]*redis.MapStringStringCmd, len(ids))
	atts := make([]*redis.StringSliceCmd, len(ids))
	for i, id := range ids {
		r := DeliveryRef{ns, conn, id}
		recs[i] = pipe.HGetAll(ctx, keyDelivery(r))
		atts[i] = pipe.LRange(ctx, keyDeliveryAttempts(r), 0, -1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("store: read deliveries: %w", err)
	}
	out := make([]*models.Delivery, len(ids))
	for i := range ids {
		h := recs[i].Val()
		if h[fMeta] == "" {
			continue
		}
		d, err := decodeDelivery(h, atts[i].Val())
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

func decodeDelivery(h map[string]string, atts []string) (*models.Delivery, error) {
	var m deliveryMeta
	if err := json.Unmarshal([]byte(h[fMeta]), &m); err != nil {
		return nil, fmt.Errorf("store: decode delivery: %w", err)
	}
	d := &models.Delivery{
		Name: m.Name, Event: m.Event, EventType: m.EventType, Connection: m.Connection,
		WebhookID: m.WebhookID, CreateTime: m.CreateTime,
		State:     h[fState],
		LastError: h[fError],
		Attempts:  make([]models.Attempt, 0, len(atts)),
	}
	d.AttemptCount, _ = strconv.Atoi(h[fCount])
	d.RedriveCount, _ = strconv.Atoi(h[fRedrives])
	d.UpdateTime = d.CreateTime
	if v, err := strconv.ParseInt(h[fUpdate], 10, 64); err == nil {
		d.UpdateTime = time.UnixMilli(v).UTC()
	}
	if v, err := strconv.ParseInt(h[fNext], 10, 64); err == nil {
		t := time.UnixMilli(v).UTC()
		d.NextAttemptTime = &t
	}
	if first := h[fFirst]; first != "" {
		atts = append([]string{first}, atts...)
	}
	for _, a := range atts {
		var att models.Attempt
		if err := json.Unmarshal([]byte(a), &att); err != nil {
			return nil, fmt.Errorf("store: decode attempt: %w", err)
		}
		d.Attempts = append(d.Attempts, att)
	}
	return d, nil
}

// DeliveryQuery selects a page of a connection's deliveries.
type DeliveryQuery struct {
	State     string // "" for every state
	PageSize  int    // default 50, at most 1000
	PageToken string
}

// ErrBadPageToken is returned for a page token this store did not issue.
var ErrBadPageToken = errors.New("store: invalid page token")

// ListDeliveries returns a page of a connection's deliveries, newest
// first: by create time, or with a State by the time they entered it. The
// next page token is "" after the last page.
func (s *Store) ListDeliveries(ctx context.Context, ns, conn string, q DeliveryQuery) ([]*models.Delivery, string, error) {
	size := q.PageSize
	if size <= 0 {
		size = 50
	}
	size = min(size, 1000)
	index := indexAll
	if q.State != "" {
		if !slices.Contains(models.DeliveryStates, q.State) {
			return nil, "", fmt.Errorf("store: unknown delivery state %q", q.State)
		}
		index = q.State
	}
	key := keyDeliveryIndex(ns, conn, index)
	max, lastID := "+inf", ""
	if q.PageToken != "" {
		score, id, err := decodePageToken(q.PageToken)
		if err != nil {
			return nil, "", err
		}
		max, lastID = strconv.FormatInt(score, 10), id
	}
	var out []*models.Delivery
	var lastScore float64
	offset := int64(0)
	exhausted := false
	for len(out) < size && !exhausted {
		chunk := int64(size - len(out) + 16)
		zs, err := s.rdb.ZRevRangeByScoreWithScores(ctx, key, &redis.ZRangeBy{Max: max, Min: "-inf", Offset: offset, Count: chunk}).Result()
		if err != nil {
			return nil, "", fmt.Errorf("store: list deliveries: %w", err)
		}
		offset += int64(len(zs))
		exhausted = int64(len(zs)) < chunk
		var ids []string
		var scores []float64
		for _, z := range zs {
			id := z.Member.(string)
			// Members of equal score come in reverse order of id: those at
			// or above the last id were on the previous page.
			if lastID != "" && strconv.FormatInt(int64(z.Score), 10) == max && id >= lastID {
				continue
			}
			ids = append(ids, id)
			scores = append(scores, z.Score)
		}
		if len(ids) == 0 {
			continue
		}
		ds, err := s.getDeliveries(ctx, ns, conn, ids)
		if err != nil {
			return nil, "", err
		}
		var stale []any
		for i, d := range ds {
			if d == nil || (q.State != "" && d.State != q.State) {
				// Expired, or moved on since it was indexed here.
				stale = append(stale, ids[i])
				continue
			}
			if len(out) == size {
				break
			}
			out = append(out, d)
			lastScore = scores[i]
		}
		if len(stale) > 0 {
			_ = s.rdb.ZRem(ctx, key, stale...).Err()
			offset -= int64(len(stale))
		}
	}
	next := ""
	if len(out) == size {
		// The index may hold more; the next page may also turn out empty.
		next = encodePageToken(int64(lastScore), out[len(out)-1].WebhookID)
	}
	return out, next, nil
}

func encodePageToken(score int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(score, 10) + "/" + id))
}

func decodePageToken(tok string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, "", ErrBadPageToken
	}
	s, id, ok := strings.Cut(string(b), "/")
	score, err := strconv.ParseInt(s, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", ErrBadPageToken
	}
	return score, id, nil
}

// FailedDelivery is a dead letter to redrive.
type FailedDelivery struct {
	ID        string
	EventType string
	Event     string
	Redrives  int
}

// FailedDeliveries returns up to limit dead letters of a connection that
// failed at or after since (zero: any time) and not after until, oldest
// failure first, skipping the first skip.
func (s *Store) FailedDeliveries(ctx context.Context, ns, conn string, since, until time.Time, skip, limit int) ([]FailedDelivery, error) {
	key := keyDeliveryIndex(ns, conn, models.DeliveryFailed)
	min := "-inf"
	if !since.IsZero() {
		min = ms(since)
	}
	ids, err := s.rdb.ZRangeByScore(ctx, key, &redis.ZRangeBy{Min: min, Max: ms(until), Offset: int64(skip), Count: int64(limit)}).Result()
	if err != nil {
		return nil, fmt.Errorf("store: list dead letters: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HMGet(ctx, keyDelivery(DeliveryRef{ns, conn, id}), fMeta, fState, fRedrives)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("store: read dead letters: %w", err)
	}
	var out []FailedDelivery
	var stale []any
	for i, id := range ids {
		v := cmds[i].Val()
		meta, _ := v[0].(string)
		state, _ := v[1].(string)
		if meta == "" || state != models.DeliveryFailed {
			stale = append(stale, id)
			continue
		}
		var m deliveryMeta
		if err := json.Unmarshal([]byte(meta), &m); err != nil {
			return nil, fmt.Errorf("store: decode delivery: %w", err)
		}
		n := 0
		if r, ok := v[2].(string); ok {
			n, _ = strconv.Atoi(r)
		}
		out = append(out, FailedDelivery{ID: id, EventType: m.EventType, Event: m.Event, Redrives: n})
	}
	if len(stale) > 0 {
		_ = s.rdb.ZRem(ctx, key, stale...).Err()
	}
	return out, nil
}

// RequeueDelivery marks a delivery PENDING again under a new task (a
// redrive or a manual retry), with its redrive count.
func (s *Store) RequeueDelivery(ctx context.Context, r DeliveryRef, taskID string, redrives int, retention time.Duration) error {
	key := keyDelivery(r)
	now := s.now()
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, key, fState, models.DeliveryPending, fUpdate, ms(now), fTask, taskID, fRedrives, redrives)
	pipe.HDel(ctx, key, fNext, fError)
	pipe.PExpire(ctx, key, retention)
	pipe.PExpire(ctx, keyDeliveryAttempts(r), retention)
	pipe.ZAdd(ctx, keyDeliveryIndex(r.Namespace, r.Connection, models.DeliveryPending), redis.Z{Score: float64(now.UnixMilli()), Member: r.ID})
	for _, st := range models.DeliveryStates {
		if st != models.DeliveryPending {
			pipe.ZRem(ctx, keyDeliveryIndex(r.Namespace, r.Connection, st), r.ID)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: requeue delivery: %w", err)
	}
	return nil
}

// DeliveryTask returns the asynq TaskID of a delivery's current task and
// its redrive count.
func (s *Store) DeliveryTask(ctx context.Context, r DeliveryRef) (string, int, error) {
	v, err := s.rdb.HMGet(ctx, keyDelivery(r), fTask, fRedrives).Result()
	if err != nil {
		return "", 0, fmt.Errorf("store: read delivery: %w", err)
	}
	task, _ := v[0].(string)
	n := 0
	if r, ok := v[1].(string); ok {
		n, _ = strconv.Atoi(r)
	}
	return task, n, nil
}

// CountDeliveries returns how many of a connection's deliveries are
// indexed in a state.
func (s *Store) CountDeliveries(ctx context.Context, ns, conn, state string) (int64, error) {
	n, err := s.rdb.ZCard(ctx, keyDeliveryIndex(ns, conn, state)).Result()
	if err != nil {
		return 0, fmt.Errorf("store: count deliveries: %w", err)
	}
	return n, nil
}
