package youtube

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the quota resets at midnight America/Los_Angeles

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/internal/cursors"
	"github.com/earshothq/earshot/sources/internal/fetch"
	"github.com/earshothq/earshot/sources/internal/window"
)

// Quota costs of the calls made, in units.
const (
	costSearch   = 100
	costComments = 1
)

const (
	searchPageSize  = 50
	threadsPageSize = 100
	DefaultTimeout  = fetch.DefaultTimeout
	maxBodyBytes    = 8 << 20
	// overlap: videos reach search a while after they are published.
	overlap       = 30 * time.Minute
	seenLimit     = 2000
	cursorVersion = 1
	// videoAge is how long a video found keeps having its comments read.
	videoAge = 3 * 24 * time.Hour
)

var pacific = mustLoad("America/Los_Angeles")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Source reads YouTube. It is safe for concurrent use.
type Source struct {
	cfg   Config
	api   *fetch.Client
	count sources.Counter
	log   *slog.Logger
	// remaining is the quota left, as last seen; NaN before any.
	remaining atomic.Uint64
}

var (
	_ sources.Source    = (*Source)(nil)
	_ sources.Shared    = (*Source)(nil)
	_ sources.Describer = (*Source)(nil)
	_ sources.Quota     = (*Source)(nil)
)

// New returns a Source for cfg (cfg.WithDefaults is applied).
func New(cfg Config, opts ...sources.Option) *Source {
	cfg = cfg.WithDefaults()
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	api, o := fetch.New(fetch.Platform{Name: "youtube", RateKey: "youtube", Timeout: DefaultTimeout, MaxBody: maxBodyBytes, Secrets: []string{cfg.APIKey}}, opts)
	s := &Source{cfg: cfg, api: api, count: &sources.MemoryRateState{}, log: o.Log}
	s.remaining.Store(math.Float64bits(math.NaN()))
	// The quota spent is shared when the rate state can count (the
	// store can); otherwise it is counted in this process only.
	if c, ok := o.Rate.(sources.Counter); ok {
		s.count = c
	}
	return s
}

// QuotaRemaining implements sources.Quota.
func (s *Source) QuotaRemaining() (float64, bool) {
	v := math.Float64frombits(s.remaining.Load())
	if math.IsNaN(v) {
		return float64(s.cfg.DailyQuota), false
	}
	return v, true
}

// day returns the start of the quota day of t and of the next.
func day(t time.Time) (start, next time.Time) {
	p := t.In(pacific)
	start = time.Date(p.Year(), p.Month(), p.Day(), 0, 0, 0, 0, pacific)
	return start, start.AddDate(0, 0, 1)
}

// allowed is how many units may be spent by t: the day's share up to t,
// plus an hour's worth, so that polls are spread over the day.
func (s *Source) allowed(t time.Time) int64 {
	start, next := day(t)
	q := float64(s.cfg.DailyQuota)
	share := q*t.Sub(start).Seconds()/next.Sub(start).Seconds() + q/24
	return int64(math.Min(q, share))
}

// spend reserves cost units of the shared quota, or says when they can be
// had.
func (s *Source) spend(ctx context.Context, log *slog.Logger, cost int64) error {
	now := s.api.Now()
	start, next := day(now)
	key := "youtube:quota:" + start.Format("2006-01-02")
	used, err := s.count.Add(ctx, key, cost, next.Add(time.Hour))
	if err != nil {
		return fmt.Errorf("youtube: counting quota: %w", err)
	}
	allowed := s.allowed(now)
	if used <= allowed {
		s.remaining.Store(math.Float64bits(float64(int64(s.cfg.DailyQuota) - used)))
		return nil
	}
	if _, err := s.count.Add(ctx, key, -cost, next.Add(time.Hour)); err != nil {
		log.Warn("youtube: returning unspent quota failed", "error", err)
	}
	s.remaining.Store(math.Float64bits(float64(max(int64(s.cfg.DailyQuota)-used+cost, 0))))
	// When the day's share reaches what this call needs.
	q := float64(s.cfg.DailyQuota)
	until := next
	if used <= int64(q) {
		frac := (float64(used) - q/24) / q
		until = start.Add(time.Duration(frac * float64(next.Sub(start))))
		if !until.After(now) {
			until = now.Add(time.Second)
		}
	}
	log.Debug("youtube: quota share used; the read waits", "used", used-cost, "cost", cost, "allowed", allowed, "until", until.UTC().Format(time.RFC3339))
	return &sources.RateLimitError{Source: "youtube", Until: until}
}

