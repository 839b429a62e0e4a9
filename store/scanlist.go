package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/models"
)

// ScanPosition is a place in a scan index, newest first: an entry's score
// (its scan's creation time in unix ms) and member. It is what a page token
// of the scans list holds.
type ScanPosition struct {
	Score  int64  `json:"s"`
	Member string `json:"m"`
}

// ScanQuery selects a page of scans.
type ScanQuery struct {
	// Manager is the manager whose scans to list; "" or "-" lists the
	// scans of every manager of the namespace.
	Manager string
	// After continues a listing after this position (nil: from the newest).
	After *ScanPosition
	// Since keeps only scans created after it (at or after it with
	// SinceInclusive); zero keeps all.
	Since          time.Time
	SinceInclusive bool
	// Keep, when set, keeps only the scans it accepts (the list's filter).
	Keep func(*models.Scan) bool
	// Limit is the page size (at least 1).
	Limit int
	// MaxExamined bounds the index entries one page reads (0:
	// DefaultMaxExamined): a filter that keeps few scans ends its page
	// short, even empty, with a position to go on from, rather than read a
	// whole index in one request.
	MaxExamined int
}

// DefaultMaxExamined is how many index entries a page of scans reads at
// most.
const DefaultMaxExamined = 5000

// ListedScan is one scan of a page with its position.
type ListedScan struct {
	Scan     *models.Scan
	Raw      []byte // the stored JSON, for digests
	Position ScanPosition
}

// ListScans returns a page of a namespace's scans, newest first, and the
// position to go on from (nil: none follow): after the page's last scan,
// or after the last entry examined when MaxExamined ended the page first.
// Index entries whose scan has expired are skipped. Reading goes on below
// the last entry read rather than at an offset, so a filter's walk down a
// long index costs each entry once.
func (s *Store) ListScans(ctx context.Context, ns string, q ScanQuery) ([]ListedScan, *ScanPosition, error) {
	key := keyScansByNamespace(ns)
	all := q.Manager == "" || q.Manager == "-"
	if !all {
		key = keyScansByManager(ns, q.Manager)
	}
	limit := max(q.Limit, 1)
	maxExamined := q.MaxExamined
	if maxExamined <= 0 {
		maxExamined = DefaultMaxExamined
	}
	batch := int64(limit) + 1
	if q.Keep != nil || !q.Since.IsZero() {
		batch = max(batch, 200) // most entries may be left out: fewer round trips
	}
	rng := &redis.ZRangeBy{Max: "+inf", Min: "-inf", Count: batch}
	if q.After != nil {
		rng.Max = strconv.FormatInt(q.After.Score, 10)
		// Start right below the entry the last page ended on, past those
		// of its millisecond listed already (there may be many).
		pipe := s.rdb.Pipeline()
		rank := pipe.ZRevRank(ctx, key, q.After.Member)
		above := pipe.ZCount(ctx, key, "("+rng.Max, "+inf")
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, nil, fmt.Errorf("store: list scans: %w", err)
		}
		if r, err := rank.Result(); err == nil && r+1 >= above.Val() {
			rng.Offset = r + 1 - above.Val()
		} // gone since (expired): the entries of its millisecond are skipped below
	}
	if !q.Since.IsZero() {
		// Scores are whole milliseconds; the exact comparison is made on
		// each scan's createTime below.
		rng.Min = strconv.FormatInt(q.Since.UnixMilli(), 10)
	}
	var (
		out      []ListedScan
		examined int
	)
	for {
		zs, err := s.rdb.ZRevRangeByScoreWithScores(ctx, key, rng).Result()
		if err != nil {
			return nil, nil, fmt.Errorf("store: list scans: %w", err)
		}
		type cand struct {
			pos ScanPosition
			key string
		}
		var cands []cand
		for _, z := range zs {
			member, _ := z.Member.(string)
			pos := ScanPosition{Score: int64(z.Score), Member: member}
			// Entries of the same millisecond come in reverse member order;
			// those not below the last one were on an earlier page.
			if q.After != nil && pos.Score == q.After.Score && member >= q.After.Member {
				continue
			}
			examined++
			m, id := q.Manager, member
			if all {
				var ok bool
				if m, id, ok = strings.Cut(member, "/"); !ok {
					continue
				}
			}
			cands = append(cands, cand{pos, keyScan(ns, m, id)})
		}
		if len(cands) > 0 {
			pipe := s.rdb.Pipeline()
			gets := make([]*redis.StringCmd, len(cands))
			for i, c := range cands {
				gets[i] = pipe.Get(ctx, c.key)
			}
			if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
				return nil, nil, fmt.Errorf("store: read scans: %w", err)
			}
			for i, c := range cands {
				b, err := gets[i].Bytes()
				if errors.Is(err, redis.Nil) {
					continue // expired
				}
				if err != nil {
					return nil, nil, fmt.Errorf("store: read scan: %w", err)
				}
				var sc models.Scan
				if err := json.Unmarshal(b, &sc); err != nil {
					return nil, nil, fmt.Errorf("store: decode scan: %w", err)
				}
				sc.Normalize()
				if !q.Since.IsZero() && (sc.CreateTime.Before(q.Since) || !q.SinceInclusive && sc.CreateTime.Equal(q.Since)) {
					continue
				}
				if q.Keep != nil && !q.Keep(&sc) {
					continue
				}
				out = append(out, ListedScan{Scan: &sc, Raw: b, Position: c.pos})
				if len(out) > limit {
					next := out[limit-1].Position
					return out[:limit], &next, nil
				}
			}
		}
		if int64(len(zs)) < rng.Count {
			return out, nil, nil
		}
		end := zs[len(zs)-1]
		pos := ScanPosition{Score: int64(end.Score), Member: fmt.Sprint(end.Member)}
		if examined >= maxExamined {
			return out, &pos, nil
		}
		// Go on below the last entry read: at its score, past the entries
		// of that score read so far.
		score := strconv.FormatInt(pos.Score, 10)
		same := 0
		for i := len(zs) - 1; i >= 0 && int64(zs[i].Score) == pos.Score; i-- {
			same++
		}
		if rng.Max == score {
			rng.Offset += int64(same)
		} else {
			rng.Max, rng.Offset = score, int64(same)
		}
	}
}

