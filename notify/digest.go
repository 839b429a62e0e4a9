package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// EventDigest is the type of a digest event: the matches of one period
// of a notice, sent as one message.
const EventDigest = "DIGEST"

// Digest is the body of a DIGEST event.
type Digest struct {
	Manager string          `json:"manager"`
	Every   models.Duration `json:"every"`
	Start   time.Time       `json:"start"`
	End     time.Time       `json:"end"`
	// Total is the number of matches of the period; Scans holds the
	// newest of them (at most maxDigestScans), newest first.
	Total int         `json:"total"`
	Scans []EventView `json:"scans"`
}

// maxDigestScans bounds the matches one digest lists.
const maxDigestScans = 100

// Digests collects the SCANs of the notices that ask for a digest and
// sends each period's as one DIGEST event through the ordinary durable
// delivery.
//
// Everything is in Redis, under one hash tag (one Cluster slot):
//
//	{digests}:index            hash  "ns|manager|conn" → the notice's digest (JSON)
//	{digests}:open:ns|m|conn   zset  scan name → when collected (ms)
//	{digests}:closed:ns|m|conn|end  zset  the scans of a period that has ended
//	{digests}:closed           zset  "ns|m|conn|end" → end (ms): periods to send
//
// Times are the Redis server's (TIME), not a process's, so that a scan
// collected by one replica after another closed the period lands in the
// next period, never in one already sent. A period is closed once, by a
// script; sending it is idempotent (its event name and so its delivery id
// are deterministic), and its closed set is deleted only once its delivery
// is enqueued, so a replica that dies midway loses nothing: the next sweep,
// by any replica, sends it.
type Digests struct {
	rdb   redis.UniversalClient
	store *store.Store
	enq   *Enqueuer
	log   *slog.Logger
	// clock, when set, stands in for Redis's TIME (tests).
	clock func() time.Time
}

const digestPrefix = store.Prefix + "{digests}:"

func digestIndexKey() string           { return digestPrefix + "index" }
func digestClosedKey() string          { return digestPrefix + "closed" }
func digestOpenKey(id string) string   { return digestPrefix + "open:" + id }
func digestPeriodKey(id string) string { return digestPrefix + "closed:" + id }

func digestID(ns, manager, conn string) string { return ns + "|" + manager + "|" + conn }

// collectScript adds a scan to a notice's open digest, at the server's
// time (or ARGV[3]), and records the notice's digest settings.
// KEYS: open, index. ARGV: scan name, index field, settings, now ms or "".
var collectScript = redis.NewScript(`
local now = tonumber(ARGV[4])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('ZADD', KEYS[1], 'NX', now, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return now
`)

// closeScript moves the scans collected before ARGV[1] (ms) from the
// open digest to the period's closed set, if the server's time (or
// ARGV[3]) has reached it. KEYS: open, period, closed. ARGV: end ms,
// closed member, now ms or "". Returns the number moved, -1 when the
// period has not ended.
var closeScript = redis.NewScript(`
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local e = tonumber(ARGV[1])
if now < e then return -1 end
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'WITHSCORES')
for i = 1, #items, 2 do
  redis.call('ZADD', KEYS[2], items[i+1], items[i])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
if #items > 0 then redis.call('ZADD', KEYS[3], e, ARGV[2]) end
return #items / 2
`)

// forgetScript drops a notice from the index once nothing is left to send
// for it. KEYS: open, index. ARGV: field, settings as read.
var forgetScript = redis.NewScript(`
if redis.call('ZCARD', KEYS[1]) == 0 and redis.call('HGET', KEYS[2], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[2], ARGV[1])
end
return 0
`)

func (d *Digests) now() string {
	if d.clock == nil {
		return ""
	}
	return strconv.FormatInt(d.clock().UnixMilli(), 10)
}

// Collect adds a SCAN to the open digest of a manager's notice. Collecting
// a scan twice (a poll read again) keeps it once.
func (d *Digests) Collect(ctx context.Context, managerName string, n models.Notice, scanName string) error {
	ns, mid, err := models.ParseManagerName(managerName)
	if err != nil {
		return fmt.Errorf("notify: digest: %w", err)
	}
	_, cid, err := models.ParseConnectionName(n.Connection)
	if err != nil {
		return fmt.Errorf("notify: digest: %w", err)
	}
	spec, _ := json.Marshal(n.Digest)
	id := digestID(ns, mid, cid)
	if err := collectScript.Run(ctx, d.rdb, []string{digestOpenKey(id), digestIndexKey()}, scanName, id, string(spec), d.now()).Err(); err != nil {
		return fmt.Errorf("notify: collect %s for a digest: %w", scanName, err)
	}
	return nil
}