// plan is what a manager reads.
type plan struct {
	searches []search // videos
	channels []string // whose comments are read
	videos   bool     // video posts are returned
	comments bool
}

type search struct {
	q, channel string
}

func (se search) key() string { return "search:" + se.channel + "|" + se.q }

// Query is a manager's search: its query, or its keywords OR'ed with |
// (phrases quoted).
func Query(query string, keywords []string) string {
	if q := strings.Join(strings.Fields(query), " "); q != "" {
		return q
	}
	var terms []string
	for _, k := range keywords {
		if k = strings.Join(strings.Fields(k), " "); k == "" {
			continue
		}
		if strings.Contains(k, " ") {
			k = strconv.Quote(k)
		}
		if !slices.Contains(terms, k) {
			terms = append(terms, k)
		}
	}
	return strings.Join(terms, "|")
}

func (s *Source) plan(m *models.Manager) (plan, error) {
	st, err := sources.Settings[Settings](m)
	if err != nil {
		return plan{}, err
	}
	var p plan
	p.videos, p.comments = includes(m)
	channels := slices.Clone(st.Channels)
	slices.Sort(channels)
	channels = slices.Compact(channels)
	q := Query(st.Query, m.Input.Keywords)
	switch {
	case len(channels) > 0 && (p.videos || q != ""):
		for _, c := range channels {
			p.searches = append(p.searches, search{q: q, channel: c})
		}
	case len(channels) == 0 && q != "":
		p.searches = []search{{q: q}}
	}
	if p.comments {
		p.channels = channels
	}
	if len(p.searches) == 0 && len(p.channels) == 0 {
		return plan{}, fmt.Errorf("youtube: the manager has neither source.query, source.channels nor input.keywords")
	}
	return p, nil
}

// StreamKey implements sources.Shared.
func (s *Source) StreamKey(m *models.Manager) string {
	p, err := s.plan(m)
	if err != nil {
		return ""
	}
	var keys []string
	for _, se := range p.searches {
		keys = append(keys, se.key())
	}
	return fmt.Sprintf("%s v=%t c=%t %s channels:%s", Type, p.videos, p.comments, strings.Join(keys, " "), strings.Join(p.channels, ","))
}

// Describe implements sources.Describer.
func (s *Source) Describe(m *models.Manager) string {
	p, err := s.plan(m)
	if err != nil {
		return ""
	}
	var d []string
	for _, se := range p.searches {
		w := "search " + strconv.Quote(se.q)
		if se.channel != "" {
			w += " in " + se.channel
		}
		d = append(d, w)
	}
	for _, c := range p.channels {
		d = append(d, "comments of "+c)
	}
	return "youtube: " + strings.Join(d, ", ")
}

type vref struct {
	ID    string `json:"id"`
	T     int64  `json:"t"`
	Title string `json:"title,omitempty"`
}

type cursor struct {
	Version int                      `json:"v"`
	Windows map[string]window.Window `json:"windows"`
	// Videos are the recent videos found, whose comments are read.
	Videos []vref `json:"videos,omitempty"`
}

