package pipeline

import (
	"context"
	"sync"

	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// handOnWidth is how many matches of one read are handed on at once: each
// hand-on is a few Redis round trips (the Scan, its delivery tasks), which
// run side by side and share round trips through the store's batcher, while
// matching goes on.
const handOnWidth = 32

// handOns hands on the matches of one read (or one ingested batch) in
// parallel; wait returns once every one is stored and enqueued, with the
// first error. Matching stays in order; only the Redis writes overlap.
type handOns struct {
	p   *Poller
	ctx context.Context
	sem chan struct{}
	wg  sync.WaitGroup

	mu      sync.Mutex
	err     error
	created int
	// duplicates and listed count the matched posts of a story the
	// manager had a Scan of (see Stats).
	duplicates, listed int
	sentiment          float64                                // of the new Scans
	per                map[*models.Manager]*store.PollOutcome // each manager's new Scans and spikes
	// serial holds one lock per manager: its hand-ons run one at a time,
	// in order, since a story told twice in one read is claimed by the
	// first post and listed in its Scan by the next.
	serial map[*models.Manager]*sync.Mutex
}

func (p *Poller) newHandOns(ctx context.Context) *handOns {
	return &handOns{p: p, ctx: ctx, sem: make(chan struct{}, handOnWidth), per: map[*models.Manager]*store.PollOutcome{}, serial: map[*models.Manager]*sync.Mutex{}}
}

// add hands on one manager's result for a post: its spike and its Scan.
// The hand-on gets a copy of the post (it fills the post's language).
func (h *handOns) add(post *models.Post, r matcher.ManagerResult) {
	h.mu.Lock()
	serial := h.serial[r.Manager]
	if serial == nil {
		serial = &sync.Mutex{}
		h.serial[r.Manager] = serial
	}
	h.mu.Unlock()
	own := *post
	h.sem <- struct{}{}
	h.wg.Add(1)
	serial.Lock() // taken here, in order; released by the hand-on
	go func() {
		defer func() { serial.Unlock(); <-h.sem; h.wg.Done() }()
		if h.failed() {
			return
		}
		if r.Spike != nil {
			if err := h.p.handOnSpike(h.ctx, r.Manager, r.Spike); err != nil {
				h.fail(err)
				return
			}
			h.mu.Lock()
			h.outcome(r.Manager).Spikes++
			h.mu.Unlock()
		}
		if !r.Matched {
			return
		}
		out, err := h.p.handOn(h.ctx, r.Manager, &own, r.Match)
		if err != nil {
			h.fail(err)
			return
		}
		created := out == handNew
		h.p.Metrics.Matched(r.Manager.Source.Type, created)
		h.mu.Lock()
		defer h.mu.Unlock()
		switch out {
		case handNew:
			h.created++
			h.sentiment += r.Match.Sentiment
			o := h.outcome(r.Manager)
			o.Matches++
			o.SentimentSum += r.Match.Sentiment
		case handDuplicate:
			h.duplicates++
			h.listed++
		case handDropped:
			h.duplicates++
		}
	}()
}

// outcome is m's entry of per; h.mu is held.
func (h *handOns) outcome(m *models.Manager) *store.PollOutcome {
	o := h.per[m]
	if o == nil {
		o = &store.PollOutcome{}
		h.per[m] = o
	}
	return o
}

func (h *handOns) failed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err != nil
}

func (h *handOns) fail(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err == nil {
		h.err = err
	}
}

// wait waits for every hand-on and returns the first error; the counts
// are then final.
func (h *handOns) wait() error {
	h.wg.Wait()
	return h.err
}
