package pipeline

import (
	"context"
	"fmt"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources/ingest"
)

// IngestStats says what one pushed batch did.
type IngestStats struct {
	Posts    int // posts in the batch
	Managers int // enabled INGEST managers of the namespace
	Matched  int // (post, manager) pairs that matched
	New      int // Scans created (not seen before)
}

// Ingest hands posts pushed to a namespace (POST …/posts:ingest) on like
// polled ones: every enabled manager of the namespace with an INGEST
// source matches each post, and each match is stored as a Scan and
// enqueued for delivery. The caller has validated the posts.
//
// A batch that fails part-way (Redis unavailable) may be sent again whole:
// a post a manager already has a Scan of keeps it, and its deliveries are
// enqueued under the same task ids, so nothing is delivered twice.
func (p *Poller) Ingest(ctx context.Context, ns string, posts []models.Post) (IngestStats, error) {
	st := IngestStats{Posts: len(posts)}
	p.Metrics.Ingested(len(posts))
	all, err := p.Store.ListManagers(ctx, ns)
	if err != nil {
		return st, fmt.Errorf("pipeline: ingest: %w", err)
	}
	for _, m := range all {
		if !m.Enable || m.Source.Type != ingest.Type {
			continue
		}
		if m.Name == "" {
			m.Name = models.ManagerName(ns, m.ID)
		}
		st.Managers++
		start := p.now()
		var mst Stats
		for i := range posts {
			post := &posts[i]
			r, err := p.Matcher.Evaluate(ctx, m, post)
			if err != nil {
				return st, fmt.Errorf("pipeline: ingest: match %s for %s: %w", post.ID, m.Name, err)
			}
			if r.Spike != nil {
				if err := p.handOnSpike(ctx, m, r.Spike); err != nil {
					return st, fmt.Errorf("pipeline: ingest: %w", err)
				}
				mst.Spikes++
			}
			if !r.Matched {
				continue
			}
			st.Matched++
			out, err := p.handOn(ctx, m, post, r.Match)
			if err != nil {
				return st, fmt.Errorf("pipeline: ingest: %w", err)
			}
			created := out == handNew
			p.Metrics.Matched(ingest.Type, created)
			if created {
				st.New++
				mst.New++
				mst.sentiment += r.Match.Sentiment
			}
		}
		mst.Fetched = len(posts)
		p.record(ctx, p.Logger.With("manager", m.Name), ns, m.ID, start, mst)
	}
	p.Logger.Debug("ingested", "namespace", ns, "posts", st.Posts, "managers", st.Managers, "matched", st.Matched, "new", st.New)
	return st, nil
}
