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
func (p *Poller) Ingest(ctx context.Context, ns string, posts []models.Post) (st IngestStats, err error) {
	st = IngestStats{Posts: len(posts)}
	p.Metrics.Ingested(len(posts))
	snap, err := p.snapshot(ctx)
	if err != nil {
		return st, fmt.Errorf("pipeline: ingest: %w", err)
	}
	managers := snap.ingest[ns]
	st.Managers = len(managers)
	if len(managers) == 0 {
		return st, nil
	}
	start := p.now()
	ctx, span := p.startRead(ctx, SpanIngest, &Read{ID: "ingest/" + ns, Type: ingest.Type, Shared: true, Managers: managers})
	defer func() { endRead(span, Stats{Fetched: st.Posts, Matched: st.Matched, New: st.New}, err) }()
	// One index pass per post against all of the namespace's INGEST
	// managers, then the candidates' scorers.
	ix, err := p.Matcher.IndexOf("ingest:"+ns, managers)
	if err != nil {
		p.Logger.Warn("some managers cannot be matched", "namespace", ns, "error", err)
	}
	h := p.newHandOns(ctx)
	for i := range posts {
		post := &posts[i]
		results, err := p.Matcher.MatchIndex(ctx, ix, post, nil)
		if err != nil {
			_ = h.wait()
			return st, fmt.Errorf("pipeline: ingest: match %s: %w", post.ID, err)
		}
		for _, r := range results {
			if r.Matched {
				st.Matched++
			}
			h.add(post, r)
		}
	}
	err = h.wait()
	st.New = h.created
	if err != nil {
		return st, fmt.Errorf("pipeline: ingest: %w", err)
	}
	// Each manager's status and charts count the batch as a read.
	p.recordSoon(ctx, p.Logger.With("namespace", ns), &Read{ID: "ingest/" + ns, Shared: true, Managers: managers}, start, Stats{Fetched: len(posts)}, h.per)
	p.Logger.Debug("ingested", "namespace", ns, "posts", st.Posts, "managers", st.Managers, "matched", st.Matched, "new", st.New)
	return st, nil
}
