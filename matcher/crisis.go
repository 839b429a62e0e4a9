package matcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/redis/go-redis/v9"
)

// The crisis detector counts a CRISIS manager's negative posts in a sliding
// window and compares the count with an exponentially weighted mean of the
// windows before it. Posts are counted by id (a sorted set scored by post
// time), so a post read twice, after a crash or by two replicas, counts
// once. An episode is claimed with SET NX, so one SPIKE goes out however many
// processes see the spike; the claim is renewed while the spike lasts and
// lapses after a quiet cooldown.

const (
	crisisKeyPrefix = "earshot:crisis:"
	crisisHistory   = 24  // past windows in the baseline
	crisisAlpha     = 0.3 // weight of the newest window in the baseline
	crisisRecent    = 50  // recent negative posts kept for a SPIKE's topPosts
	crisisTopPosts  = 5
)

type recentPost struct {
	Post      models.Post `json:"post"`
	Sentiment float64     `json:"sentiment"`
}

type crisisStore interface {
	// record counts a negative post; added is false when it was counted before.
	record(ctx context.Context, mgr, id string, at, now time.Time, entry recentPost, keep time.Duration) (added bool, err error)
	// counts returns the number of posts in (now-w, now] and in each of the n
	// windows before it (newest first), and when counting began.
	counts(ctx context.Context, mgr string, now time.Time, w time.Duration, n int) (cur int, past []int, since time.Time, err error)
	recent(ctx context.Context, mgr string) ([]recentPost, error)
	// claim starts an episode unless one is running; a running one is
	// extended by ttl.
	claim(ctx context.Context, mgr, id string, ttl time.Duration) (started bool, err error)
}

// crisisState is the detector's view of one manager after a post.
type crisisState struct {
	counted   bool // the post was negative and counted now
	count     int
	baseline  float64
	threshold float64
	spike     *models.Spike
}

func (m *Matcher) crisis(ctx context.Context, c *compiled, d *doc, compound float64) (crisisState, error) {
	f := c.focus
	w := f.Window.D()
	now := m.now()
	at := d.post.Time.Time
	if at.IsZero() || at.After(now) {
		at = now
	}
	keep := w * (crisisHistory + 2)
	var st crisisState
	if now.Sub(at) > keep {
		return st, nil // too old to say anything about now
	}
	mgr := crisisManagerKey(c.mgr)
	added, err := m.crisisStore.record(ctx, mgr, d.post.ID, at, now, recentPost{Post: *d.post, Sentiment: compound}, keep)
	if err != nil {
		return st, fmt.Errorf("matcher: crisis count: %w", err)
	}
	st.counted = added
	cur, past, since, err := m.crisisStore.counts(ctx, mgr, now, w, crisisHistory)
	if err != nil {
		return st, fmt.Errorf("matcher: crisis count: %w", err)
	}
	st.count = cur
	st.baseline = ewma(past, now, w, since)
	st.threshold = max(float64(f.MinPosts), f.Factor*st.baseline)
	if !added || float64(cur) < st.threshold {
		return st, nil
	}
	start := now.Add(-w).Truncate(time.Second)
	id := strconv.FormatInt(start.Unix(), 10)
	started, err := m.crisisStore.claim(ctx, mgr, id, f.Cooldown.D())
	if err != nil {
		return st, fmt.Errorf("matcher: crisis episode: %w", err)
	}
	if !started {
		return st, nil
	}
	sp := &models.Spike{ID: id, Window: f.Window, Start: start.UTC(), End: now.UTC(), Count: cur, Baseline: round3(st.baseline), TopPosts: []models.Post{}}
	if st.baseline > 0 {
		sp.Ratio = round3(float64(cur) / st.baseline)
	}
	if c.mgr.Name != "" {
		sp.Name = c.mgr.Name + "/spikes/" + id
	}
	recent, err := m.crisisStore.recent(ctx, mgr)
	if err != nil {
		m.log.Warn("crisis: recent posts unavailable for the spike", "manager", mgr, "error", err)
	}
	var inWindow []recentPost
	sum := 0.0
	for _, r := range recent {
		if t := r.Post.Time.Time; !t.IsZero() && t.Before(start) {
			continue
		}
		inWindow = append(inWindow, r)
		sum += r.Sentiment
	}
	if len(inWindow) > 0 {
		sp.Sentiment = round3(sum / float64(len(inWindow)))
	}
	sort.SliceStable(inWindow, func(i, j int) bool { return inWindow[i].Sentiment < inWindow[j].Sentiment })
	for i := 0; i < len(inWindow) && i < crisisTopPosts; i++ {
		sp.TopPosts = append(sp.TopPosts, inWindow[i].Post)
	}
	st.spike = sp
	return st, nil
}

// ewma is the exponentially weighted mean of past window counts (newest
// first), over the windows that ended after counting began.
func ewma(past []int, now time.Time, w time.Duration, since time.Time) float64 {
	n := 0
	for k := range past {
		end := now.Add(-time.Duration(k+1) * w)
		if since.IsZero() || end.After(since) {
			n = k + 1
		}
	}
	if n == 0 {
		return 0
	}
	b := float64(past[n-1])
	for k := n - 2; k >= 0; k-- {
		b = crisisAlpha*float64(past[k]) + (1-crisisAlpha)*b
	}
	return b
}

func crisisManagerKey(mgr *models.Manager) string {
	if mgr.Name != "" {
		return mgr.Name
	}
	return mgr.ID
}

// redisCrisis keeps one manager's keys in one hash slot ({name}) so that
// it works on Redis Cluster too.
type redisCrisis struct{ rdb redis.UniversalClient }

