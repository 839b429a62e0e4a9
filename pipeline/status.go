package pipeline

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// statusEvery is how often every manager's status of a read that comes
// back many times a second (an ingest, a firehose) is written: each write
// touches every one of its managers, thousands of them.
const statusEvery = 10 * time.Second

// statusBuffers hold, per read, the posts read that are not yet counted
// in its managers' status.
type statusBuffers struct {
	mu   sync.Mutex
	byID map[string]*statusBuffer
	last map[string]time.Time // when each read's status was last written whole
}

type statusBuffer struct {
	log     *slog.Logger
	read    *Read
	start   time.Time
	posts   int            // posts read since start
	written map[string]int // by manager name: of posts, those already counted
}

// recordSoon records a successful read in its managers' status. A read
// alone, or one made at most every statusEvery (a poll on a schedule), is
// written whole at once. For one made more often, the managers that
// matched or began a spike are written at once (with the posts read since
// they were last written); the others' posts read and last success wait
// for the next whole write, at most statusEvery later (FlushStatus writes
// what is due when no read comes).
func (p *Poller) recordSoon(ctx context.Context, log *slog.Logger, r *Read, start time.Time, st Stats, per map[*models.Manager]*store.PollOutcome) {
	now := p.now()
	p.status.mu.Lock()
	if p.status.byID == nil {
		p.status.byID, p.status.last = map[string]*statusBuffer{}, map[string]time.Time{}
	}
	b := p.status.byID[r.ID]
	if b == nil {
		b = &statusBuffer{start: start, written: map[string]int{}}
		p.status.byID[r.ID] = b
	}
	b.log, b.read = log, r
	b.posts += st.Fetched
	if !r.Shared || now.Sub(p.status.last[r.ID]) >= statusEvery || st.recovered {
		delete(p.status.byID, r.ID)
		p.status.last[r.ID] = now
		p.status.mu.Unlock()
		p.writeStatus(ctx, b, per, st.recovered)
		return
	}
	outs := make([]store.ManagerOutcome, 0, len(per))
	for m, o := range per {
		ns, id, err := models.ParseManagerName(m.Name)
		if err != nil {
			continue
		}
		posts := b.posts - b.written[m.Name]
		b.written[m.Name] = b.posts
		outs = append(outs, store.ManagerOutcome{Namespace: ns, Manager: id, PollOutcome: store.PollOutcome{
			Time: start, Posts: posts, Matches: o.Matches, SentimentSum: o.SentimentSum, Spikes: o.Spikes}})
	}
	p.status.mu.Unlock()
	if _, err := p.Store.RecordPolls(ctx, outs); err != nil {
		log.Warn("recording the poll's status failed", "error", err)
	}
}

// FlushStatus writes the status of the reads whose whole write is due
// (all of them when all is set).
func (p *Poller) FlushStatus(ctx context.Context, all bool) {
	p.status.mu.Lock()
	var due []*statusBuffer
	now := p.now()
	for id, b := range p.status.byID {
		if all || now.Sub(p.status.last[id]) >= statusEvery {
			due = append(due, b)
			delete(p.status.byID, id)
			p.status.last[id] = now
		}
	}
	for id, t := range p.status.last {
		if _, pending := p.status.byID[id]; !pending && now.Sub(t) > time.Hour {
			delete(p.status.last, id) // a read not made any more
		}
	}
	p.status.mu.Unlock()
	for _, b := range due {
		p.writeStatus(ctx, b, nil, false)
	}
}

// writeStatus writes every manager of b's read: the posts read since it
// was last written and, from per, its new matches and spikes.
func (p *Poller) writeStatus(ctx context.Context, b *statusBuffer, per map[*models.Manager]*store.PollOutcome, recovered bool) {
	outs := make([]store.ManagerOutcome, 0, len(b.read.Managers))
	for _, m := range b.read.Managers {
		ns, id, err := models.ParseManagerName(m.Name)
		if err != nil {
			continue
		}
		o := store.PollOutcome{Time: b.start, Posts: b.posts - b.written[m.Name]}
		if mo := per[m]; mo != nil {
			o.Matches, o.SentimentSum, o.Spikes = mo.Matches, mo.SentimentSum, mo.Spikes
		}
		outs = append(outs, store.ManagerOutcome{Namespace: ns, Manager: id, PollOutcome: o})
	}
	if _, err := p.Store.RecordPolls(ctx, outs); err != nil {
		b.log.Warn("recording the poll's status failed", "error", err)
	} else if recovered {
		b.log.Info("source recovered")
	}
}
