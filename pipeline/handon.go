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

	mu        sync.Mutex
	err       error
	created   int
	sentiment float64                                // of the new Scans
	per       map[*models.Manager]*store.PollOutcome // each manager's new Scans and spikes
}

func (p *Poller) newHandOns(ctx context.Context) *handOns {
	return &handOns{p: p, ctx: ctx, sem: make(chan struct{}, handOnWidth), per: map[*models.Manager]*store.PollOutcome{}}
}

// add hands on one manager's result for a post: its spike and its Scan.
func (h *handOns) add(post *models.Post, r matcher.ManagerResult) {
	h.sem <- struct{}{}
	h.wg.Add(1)
	go func() {
		defer func() { <-h.sem; h.wg.Done() }()
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
		created, err := h.p.handOn(h.ctx, r.Manager, post, r.Match)
		if err != nil {
			h.fail(err)
			return
		}
		h.p.Metrics.Matched(r.Manager.Source.Type, created)
		if created {
			h.mu.Lock()
			h.created++
			h.sentiment += r.Match.Sentiment
			o := h.outcome(r.Manager)
			o.Matches++
			o.SentimentSum += r.Match.Sentiment
			h.mu.Unlock()
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

// wait waits for every hand-on and returns the Scans created and the first
// error.
func (h *handOns) wait() (int, error) {
	h.wg.Wait()
	return h.created, h.err
}