func crisisKey(mgr, part string) string { return crisisKeyPrefix + "{" + mgr + "}:" + part }

func (r redisCrisis) record(ctx context.Context, mgr, id string, at, now time.Time, entry recentPost, keep time.Duration) (bool, error) {
	neg := crisisKey(mgr, "neg")
	n, err := r.rdb.ZAddNX(ctx, neg, redis.Z{Score: float64(at.UnixMilli()), Member: id}).Result()
	if err != nil {
		return false, err
	}
	if n == 0 {
		return false, nil
	}
	b, err := json.Marshal(entry)
	if err != nil {
		return false, err
	}
	recent, since := crisisKey(mgr, "recent"), crisisKey(mgr, "since")
	pipe := r.rdb.Pipeline()
	pipe.ZRemRangeByScore(ctx, neg, "-inf", "("+strconv.FormatInt(now.Add(-keep).UnixMilli(), 10))
	pipe.PExpire(ctx, neg, keep)
	pipe.LPush(ctx, recent, b)
	pipe.LTrim(ctx, recent, 0, crisisRecent-1)
	pipe.PExpire(ctx, recent, keep)
	pipe.SetNX(ctx, since, now.UnixMilli(), 0)
	pipe.PExpire(ctx, since, keep)
	_, err = pipe.Exec(ctx)
	return true, err
}

func (r redisCrisis) counts(ctx context.Context, mgr string, now time.Time, w time.Duration, n int) (int, []int, time.Time, error) {
	neg := crisisKey(mgr, "neg")
	pipe := r.rdb.Pipeline()
	cmds := make([]*redis.IntCmd, n+1)
	for k := 0; k <= n; k++ {
		hi := now.Add(-time.Duration(k) * w).UnixMilli()
		lo := now.Add(-time.Duration(k+1) * w).UnixMilli()
		cmds[k] = pipe.ZCount(ctx, neg, "("+strconv.FormatInt(lo, 10), strconv.FormatInt(hi, 10))
	}
	sinceCmd := pipe.Get(ctx, crisisKey(mgr, "since"))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return 0, nil, time.Time{}, err
	}
	past := make([]int, n)
	for k := 1; k <= n; k++ {
		past[k-1] = int(cmds[k].Val())
	}
	var since time.Time
	if ms, err := sinceCmd.Int64(); err == nil {
		since = time.UnixMilli(ms)
	}
	return int(cmds[0].Val()), past, since, nil
}

func (r redisCrisis) recent(ctx context.Context, mgr string) ([]recentPost, error) {
	vals, err := r.rdb.LRange(ctx, crisisKey(mgr, "recent"), 0, -1).Result()
	if err != nil {
		return nil, err
	}
	out := make([]recentPost, 0, len(vals))
	for _, v := range vals {
		var rp recentPost
		if json.Unmarshal([]byte(v), &rp) == nil {
			out = append(out, rp)
		}
	}
	return out, nil
}

func (r redisCrisis) claim(ctx context.Context, mgr, id string, ttl time.Duration) (bool, error) {
	key := crisisKey(mgr, "episode")
	ok, err := r.rdb.SetNX(ctx, key, id, ttl).Result()
	if err != nil || ok {
		return ok, err
	}
	return false, r.rdb.PExpire(ctx, key, ttl).Err()
}

// memCrisis is the in-process detector for `earshot match` and Redis-less
// use; it forgets everything when the process ends.
type memCrisis struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]*memCrisisManager
}

type memCrisisManager struct {
	posts        map[string]time.Time
	recent       []recentPost
	since        time.Time
	episodeUntil time.Time
}

func newMemCrisis(now func() time.Time) *memCrisis {
	return &memCrisis{now: now, m: map[string]*memCrisisManager{}}
}

func (c *memCrisis) get(mgr string) *memCrisisManager {
	s := c.m[mgr]
	if s == nil {
		s = &memCrisisManager{posts: map[string]time.Time{}}
		c.m[mgr] = s
	}
	return s
}

func (c *memCrisis) record(_ context.Context, mgr, id string, at, now time.Time, entry recentPost, keep time.Duration) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.get(mgr)
	if _, ok := s.posts[id]; ok {
		return false, nil
	}
	for k, t := range s.posts {
		if now.Sub(t) > keep {
			delete(s.posts, k)
		}
	}
	s.posts[id] = at
	s.recent = append([]recentPost{entry}, s.recent...)
	if len(s.recent) > crisisRecent {
		s.recent = s.recent[:crisisRecent]
	}
	if s.since.IsZero() {
		s.since = now
	}
	return true, nil
}

func (c *memCrisis) counts(_ context.Context, mgr string, now time.Time, w time.Duration, n int) (int, []int, time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.get(mgr)
	buckets := make([]int, n+1)
	for _, t := range s.posts {
		age := now.Sub(t)
		if age < 0 {
			continue
		}
		k := int(age / w)
		if age%w == 0 && k > 0 {
			k-- // windows are (lo, hi]
		}
		if k <= n {
			buckets[k]++
		}
	}
	return buckets[0], buckets[1:], s.since, nil
}

func (c *memCrisis) recent(_ context.Context, mgr string) ([]recentPost, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]recentPost(nil), c.get(mgr).recent...), nil
}

func (c *memCrisis) claim(_ context.Context, mgr, _ string, ttl time.Duration) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.get(mgr)
	now := c.now()
	started := !now.Before(s.episodeUntil)
	s.episodeUntil = now.Add(ttl)
	return started, nil
}
