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
	entries map[string]entry // by manager name
	version int64
	// onChange is told every manager whenever they change.
	onChange func([]*models.Manager)
}

// OnChange registers f to be called with every manager (of every
// namespace) each time the managers change, and once at start. The matcher
// rebuilds its index from it.
func (s *Scheduler) OnChange(f func([]*models.Manager)) { s.onChange = f }

type entry struct {
	id   cron.EntryID
	spec string
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
	out := make([]string, 0, len(s.entries))
	for n := range s.entries {
		out = append(out, n)
	}
	return out
}

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
	want := make(map[string]*models.Manager)
	for _, m := range managers {
		// INGEST managers are fed by the API, never polled.
		if m.Enable && m.Source.Type != ingest.Type {
			want[m.Name] = m
		}
	}
	for name, e := range s.entries {
		if m, ok := want[name]; !ok || m.ScheduleOrDefault() != e.spec {
			s.cron.Remove(e.id)
			delete(s.entries, name)
		}
	}
	for name, m := range want {
		if _, ok := s.entries[name]; ok {
			continue
		}
		spec := m.ScheduleOrDefault()
		sched, err := ParseSchedule(spec)
		if err != nil {
			s.log.Warn("scheduler: manager has an invalid schedule; not scheduled", "manager", name, "error", err)
			continue
		}
		ns, id, err := models.ParseManagerName(name)
		if err != nil {
			continue
		}
		j := &pollJob{s: s, ns: ns, id: id, every: interval(sched, time.Now())}
		eid := s.cron.Schedule(sched, j)
		// The job may already be running (cron starts it on its own
		// goroutine), so its entry id is published atomically.
		j.entry.Store(int64(eid))
		s.entries[name] = entry{id: eid, spec: spec}
	}
	s.version = v
	if s.onChange != nil {
		s.onChange(managers)
	}
	return nil
}

type pollJob struct {
	s      *Scheduler
	ns, id string
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
	task, err := pipeline.NewPollTask(j.ns, j.id, tick, j.every)
	if err != nil {
		j.s.log.Error("scheduler: build poll task", "error", err)
		return
	}
	ctx, cancel := context.WithTimeout(j.s.ctx, 10*time.Second)
	defer cancel()
	_, err = j.s.client.EnqueueContext(ctx, task)
	switch {
	case err == nil:
		j.s.log.Debug("poll enqueued", "manager", models.ManagerName(j.ns, j.id), "tick", tick.UTC().Format(time.RFC3339))
	case errors.Is(err, asynq.ErrDuplicateTask), errors.Is(err, asynq.ErrTaskIDConflict):
		// Another process enqueued this tick already.
	default:
		j.s.log.Warn("scheduler: enqueue poll failed", "manager", models.ManagerName(j.ns, j.id), "error", err)
	}
}
