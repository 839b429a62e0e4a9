package metrics

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Pipeline holds the collectors of matching (package pipeline), labelled
// by source type in lower case ("reddit", "ingest", …).
type Pipeline struct {
	// PostsIngested counts posts pushed to posts:ingest; it is
	// earshot_source_posts_fetched_total{source="ingest"}, beside the
	// polled sources' posts.
	PostsIngested prometheus.Counter
	// Matches counts (post, manager) pairs that matched.
	Matches *prometheus.CounterVec
	// ScansCreated counts Scans created (a post matched before is not
	// counted again).
	ScansCreated *prometheus.CounterVec
	// Duplicates counts matched posts that told a story the manager had a
	// Scan of: listed in it (outcome="listed") or, the Scan delivered
	// already, dropped (outcome="dropped").
	Duplicates *prometheus.CounterVec
}

// NewPipeline creates the matching collectors and registers them with reg;
// pushed posts are counted in src's posts-fetched counter.
func NewPipeline(reg prometheus.Registerer, src *Sources) *Pipeline {
	p := &Pipeline{
		PostsIngested: src.PostsFetched.WithLabelValues("ingest"),
		Matches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_matches_total",
			Help: "Posts that matched a manager, by source (one per post and manager).",
		}, []string{"source"}),
		ScansCreated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_scans_created_total",
			Help: "Scans created, by source (a post matched again is not counted).",
		}, []string{"source"}),
		Duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_duplicates_total",
			Help: "Matched posts telling a story their manager has a Scan of, by source and outcome (listed in that Scan's post.duplicates, or dropped once it was delivered).",
		}, []string{"source", "outcome"}),
	}
	reg.MustRegister(p.Matches, p.ScansCreated, p.Duplicates)
	return p
}

// Duplicate counts another sighting of a story from sourceType: listed in
// its Scan, or dropped. A nil Pipeline counts nothing.
func (p *Pipeline) Duplicate(sourceType string, listed bool) {
	if p == nil {
		return
	}
	outcome := "dropped"
	if listed {
		outcome = "listed"
	}
	p.Duplicates.WithLabelValues(strings.ToLower(sourceType), outcome).Inc()
}

// Matched counts one match of a post from sourceType, and its Scan when
// created. A nil Pipeline counts nothing.
func (p *Pipeline) Matched(sourceType string, created bool) {
	if p == nil {
		return
	}
	label := strings.ToLower(sourceType)
	p.Matches.WithLabelValues(label).Inc()
	if created {
		p.ScansCreated.WithLabelValues(label).Inc()
	}
}

// Ingested counts n pushed posts.
func (p *Pipeline) Ingested(n int) {
	if p != nil {
		p.PostsIngested.Add(float64(n))
	}
}

// Known makes the series of sourceType exist at zero, so that rate() and
// alerts see the first increase.
func (p *Pipeline) Known(sourceType string) {
	if p == nil {
		return
	}
	label := strings.ToLower(sourceType)
	p.Matches.WithLabelValues(label)
	p.ScansCreated.WithLabelValues(label)
}

// Known makes the series of a connection exist at zero, so that rate()
// and alerts see the first delivery, and a connection that never
// succeeds shows 0 delivered rather than nothing.
func (d *Delivery) Known(connection string) {
	if d == nil {
		return
	}
	for _, o := range []string{"delivered", "failed"} {
		d.Deliveries.WithLabelValues(connection, o)
	}
	for _, r := range []string{"2xx", "4xx", "5xx", "timeout", "error", "refused"} {
		d.Attempts.WithLabelValues(connection, r)
	}
	for _, r := range []string{"rate_limit", "concurrency", "retry_after"} {
		d.Postponed.WithLabelValues(connection, r)
	}
	d.Retries.WithLabelValues(connection)
	d.DeadLetters.WithLabelValues(connection)
	d.Redriven.WithLabelValues(connection)
}