// Poll implements sources.Source. A read the quota cannot pay for now
// keeps its window and the others go on; the poll ends rate limited only
// when nothing could be read.
func (s *Source) Poll(ctx context.Context, m *models.Manager, raw json.RawMessage) (sources.Result, error) {
	p, err := s.plan(m)
	if err != nil {
		return sources.Result{}, err
	}
	log := s.log.With("manager", cmp.Or(m.Name, m.ID))
	cur, _ := cursors.Decode[cursor](log, "youtube", raw, cursorVersion)
	now := s.api.Now()
	next := cursor{Version: cursorVersion, Windows: map[string]window.Window{}}
	byID := map[string]models.Post{}
	videos := slices.Clone(cur.Videos)
	var limited error
	done := 0
	poll := func(key string, read func(w window.Window, known bool) (window.Window, error)) error {
		w, known := cur.Windows[key]
		if !known {
			w = window.New(now, m.Source.BackfillOrDefault())
		}
		nw, err := read(w, known)
		switch {
		case err == nil:
			next.Windows[key] = nw
			done++
		case errors.Is(err, sources.ErrRateLimited):
			limited = cmp.Or(limited, err)
			if known {
				next.Windows[key] = w
			}
		default:
			return err
		}
		return nil
	}
	opts := func(known bool) window.Options {
		return window.Options{Overlap: overlap, Pages: s.cfg.MaxPages, SeenLimit: seenLimit, Cold: !known}
	}
	for _, se := range p.searches {
		err := poll(se.key(), func(w window.Window, known bool) (window.Window, error) {
			res, err := window.Poll(ctx, w, func(ctx context.Context, r window.Range, budget *int) ([]window.Item[searchResult], bool, error) {
				return s.search(ctx, log, se, r, budget)
			}, opts(known))
			for _, it := range res.Fresh {
				v := it.Value
				videos = append(videos, vref{ID: v.ID.VideoID, T: v.Snippet.PublishedAt.Unix(), Title: v.post().Title})
				if p.videos {
					byID["v:"+v.ID.VideoID] = v.post()
				}
			}
			return res.Next, err
		})
		if err != nil {
			return sources.Result{}, err
		}
	}
	next.Videos = recent(videos, now, s.cfg.CommentVideos)
	if p.comments {
		type target struct{ key, video, channel, title string }
		var targets []target
		for _, v := range next.Videos {
			targets = append(targets, target{key: "video:" + v.ID, video: v.ID, title: v.Title})
		}
		for _, c := range p.channels {
			targets = append(targets, target{key: "channel:" + c, channel: c})
		}
		for _, tg := range targets {
			err := poll(tg.key, func(w window.Window, known bool) (window.Window, error) {
				res, err := window.Poll(ctx, w, func(ctx context.Context, r window.Range, budget *int) ([]window.Item[thread], bool, error) {
					return s.threads(ctx, log, tg.video, tg.channel, r, budget)
				}, window.Options{Overlap: time.Minute, Pages: 2, SeenLimit: seenLimit, Cold: !known})
				for _, it := range res.Fresh {
					title := tg.title
					if title == "" {
						title = titleOf(next.Videos, it.Value.Snippet.VideoID)
					}
					byID["c:"+it.ID] = it.Value.post(title)
				}
				return res.Next, err
			})
			if err != nil {
				return sources.Result{}, err
			}
		}
	}
	if done == 0 && limited != nil {
		return sources.Result{}, limited
	}
	posts := slices.Collect(maps.Values(byID))
	slices.SortFunc(posts, func(a, b models.Post) int {
		return cmp.Or(a.Time.Compare(b.Time.Time), strings.Compare(a.ID, b.ID))
	})
	return cursors.Result("youtube", posts, next)
}

func titleOf(vs []vref, id string) string {
	for _, v := range vs {
		if v.ID == id {
			return v.Title
		}
	}
	return ""
}

// recent keeps the newest n videos of the last days, each once.
func recent(vs []vref, now time.Time, n int) []vref {
	slices.SortStableFunc(vs, func(a, b vref) int { return cmp.Compare(b.T, a.T) })
	var out []vref
	for _, v := range vs {
		if now.Sub(time.Unix(v.T, 0)) > videoAge || slices.ContainsFunc(out, func(o vref) bool { return o.ID == v.ID }) {
			continue
		}
		if out = append(out, v); len(out) == n {
			break
		}
	}
	return out
}

func (s *Source) search(ctx context.Context, log *slog.Logger, se search, r window.Range, budget *int) ([]window.Item[searchResult], bool, error) {
	q := url.Values{}
	q.Set("part", "snippet")
	q.Set("type", "video")
	q.Set("order", "date")
	q.Set("maxResults", strconv.Itoa(searchPageSize))
	q.Set("publishedAfter", r.From.UTC().Format(time.RFC3339))
	if !r.To.IsZero() {
		q.Set("publishedBefore", r.To.Add(time.Second).UTC().Format(time.RFC3339))
	}
	if se.q != "" {
		q.Set("q", se.q)
	}
	if se.channel != "" {
		q.Set("channelId", se.channel)
	}
	var items []window.Item[searchResult]
	for {
		body, err := s.get(ctx, log, "/search", costSearch, q)
		if err != nil {
			if len(items) > 0 && errors.Is(err, sources.ErrRateLimited) {
				return items, false, nil
			}
			return nil, false, err
		}
		*budget--
		res, err := decodeSearch(body)
		if err != nil {
			return nil, false, s.api.Error(http.MethodGet, "/search", http.StatusOK, err)
		}
		for _, v := range *res.Items {
			if v.ID.VideoID == "" || v.Snippet.PublishedAt.IsZero() {
				continue // a channel or playlist result
			}
			items = append(items, window.Item[searchResult]{ID: v.ID.VideoID, Time: v.Snippet.PublishedAt, Value: v})
		}
		if res.NextPageToken == "" {
			return items, true, nil
		}
		if *budget <= 0 {
			return items, false, nil
		}
		q.Set("pageToken", res.NextPageToken)
	}
}

