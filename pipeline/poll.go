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

	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/metrics"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/store"
)

// TypePoll is the asynq task type of one manager's poll.
const TypePoll = "earshot:poll"

// QueuePolls is the asynq queue of poll tasks.
const QueuePolls = "polls"

// pollTimeout bounds one poll, paging included.
const pollTimeout = 5 * time.Minute

// PollPayload is a poll task's payload.
type PollPayload struct {
	Namespace string `json:"ns"`
	Manager   string `json:"manager"`
	Tick      int64  `json:"tick"` // unix seconds of the scheduled tick
}

// NewPollTask returns the poll task of one manager for one tick. Its
// TaskID names the tick and it is Unique for the interval, so every
// process that ticks at that time enqueues the same task once.
func NewPollTask(ns, manager string, tick time.Time, every time.Duration) (*asynq.Task, error) {
	p := PollPayload{Namespace: ns, Manager: manager, Tick: tick.Unix()}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("pipeline: encode poll task: %w", err)
	}
	unique := max(every, time.Second)
	return asynq.NewTask(TypePoll, b,
		asynq.TaskID("poll:"+ns+"/"+manager+":"+strconv.FormatInt(tick.Unix(), 10)),
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
	// Now is the clock (time.Now when nil); tests move it to check the
	// backoff of a failing source.
	Now func() time.Time
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
	Skipped bool
	// BackingOff is set when the tick was skipped because the source has
	// been failing and waits out its backoff.
	BackingOff bool
	// sentiment is the sum of the new Scans' sentiment, for the charts.
	sentiment float64
	// recovered: the source had been failing until this poll.
	recovered bool
}

// ProcessTask runs a poll task.
func (p *Poller) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var pl PollPayload
	if err := json.Unmarshal(t.Payload(), &pl); err != nil {
		return fmt.Errorf("pipeline: bad poll payload: %v: %w", err, asynq.SkipRetry)
	}
	_, err := p.Poll(ctx, pl.Namespace, pl.Manager)
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

// Poll runs one poll of a manager.
func (p *Poller) Poll(ctx context.Context, ns, id string) (Stats, error) {
	log := p.Logger.With("manager", models.ManagerName(ns, id))
	m, err := p.Store.GetManager(ctx, ns, id)
	if errors.Is(err, store.ErrNotFound) {
		return Stats{Skipped: true}, nil // deleted since the tick
	}
	if err != nil {
		return Stats{}, err
	}
	if !m.Enable {
		return Stats{Skipped: true}, nil
	}
	src, err := p.Sources.For(m)
	if err != nil {
		return Stats{}, err
	}

	// One poll of a manager at a time: a slow poll overlapping the next
	// tick would read from the same cursor and race to store it.
	release, ok, err := p.Store.TryLock(ctx, "poll:"+ns+":"+id, pollTimeout+time.Minute)
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
	// store.Backoff), not at every tick.
	start := p.now()
	next, err := p.Store.NextPollTime(ctx, ns, id)
	if err != nil {
		return Stats{}, err
	}
	if start.Before(next) {
		log.Debug("source failing; tick skipped while backing off", "next_poll", next.Format(time.RFC3339))
		return Stats{Skipped: true, BackingOff: true}, nil
	}

	cursor, err := p.Store.Cursor(ctx, ns, id)
	if err != nil {
		return Stats{}, err
	}
	res, err := src.Poll(ctx, m, cursor)
	if err != nil {
		var rl *sources.RateLimitError
		if errors.As(err, &rl) {
			// Waiting out a platform's rate limit is not a failure.
			log.Info("source rate limited; waiting", "until", rl.Until.UTC().Format(time.RFC3339))
		} else if failures, rerr := p.Store.RecordPoll(ctx, ns, id, store.PollOutcome{Time: start, Err: err}); rerr != nil {
			log.Warn("poll failed; cursor kept", "error", models.RedactURLs(err.Error()), "record_error", rerr)
		} else {
			log.Warn("poll failed; cursor kept", "error", models.RedactURLs(err.Error()),
				"consecutive_failures", failures, "next_poll", start.Add(store.Backoff(failures)).UTC().Format(time.RFC3339))
		}
		return Stats{}, fmt.Errorf("pipeline: poll %s: %w: %w", m.Name, ErrSourceFailed, err)
	}
	st := Stats{Fetched: len(res.Posts), recovered: !next.IsZero()}
	for i := range res.Posts {
		post := &res.Posts[i]
		r, err := p.Matcher.Evaluate(ctx, m, post)
		if err != nil {
			return st, fmt.Errorf("pipeline: match %s: %w", post.ID, err)
		}
		if r.Spike != nil {
			if err := p.handOnSpike(ctx, m, r.Spike); err != nil {
				return st, err
			}
			st.Spikes++
		}
		if !r.Matched {
			continue
		}
		st.Matched++
		created, err := p.handOn(ctx, m, post, r.Match)
		if err != nil {
			return st, err
		}
		p.Metrics.Matched(m.Source.Type, created)
		if created {
			st.New++
			st.sentiment += r.Match.Sentiment
		}
	}
	// Only now, with every Scan stored and enqueued, may the cursor move.
	if res.Cursor != nil {
		if err := p.Store.SetCursor(ctx, ns, id, res.Cursor); err != nil {
			return st, err
		}
	}
	p.record(ctx, log, ns, id, start, st)
	log.Debug("polled", "fetched", st.Fetched, "matched", st.Matched, "new", st.New)
	return st, nil
}

// record keeps a successful read's counts for the manager's status and
// charts. It is bookkeeping: a failure is logged, not the poll's.
func (p *Poller) record(ctx context.Context, log *slog.Logger, ns, id string, start time.Time, st Stats) {
	o := store.PollOutcome{Time: start, Posts: st.Fetched, Matches: st.New, SentimentSum: st.sentiment, Spikes: st.Spikes}
	if failures, err := p.Store.RecordPoll(ctx, ns, id, o); err != nil {
		log.Warn("recording the poll's status failed", "error", err)
	} else if failures == 0 && st.recovered {
		log.Info("source recovered")
	}
}

// handOn stores the Scan of a matched post and enqueues its deliveries.
// A post seen before keeps its Scan; its deliveries are enqueued again,
// which is a no-op unless a crash interrupted the first hand-on.
func (p *Poller) handOn(ctx context.Context, m *models.Manager, post *models.Post, match models.Match) (bool, error) {
	ns, mid, err := models.ParseManagerName(m.Name)
	if err != nil {
		return false, err
	}
	id := store.ScanID(post.ID)
	scan := &models.Scan{
		Name:       models.ScanName(ns, mid, id),
		CreateTime: time.Now().UTC(),
		Post:       *post,
		Match:      &match,
	}
	created, err := p.Store.CreateScan(ctx, ns, mid, id, scan, p.Retention)
	if err != nil {
		return false, err
	}
	for _, n := range m.Notices {
		if !n.Wants(models.EventScan, &match) {
			continue
		}
		if n.Digest != nil {
			if err := p.Enqueuer.Collect(ctx, m.Name, n, scan.Name); err != nil {
				return created, err
			}
			continue
		}
		enqueue := p.Enqueuer.Enqueue
		if created {
			enqueue = p.Enqueuer.EnqueueNew // a new Scan has no deliveries yet
		}
		if err := enqueue(ctx, models.EventScan, scan.Name, n.Connection); err != nil {
			return created, err
		}
	}
	return created, nil
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
