package pipeline

import (
	"context"
	"sync"

	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/models"
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
}

func (p *Poller) newHandOns(ctx context.Context) *handOns {
	return &handOns{p: p, ctx: ctx, sem: make(chan struct{}, handOnWidth)}
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
		}
		if !r.Matched {
			return
		}
		created, err := h.p.handOn(h.ctx, r.Manager, post, r.Match)
		if err != nil {
			h.fail(err)
			return
		}
		if created {
			h.mu.Lock()
			h.created++
			h.mu.Unlock()
		}
	}()
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
