package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/robfig/cron/v3"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/pipeline"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/ingest"
	"github.com/earshothq/earshot/store"
)

// Scheduler enqueues a poll task for each enabled manager on its schedule,
// following every change to the managers in Redis.
type Scheduler struct {
	store  *store.Store
	client *asynq.Client
	log    *slog.Logger
	// reload is how often Redis is checked for changed managers.
	reload time.Duration

	cron    *cron.Cron
	ctx     context.Context // Run's, for the enqueues of cron's jobs
	mu      sync.Mutex
	entries map[string]entry // by read id
	sources sources.Registry
	version int64
	// onChange is told every manager whenever they change.
	onChange func([]*models.Manager)
}

// OnChange registers f to be called with every manager (of every
// namespace) each time the managers change, and once at start. The matcher
// rebuilds its index from it.
func (s *Scheduler) OnChange(f func([]*models.Manager)) { s.onChange = f }

type entry struct {
	id       cron.EntryID
	spec     string
	managers []string // names of the managers the read serves
}

// want is what sync wants scheduled for one read.
type want struct {
	spec     string
	sched    cron.Schedule
	shared   bool
	managers []string
}

// reads groups the polled managers into their reads (each its own read
// when no sources are set).
func (s *Scheduler) reads(polled []*models.Manager) []pipeline.Read {
	if s.sources == nil {
		out := make([]pipeline.Read, 0, len(polled))
		for _, m := range polled {
			out = append(out, pipeline.Read{ID: "manager/" + m.Name, Type: m.Source.Type, Managers: []*models.Manager{m}})
		}
		return out
	}
	return pipeline.Reads(s.sources, polled)
}

// plan picks the most frequent of a read's managers' schedules (the
// earliest spec of those that tick as often, so that every replica picks
// the same one).
func (s *Scheduler) plan(r pipeline.Read) (want, bool) {
	if r.Streamed {
		return want{}, false // read continuously by pipeline.RunStreams
	}
	var best want
	var bestEvery time.Duration
	now := time.Now()
	for _, m := range r.Managers {
		spec := m.ScheduleOrDefault()
		sched, err := ParseSchedule(spec)
		if err != nil {
			s.log.Warn("scheduler: manager has an invalid schedule; not scheduled", "manager", m.Name, "error", err)
			continue
		}
		every := interval(sched, now)
		if best.sched == nil || every < bestEvery || every == bestEvery && spec < best.spec {
			best.spec, best.sched, bestEvery = spec, sched, every
		}
		best.managers = append(best.managers, m.Name)
	}
	best.shared = r.Shared
	return best, best.sched != nil
}

// New returns a Scheduler. reload is how often it checks Redis for managers
// created, changed or deleted (default 2 s).
func New(st *store.Store, client *asynq.Client, log *slog.Logger, reload time.Duration) *Scheduler {
	if reload <= 0 {
		reload = 2 * time.Second
	}
	return &Scheduler{
		store:   st,
		client:  client,
		log:     log,
		reload:  reload,
		cron:    cron.New(cron.WithLocation(time.UTC)),
		entries: make(map[string]entry),
		version: -1,
	}
}

// Run schedules until ctx is done.
func (s *Scheduler) Run(ctx context.Context) error {
	s.ctx = ctx
	s.cron.Start()
	defer func() { <-s.cron.Stop().Done() }()
	t := time.NewTicker(s.reload)
	defer t.Stop()
	for {
		if err := s.sync(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("scheduler: reading managers failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Scheduled returns the names of the managers currently scheduled.
func (s *Scheduler) Scheduled() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.entries {
		out = append(out, e.managers...)
	}
	return out
}

// Reads returns the ids of the reads currently scheduled.
func (s *Scheduler) Reads() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.entries))
	for id := range s.entries {
		out = append(out, id)
	}
	return out
}

// UseSources makes the scheduler group managers into the reads of
// pipeline.Reads (streams shared by managers); without it each manager is
// read alone. Call it before Run.
func (s *Scheduler) UseSources(reg sources.Registry) { s.sources = reg }

func (s *Scheduler) sync(ctx context.Context) error {
	v, err := s.store.Version(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	same := v == s.version
	s.mu.Unlock()
	if same {
		return nil
	}
	managers, err := s.store.AllManagers(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var polled []*models.Manager
	for _, m := range managers {
		// INGEST managers are fed by the API, never polled.
		if m.Enable && m.Source.Type != ingest.Type {
			polled = append(polled, m)
		}
	}
	// One entry per read: a manager read alone, or a stream's read shared
	// by its managers, at the most frequent of their schedules.
	want := map[string]want{}
	for _, r := range s.reads(polled) {
		w, ok := s.plan(r)
		if ok {
			want[r.ID] = w
		}
	}
	for id, e := range s.entries {
		if w, ok := want[id]; !ok || w.spec != e.spec {
			s.cron.Remove(e.id)
			delete(s.entries, id)
		}
	}
	for id, w := range want {
		if e, ok := s.entries[id]; ok {
			e.managers = w.managers
			s.entries[id] = e
			continue
		}
		j := &pollJob{s: s, read: id, every: interval(w.sched, time.Now())}
		if !w.shared {
			j.ns, j.id, _ = models.ParseManagerName(w.managers[0])
		}
		eid := s.cron.Schedule(w.sched, j)
		// The job may already be running (cron starts it on its own
		// goroutine), so its entry id is published atomically.
		j.entry.Store(int64(eid))
		s.entries[id] = entry{id: eid, spec: w.spec, managers: w.managers}
	}
	s.version = v
	if s.onChange != nil {
		s.onChange(managers)
	}
	return nil
}

type pollJob struct {
	s      *Scheduler
	read   string // its pipeline.Read's ID
	ns, id string // a manager read alone
	every  time.Duration
	entry  atomic.Int64 // cron.EntryID, once scheduled
}

func (j *pollJob) Run() {
	// Prev is the time the tick was scheduled for, not when it ran: the
	// same in every process, so the task id is too.
	var tick time.Time
	if id := j.entry.Load(); id != 0 {
		tick = j.s.cron.Entry(cron.EntryID(id)).Prev
	}
	if tick.IsZero() {
		tick = time.Now().Truncate(time.Second)
	}
	var task *asynq.Task
	var err error
	if j.id != "" {
		task, err = pipeline.NewPollTask(j.ns, j.id, tick, j.every)
	} else {
		task, err = pipeline.NewReadTask(j.read, tick, j.every)
	}
	if err != nil {
		j.s.log.Error("scheduler: build poll task", "error", err)
		return
	}
	ctx, cancel := context.WithTimeout(j.s.ctx, 10*time.Second)
	defer cancel()
	_, err = j.s.client.EnqueueContext(ctx, task)
	switch {
	case err == nil:
		j.s.log.Debug("poll enqueued", "read", j.read, "tick", tick.UTC().Format(time.RFC3339))
	case errors.Is(err, asynq.ErrDuplicateTask), errors.Is(err, asynq.ErrTaskIDConflict):
		// Another process enqueued this tick already.
	default:
		j.s.log.Warn("scheduler: enqueue poll failed", "read", j.read, "error", err)
	}
}
