package metrics

import "github.com/prometheus/client_golang/prometheus"

// Streams holds the collectors of the pipeline's reads, labelled by read
// (its id: "REDDIT/all@reddit:…", "manager/namespaces/…") and, for
// matches, by manager.
type Streams struct {
	// Reads counts reads made; ReadFailures those that failed (the cursor
	// stayed).
	Reads        *prometheus.CounterVec
	ReadFailures *prometheus.CounterVec
	// PostsRead counts the new posts reads returned.
	PostsRead *prometheus.CounterVec
	// Matches counts (post, manager) matches of a read; Scans the Scans
	// created (a post matched again is not).
	Matches *prometheus.CounterVec
	Scans   *prometheus.CounterVec
	// Lag is now minus the newest post's time at the last read that
	// returned posts.
	Lag *prometheus.GaugeVec
	// ManagerMatches counts matches by manager.
	ManagerMatches *prometheus.CounterVec
}

// NewStreams creates the read collectors and registers them with reg.
func NewStreams(reg prometheus.Registerer) *Streams {
	s := &Streams{
		Reads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_stream_reads_total", Help: "Reads of a source, by read.",
		}, []string{"stream"}),
		ReadFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_stream_read_failures_total", Help: "Reads that failed (cursor kept), by read.",
		}, []string{"stream"}),
		PostsRead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_stream_posts_read_total", Help: "New posts read, by read.",
		}, []string{"stream"}),
		Matches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_stream_matches_total", Help: "(post, manager) matches, by read.",
		}, []string{"stream"}),
		Scans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_stream_scans_created_total", Help: "Scans created, by read.",
		}, []string{"stream"}),
		Lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "earshot_stream_lag_seconds", Help: "Now minus the newest post's time at the last read that returned posts, by read.",
		}, []string{"stream"}),
		ManagerMatches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_manager_matches_total", Help: "Posts matched, by manager.",
		}, []string{"manager"}),
	}
	reg.MustRegister(s.Reads, s.ReadFailures, s.PostsRead, s.Matches, s.Scans, s.Lag, s.ManagerMatches)
	return s
}
