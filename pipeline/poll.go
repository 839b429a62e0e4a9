package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/attribute"

	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/metrics"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/store"
	"github.com/earshothq/earshot/tracing"
)

// TypePoll is the asynq task type of one manager's poll.
const TypePoll = "earshot:poll"

// QueuePolls is the asynq queue of poll tasks.
const QueuePolls = "polls"

// pollTimeout bounds one poll, paging included.
const pollTimeout = 5 * time.Minute

// PollPayload is a poll task's payload: a manager read alone (Namespace
// and Manager) or a shared read (Read, its Read.ID).
type PollPayload struct {
	Namespace string `json:"ns,omitempty"`
	Manager   string `json:"manager,omitempty"`
	Read      string `json:"read,omitempty"`
	Tick      int64  `json:"tick"` // unix seconds of the scheduled tick
}

// NewPollTask returns the poll task of one manager for one tick. Its
// TaskID names the tick and it is Unique for the interval, so every
// process that ticks at that time enqueues the same task once.
func NewPollTask(ns, manager string, tick time.Time, every time.Duration) (*asynq.Task, error) {
	return newPollTask(PollPayload{Namespace: ns, Manager: manager, Tick: tick.Unix()}, ns+"/"+manager, every)
}

// NewReadTask returns the poll task of a shared read (Read.ID) for one
// tick, named and made unique as NewPollTask's.
func NewReadTask(read string, tick time.Time, every time.Duration) (*asynq.Task, error) {
	return newPollTask(PollPayload{Read: read, Tick: tick.Unix()}, "stream:"+store.StreamKey(read), every)
}

func newPollTask(p PollPayload, name string, every time.Duration) (*asynq.Task, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("pipeline: encode poll task: %w", err)
	}
	unique := max(every, time.Second)
	return asynq.NewTask(TypePoll, b,
		asynq.TaskID("poll:"+name+":"+strconv.FormatInt(p.Tick, 10)),
		asynq.Unique(unique),
		// Keeping the finished task keeps its id taken, so a replica whose
		// tick fires a little late cannot enqueue the same tick again.
		asynq.Retention(max(2*every, time.Minute)),
		asynq.Queue(QueuePolls),
		asynq.MaxRetry(0), // the next tick is the retry
		asynq.Timeout(pollTimeout+30*time.Second),
	), nil
}

// Poller runs polls.
type Poller struct {
	Store    *store.Store
	Sources  sources.Registry
	Matcher  *matcher.Matcher
	Enqueuer *notify.Enqueuer
	Logger   *slog.Logger
	// Retention is how long Scans are kept.
	Retention time.Duration
	// Metrics counts matches and Scans (nil: not counted).
	Metrics *metrics.Pipeline
	// Streams, when set, counts each read's work (see StreamMetrics).
	Streams *StreamMetrics
	// Now is the clock (time.Now when nil); tests move it to check the
	// backoff of a failing source.
	Now func() time.Time
	// Tracer traces each read, its matching and its Scans (nil: off).
	Tracer *tracing.Tracer

	snap   snapshots
	status statusBuffers
}

func (p *Poller) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Stats says what one poll did.
type Stats struct {
	Fetched int
	Matched int
	New     int // Scans created (not seen before)
	Spikes  int // crisis episodes begun
	// Duplicates counts matched posts that told a story the manager has
	// a Scan of (the same link, a crosspost): listed in that Scan when it
	// was not delivered yet (Listed), dropped otherwise.
	Duplicates, Listed int
	Skipped            bool
	// BackingOff is set when the tick was skipped because the source has
	// been failing and waits out its backoff.
	BackingOff bool
	// sentiment is the sum of the new Scans' sentiment, for the charts.
	sentiment float64
	// recovered: the source had been failing until this poll.
	recovered bool
}

func (s *Stats) add(o Stats) {
	s.Fetched += o.Fetched
	s.Matched += o.Matched
	s.New += o.New
	s.Spikes += o.Spikes
	s.Duplicates += o.Duplicates
	s.Listed += o.Listed
	s.Skipped = s.Skipped && o.Skipped
	s.BackingOff = s.BackingOff || o.BackingOff
	s.recovered = s.recovered || o.recovered
}