// threads reads the comment threads of a video or a channel, newest first.
func (s *Source) threads(ctx context.Context, log *slog.Logger, video, channel string, r window.Range, budget *int) ([]window.Item[thread], bool, error) {
	q := url.Values{}
	q.Set("part", "snippet")
	q.Set("order", "time")
	q.Set("textFormat", "plainText")
	q.Set("maxResults", strconv.Itoa(threadsPageSize))
	if video != "" {
		q.Set("videoId", video)
	} else {
		q.Set("allThreadsRelatedToChannelId", channel)
	}
	var items []window.Item[thread]
	for {
		body, err := s.get(ctx, log, "/commentThreads", costComments, q)
		if errors.Is(err, errNoComments) {
			return items, true, nil
		}
		if err != nil {
			if len(items) > 0 && errors.Is(err, sources.ErrRateLimited) {
				return items, false, nil
			}
			return nil, false, err
		}
		*budget--
		res, err := decodeThreads(body)
		if err != nil {
			return nil, false, s.api.Error(http.MethodGet, "/commentThreads", http.StatusOK, err)
		}
		reached := false
		for _, t := range *res.Items {
			c := t.Snippet.TopLevelComment
			items = append(items, window.Item[thread]{ID: c.ID, Time: c.Snippet.PublishedAt, Value: t})
			if c.Snippet.PublishedAt.Before(r.From) {
				reached = true
			}
		}
		if reached || res.NextPageToken == "" {
			return items, true, nil
		}
		if *budget <= 0 {
			return items, false, nil
		}
		q.Set("pageToken", res.NextPageToken)
	}
}

// errNoComments: the video has comments turned off, or is gone.
var errNoComments = errors.New("youtube: no comments to read")

// get spends cost units and makes one call; it returns the body of a 200.
func (s *Source) get(ctx context.Context, log *slog.Logger, path string, cost int64, q url.Values) ([]byte, error) {
	if err := s.api.CheckBlocked(ctx); err != nil {
		return nil, err
	}
	if err := s.spend(ctx, log, cost); err != nil {
		return nil, err
	}
	q.Set("key", s.cfg.APIKey)
	start := time.Now()
	resp, err := s.api.HTTP.R().SetContext(ctx).SetQueryParamsFromValues(q).Get(s.cfg.BaseURL + path)
	q.Del("key")
	if err != nil {
		return nil, s.api.TransportError(ctx, log, http.MethodGet, path, err)
	}
	code, now := resp.StatusCode(), s.api.Now()
	if code == http.StatusOK {
		log.Debug("youtube request", "path", path, "status", code, "bytes", len(resp.Body()), "latency", time.Since(start))
		return resp.Body(), nil
	}
	var e apiError
	_ = json.Unmarshal(resp.Body(), &e)
	reason := e.reason()
	why := resp.Status()
	if reason != "" {
		why += ": " + fetch.Printable(reason, 60)
	}
	if m := fetch.Printable(e.Error.Message, 200); m != "" {
		why += ": " + m
	}
	switch {
	case reason == "quotaExceeded" || reason == "dailyLimitExceeded":
		_, reset := day(now)
		log.Info("youtube: daily quota exceeded; every process waits for the Pacific-midnight reset", "until", reset.UTC().Format(time.RFC3339))
		s.remaining.Store(math.Float64bits(0))
		s.api.Block(ctx, log, reset)
		return nil, &sources.RateLimitError{Source: "youtube", Until: reset}
	case reason == "rateLimitExceeded" || reason == "userRateLimitExceeded" || code == http.StatusTooManyRequests:
		return nil, s.api.RateLimited(ctx, log, path, now.Add(time.Minute))
	case path == "/commentThreads" && (reason == "commentsDisabled" || reason == "videoNotFound" || reason == "channelNotFound"):
		return nil, errNoComments
	case code == http.StatusBadRequest && reason == "keyInvalid", code == http.StatusUnauthorized, code == http.StatusForbidden:
		return nil, s.api.Error(http.MethodGet, path, code, fmt.Errorf("%w: %s", fetch.ErrAuth, why))
	case code >= 500:
		return nil, s.api.Error(http.MethodGet, path, code, fmt.Errorf("%w: %s", fetch.ErrServer, why))
	}
	return nil, s.api.Error(http.MethodGet, path, code, fmt.Errorf("%w: %s", fetch.ErrStatus, why))
}