// GetScanRaw returns one scan and its stored JSON.
func (s *Store) GetScanRaw(ctx context.Context, ns, m, id string) (*models.Scan, []byte, error) {
	b, err := s.rdb.Get(ctx, keyScan(ns, m, id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("store: read scan: %w", err)
	}
	var v models.Scan
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, nil, fmt.Errorf("store: decode scan: %w", err)
	}
	v.Normalize()
	return &v, b, nil
}

// UpdateScan changes the triage of a scan with apply, if its etag (the
// digest of its stored JSON, see ScanEtag) is ifEtag or ifEtag is "". apply
// gets a copy of the stored scan; its error aborts the update. The scan
// keeps its expiry.
func (s *Store) UpdateScan(ctx context.Context, ns, m, id, ifEtag string, apply func(*models.Scan) error) (*models.Scan, []byte, error) {
	key := keyScan(ns, m, id)
	var out *models.Scan
	var raw []byte
	err := s.optimistic(ctx, func(tx *redis.Tx) error {
		b, err := tx.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: read scan: %w", err)
		}
		if !etagMatches(ifEtag, ScanEtag(b)) {
			return ErrEtagMismatch
		}
		var sc models.Scan
		if err := json.Unmarshal(b, &sc); err != nil {
			return fmt.Errorf("store: decode scan: %w", err)
		}
		sc.Normalize()
		if err := apply(&sc); err != nil {
			return err
		}
		sc.UpdateTime = s.now().UTC()
		nb, err := json.Marshal(&sc)
		if err != nil {
			return fmt.Errorf("store: encode scan: %w", err)
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.SetArgs(ctx, key, nb, redis.SetArgs{KeepTTL: true, Mode: "XX"})
			return nil
		})
		if err != nil {
			return err
		}
		out, raw = &sc, nb
		return nil
	}, key)
	return out, raw, err
}

// ScanEtag is the etag of a scan: a digest of its stored JSON, which
// changes with every triage.
func ScanEtag(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:8])
}