// ProcessTask runs a poll task.
func (p *Poller) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var pl PollPayload
	if err := json.Unmarshal(t.Payload(), &pl); err != nil {
		return fmt.Errorf("pipeline: bad poll payload: %v: %w", err, asynq.SkipRetry)
	}
	var err error
	if pl.Read != "" {
		_, err = p.PollRead(ctx, pl.Read)
	} else {
		_, err = p.Poll(ctx, pl.Namespace, pl.Manager)
	}
	if errors.Is(err, ErrSourceFailed) {
		// Logged by Poll, and self-healing: the cursor stayed, and the
		// next tick reads the same posts again.
		return nil
	}
	return err
}

// ErrSourceFailed is wrapped by Poll's error when the source could not be
// read (network, 5xx, 429, a malformed answer): the cursor is kept.
var ErrSourceFailed = errors.New("source failed")

// Poll runs the reads that serve one manager now: its own, or those of
// the streams it is part of (which serve their other managers too).
func (p *Poller) Poll(ctx context.Context, ns, id string) (Stats, error) {
	snap, err := p.snapshot(ctx)
	if err != nil {
		return Stats{}, err
	}
	m := snap.byName[models.ManagerName(ns, id)]
	if m == nil || !m.Enable {
		return Stats{Skipped: true}, nil // deleted or disabled since the tick
	}
	if _, err := p.Sources.For(m); err != nil {
		return Stats{}, err
	}
	reads := snap.readsOf(m.Name)
	if len(reads) == 0 {
		return Stats{}, errNoSource(m)
	}
	total := Stats{Skipped: true}
	var errs []error
	for _, r := range reads {
		st, err := p.pollRead(ctx, r)
		total.add(st)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return total, errors.Join(errs...)
}

// PollRead runs one read, by its Read.ID; a read no manager makes any
// more is skipped.
func (p *Poller) PollRead(ctx context.Context, id string) (Stats, error) {
	snap, err := p.snapshot(ctx)
	if err != nil {
		return Stats{}, err
	}
	r := snap.byID[id]
	if r == nil {
		return Stats{Skipped: true}, nil
	}
	return p.pollRead(ctx, r)
}

// pollRead reads once and hands on what every manager of the read
// matched; only then does the read's cursor move.
func (p *Poller) pollRead(ctx context.Context, r *Read) (st Stats, err error) {
	log := p.Logger.With("read", r.ID)
	ns, mid, alone := r.manager()
	if alone {
		log = p.Logger.With("manager", r.Managers[0].Name)
	}
	// One poll of a read at a time, across every process: a slow poll
	// overlapping the next tick would read from the same cursor and race
	// to store it.
	lock := "poll:stream:" + store.StreamKey(r.ID)
	if alone {
		lock = "poll:" + ns + ":" + mid
	}
	release, ok, err := p.Store.TryLock(ctx, lock, pollTimeout+time.Minute)
	if err != nil {
		return Stats{}, err
	}
	if !ok {
		log.Debug("previous poll still running; tick skipped")
		return Stats{Skipped: true}, nil
	}
	defer release()

	ctx, cancel := context.WithTimeout(ctx, pollTimeout)
	defer cancel()

	// A source that keeps failing is read less and less often (see
	// store.Backoff), not at every tick. A shared read's managers all
	// record its failures, so the first of them speaks for the read.
	start := p.now()
	first := r.Managers[0]
	fns, fid, err := models.ParseManagerName(first.Name)
	if err != nil {
		return Stats{}, err
	}
	next, err := p.Store.NextPollTime(ctx, fns, fid)
	if err != nil {
		return Stats{}, err
	}
	if start.Before(next) {
		log.Debug("source failing; tick skipped while backing off", "next_poll", next.Format(time.RFC3339))
		return Stats{Skipped: true, BackingOff: true}, nil
	}

	ctx, span := p.startRead(ctx, SpanPoll, r)
	defer func() { endRead(span, st, err) }()
	var cursor json.RawMessage
	if alone {
		cursor, err = p.Store.Cursor(ctx, ns, mid)
	} else {
		cursor, err = p.Store.StreamCursor(ctx, r.ID)
	}
	if err != nil {
		return Stats{}, err
	}
	res, err := r.source.Poll(ctx, r.Poll, cursor)
	if err != nil {
		p.Streams.failed(r)
		var rl *sources.RateLimitError
		if errors.As(err, &rl) {
			// Waiting out a platform's rate limit is not a failure.
			log.Info("source rate limited; waiting", "until", rl.Until.UTC().Format(time.RFC3339))
		} else if failures, rerr := p.recordFailure(ctx, r, start, err); rerr != nil {
			log.Warn("poll failed; cursor kept", "error", models.RedactURLs(err.Error()), "record_error", rerr)
		} else {
			log.Warn("poll failed; cursor kept", "error", models.RedactURLs(err.Error()),
				"consecutive_failures", failures, "next_poll", start.Add(store.Backoff(failures)).UTC().Format(time.RFC3339))
		}
		return Stats{}, fmt.Errorf("pipeline: poll %s: %w: %w", r.ID, ErrSourceFailed, err)
	}
	st, per, err := p.match(ctx, r, res.Posts)
	st.recovered = !next.IsZero()
	p.Streams.read(r, res.Posts, st)
	if err != nil {
		return st, err
	}
	// Only now, with every Scan stored and enqueued, may the cursor move.
	if res.Cursor != nil {
		if alone {
			err = p.Store.SetCursor(ctx, ns, mid, res.Cursor)
		} else {
			err = p.Store.SetStreamCursor(ctx, r.ID, res.Cursor)
		}
		if err != nil {
			return st, err
		}
	}
	p.recordSoon(ctx, log, r, start, st, per)
	log.Debug("polled", "managers", len(r.Managers), "fetched", st.Fetched, "matched", st.Matched, "new", st.New, "duplicates", st.Duplicates)
	return st, nil
}

// match matches the posts of one read against all of its managers, one
// index pass per post, and hands every match on.
//
// A shared read offers a manager only what it asked for (Wants: its
// subreddits, its kind of item) and, as a manager's own first poll would,
// nothing created more than its backfill before the manager itself: a
// stream read for the first time reaches back as far as the longest
// backfill among its managers, and a manager joining a stream that is
// already read starts where the stream stands.
func (p *Poller) match(ctx context.Context, r *Read, posts []models.Post) (Stats, map[*models.Manager]*store.PollOutcome, error) {
	st := Stats{Fetched: len(posts)}
	if len(posts) == 0 {
		return st, nil, nil
	}
	ix, err := p.Matcher.IndexOf("read:"+r.ID, r.Managers)
	if err != nil {
		// Managers that slipped past validation match nothing; the
		// others go on.
		p.Logger.Warn("some managers cannot be matched", "read", r.ID, "error", err)
	}
	// The Scans are the read's children, not the index pass's: they are
	// handed on beside it.
	h := p.newHandOns(ctx)
	ctx, span := p.Tracer.Start(ctx, SpanMatch)
	if span.IsRecording() {
		span.SetAttributes(attribute.Int("earshot.posts", len(posts)), attribute.Int("earshot.managers", len(r.Managers)))
	}
	for i := range posts {
		post := &posts[i]
		var want func(*models.Manager) bool
		if r.Shared {
			want = func(m *models.Manager) bool {
				if r.wants != nil && !r.wants(m, post) {
					return false
				}
				return m.CreateTime.IsZero() || !post.Time.Before(m.CreateTime.Add(-m.Source.BackfillOrDefault()))
			}
		}
		results, err := p.Matcher.MatchIndex(ctx, ix, post, want)
		if err != nil {
			err = fmt.Errorf("pipeline: match %s: %w", post.ID, err)
			tracing.Fail(span, err)
			span.End()
			_ = h.wait()
			return st, nil, err
		}
		for _, res := range results {
			if res.Spike != nil {
				st.Spikes++
			}
			if res.Matched {
				st.Matched++
				p.Streams.matched(r, res.Manager)
			}
			h.add(post, res)
		}
	}
	if span.IsRecording() {
		span.SetAttributes(attribute.Int("earshot.matched", st.Matched))
	}
	span.End()
	err = h.wait()
	st.New, st.Duplicates, st.Listed, st.sentiment = h.created, h.duplicates, h.listed, h.sentiment
	return st, h.per, err
}

func (st *Stats) count(out handOutcome) {
	switch out {
	case handNew:
		st.New++
	case handDuplicate:
		st.Duplicates++
		st.Listed++
	case handDropped:
		st.Duplicates++
	}
}

// recordFailure records a failed read for every manager it serves and
// returns the first one's consecutive failures.
func (p *Poller) recordFailure(ctx context.Context, r *Read, start time.Time, failure error) (int, error) {
	outs := make([]store.ManagerOutcome, 0, len(r.Managers))
	for _, m := range r.Managers {
		if ns, id, err := models.ParseManagerName(m.Name); err == nil {
			outs = append(outs, store.ManagerOutcome{Namespace: ns, Manager: id, PollOutcome: store.PollOutcome{Time: start, Err: failure}})
		}
	}
	failures, err := p.Store.RecordPolls(ctx, outs)
	if err != nil || len(failures) == 0 {
		return 0, err
	}
	return failures[0], nil
}

// handOn stores the Scan of a matched post and enqueues its deliveries.
// A post seen before keeps its Scan; its deliveries are enqueued again,
// which is a no-op unless a crash interrupted the first hand-on. A post
// telling a story the manager has a Scan of is listed in that Scan
// instead (see claimStory).
func (p *Poller) handOn(ctx context.Context, m *models.Manager, post *models.Post, match models.Match) (out handOutcome, err error) {
	ns, mid, err := models.ParseManagerName(m.Name)
	if err != nil {
		return handNew, err
	}
	p.Matcher.FillLang(post)
	id := store.ScanID(post.ID)
	deliveries := 0
	ctx, span := p.startScan(ctx, m.Name, models.ScanName(ns, mid, id), post.ID)
	defer func() { endScan(span, out, deliveries, err) }()
	if out, err := p.claimStory(ctx, m, ns, mid, id, post); err != nil || out != handNew {
		return out, err
	}
	scan := &models.Scan{
		Name:       models.ScanName(ns, mid, id),
		CreateTime: time.Now().UTC(),
		Post:       *post,
		Match:      &match,
	}
	created, err := p.Store.CreateScan(ctx, ns, mid, id, scan, p.Retention)
	if err != nil {
		return handNew, err
	}
	out = handSeen
	if created {
		out = handNew
	}
	for _, n := range m.Notices {
		if !n.Wants(models.EventScan, &match) {
			continue
		}
		if n.Digest != nil {
			if err := p.Enqueuer.Collect(ctx, m.Name, n, scan.Name); err != nil {
				return out, err
			}
			continue
		}
		enqueue := p.Enqueuer.Enqueue
		if created {
			enqueue = p.Enqueuer.EnqueueNew // a new Scan has no deliveries yet
		}
		if err := enqueue(ctx, models.EventScan, scan.Name, n.Connection); err != nil {
			return out, err
		}
		deliveries++
	}
	return out, nil
}

// handOnSpike delivers the SPIKE event of a crisis episode to the
// manager's connections. The spike's name is deterministic per episode and
// so is each delivery's id, so a poll read again hands it on once.
func (p *Poller) handOnSpike(ctx context.Context, m *models.Manager, spike *models.Spike) error {
	ns, mid, err := models.ParseManagerName(m.Name)
	if err != nil {
		return err
	}
	if spike.Name == "" {
		spike.Name = models.SpikeName(ns, mid, spike.ID)
	}
	conns := make([]string, 0, len(m.Notices))
	for _, n := range m.Notices {
		if n.Wants(models.EventSpike, nil) {
			conns = append(conns, n.Connection)
		}
	}
	ev := models.Event{Type: models.EventSpike, Name: spike.Name, Spike: spike}
	if err := p.Enqueuer.EnqueueEvent(ctx, ev, conns...); err != nil {
		return fmt.Errorf("pipeline: hand on spike %s: %w", spike.Name, err)
	}
	p.Logger.Info("crisis spike", "manager", m.Name, "spike", spike.Name, "count", spike.Count, "baseline", spike.Baseline)
	return nil
}
