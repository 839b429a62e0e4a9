package pipeline

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// statusEvery is how often the managers' status of a read that comes back
// many times a second (an ingest, a firehose) is written: every write
// touches each of its managers, thousands of them.
const statusEvery = 10 * time.Second

// statusBuffers hold, per read, the counts not yet written to the managers'
// status.
type statusBuffers struct {
	mu   sync.Mutex
	byID map[string]*statusBuffer
	last map[string]time.Time // when each read's status was last written
}

type statusBuffer struct {
	log     *slog.Logger
	read    *Read
	start   time.Time
	posts   int
	spikes  int
	per     map[string]*store.PollOutcome // by manager name
	changed bool
}

// recordSoon adds a successful read's counts to its buffer and writes the
// buffer when it is statusEvery old. A read polled on a schedule (a
// minute apart) is written at once, as is any read alone; the counts of
// one more frequent are written at most every statusEvery, and FlushStatus
// writes what is left.
func (p *Poller) recordSoon(ctx context.Context, log *slog.Logger, r *Read, start time.Time, st Stats, per map[*models.Manager]*store.PollOutcome) {
	p.status.mu.Lock()
	if p.status.byID == nil {
		p.status.byID, p.status.last = map[string]*statusBuffer{}, map[string]time.Time{}
	}
	b := p.status.byID[r.ID]
	if b == nil {
		b = &statusBuffer{start: start, per: map[string]*store.PollOutcome{}}
		p.status.byID[r.ID] = b
	}
	b.log, b.read, b.posts, b.changed = log, r, b.posts+st.Fetched, true
	for m, o := range per {
		acc := b.per[m.Name]
		if acc == nil {
			acc = &store.PollOutcome{}
			b.per[m.Name] = acc
		}
		acc.Matches += o.Matches
		acc.SentimentSum += o.SentimentSum
		acc.Spikes += o.Spikes
	}
	now := p.now()
	due := !r.Shared || now.Sub(p.status.last[r.ID]) >= statusEvery || st.recovered
	if due {
		delete(p.status.byID, r.ID)
		p.status.last[r.ID] = now
	}
	p.status.mu.Unlock()
	if due {
		p.writeStatus(ctx, b, st.recovered)
	}
}

// FlushStatus writes the buffered status counts older than statusEvery
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
		p.writeStatus(ctx, b, false)
	}
}

func (p *Poller) writeStatus(ctx context.Context, b *statusBuffer, recovered bool) {
	byManager := make(map[*models.Manager]*store.PollOutcome, len(b.per))
	for _, m := range b.read.Managers {
		if o := b.per[m.Name]; o != nil {
			byManager[m] = o
		}
	}
	p.record(ctx, b.log, b.read, b.start, Stats{Fetched: b.posts, recovered: recovered}, byManager)
}