// Sweep sends every digest whose period has ended: those closed before
// and not yet sent (a replica died midway), then those due now.
func (d *Digests) Sweep(ctx context.Context) error {
	index, err := d.rdb.HGetAll(ctx, digestIndexKey()).Result()
	if err != nil {
		return fmt.Errorf("notify: read digests: %w", err)
	}
	var errs []error
	for id, raw := range index {
		var spec models.Digest
		if err := json.Unmarshal([]byte(raw), &spec); err != nil {
			continue
		}
		if err := d.close(ctx, id, raw, &spec); err != nil {
			errs = append(errs, err)
		}
	}
	closed, err := d.rdb.ZRange(ctx, digestClosedKey(), 0, -1).Result()
	if err != nil {
		return fmt.Errorf("notify: read closed digests: %w", err)
	}
	for _, member := range closed {
		if err := d.send(ctx, member); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// maxClosesPerSweep bounds the periods one sweep closes for one notice
// (a process that was down for days catches up over a few sweeps).
const maxClosesPerSweep = 200

// close closes every ended period of a notice's open digest, oldest
// first.
func (d *Digests) close(ctx context.Context, id, raw string, spec *models.Digest) error {
	for range maxClosesPerSweep {
		first, err := d.rdb.ZRangeWithScores(ctx, digestOpenKey(id), 0, 0).Result()
		if err != nil {
			return err
		}
		if len(first) == 0 {
			return forgetScript.Run(ctx, d.rdb, []string{digestOpenKey(id), digestIndexKey()}, id, raw).Err()
		}
		end := spec.PeriodEnd(time.UnixMilli(int64(first[0].Score)))
		endMS := strconv.FormatInt(end.UnixMilli(), 10)
		moved, err := closeScript.Run(ctx, d.rdb, []string{digestOpenKey(id), digestPeriodKey(id + "|" + endMS), digestClosedKey()},
			end.UnixMilli(), id+"|"+endMS+"|"+raw, d.now()).Int()
		if err != nil || moved <= 0 {
			return err // not ended yet (-1), or nothing left
		}
	}
	return nil
}

// send builds and enqueues the DIGEST event of a closed period, then
// forgets the period.
func (d *Digests) send(ctx context.Context, member string) error {
	parts := strings.SplitN(member, "|", 5)
	if len(parts) != 5 {
		return d.rdb.ZRem(ctx, digestClosedKey(), member).Err()
	}
	ns, mid, cid, endMS, raw := parts[0], parts[1], parts[2], parts[3], parts[4]
	ms, _ := strconv.ParseInt(endMS, 10, 64)
	var spec models.Digest
	_ = json.Unmarshal([]byte(raw), &spec)
	end := time.UnixMilli(ms).UTC()
	key := digestPeriodKey(ns + "|" + mid + "|" + cid + "|" + endMS)
	total, err := d.rdb.ZCard(ctx, key).Result()
	if err != nil {
		return err
	}
	names, err := d.rdb.ZRevRange(ctx, key, 0, maxDigestScans-1).Result()
	if err != nil {
		return err
	}
	dg := Digest{Manager: mid, Every: spec.Every, Start: spec.PeriodStart(end).UTC(), End: end, Total: int(total)}
	for _, name := range names {
		_, _, sid, err := models.ParseScanName(name)
		if err != nil {
			continue
		}
		scan, err := d.store.GetScan(ctx, ns, mid, sid)
		if errors.Is(err, store.ErrNotFound) {
			continue // expired or deleted: nothing to list
		}
		if err != nil {
			return err
		}
		b, err := models.ScanEvent(scan)
		if err != nil {
			continue
		}
		ev, err := ParseEvent(b)
		if err != nil {
			continue
		}
		dg.Scans = append(dg.Scans, *ev)
	}
	if len(dg.Scans) > 0 {
		name := models.ManagerName(ns, mid) + "/digests/" + cid + "-" + strconv.FormatInt(end.Unix(), 10)
		conn := models.ConnectionName(ns, cid)
		exists, err := d.store.DeliveryExists(ctx, store.DeliveryRef{Namespace: ns, Connection: cid, ID: WebhookID(name, conn)})
		if err != nil {
			return err
		}
		if !exists {
			ev := models.Event{Type: EventDigest, Name: name, Data: dg}
			if err := d.enq.EnqueueEvent(ctx, ev, conn); err != nil {
				return fmt.Errorf("notify: enqueue digest %s: %w", name, err)
			}
			d.log.Info("digest sent", "manager", models.ManagerName(ns, mid), "connection", conn, "matches", total, "period_end", end.Format(time.RFC3339))
		}
	}
	pipe := d.rdb.TxPipeline()
	pipe.Del(ctx, key)
	pipe.ZRem(ctx, digestClosedKey(), member)
	_, err = pipe.Exec(ctx)
	return err
}
