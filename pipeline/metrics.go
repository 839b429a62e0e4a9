package pipeline

import (
	"time"

	"github.com/earshothq/earshot/metrics"
	"github.com/earshothq/earshot/models"
)

// StreamMetrics counts what each read does; a nil one counts nothing.
type StreamMetrics struct {
	m   *metrics.Streams
	now func() time.Time
}

// NewStreamMetrics counts reads in m.
func NewStreamMetrics(m *metrics.Streams) *StreamMetrics {
	return &StreamMetrics{m: m, now: time.Now}
}

// label bounds a read's label: a query can be long.
func label(r *Read) string {
	if len(r.ID) > 120 {
		return r.ID[:120]
	}
	return r.ID
}

func (s *StreamMetrics) failed(r *Read) {
	if s == nil {
		return
	}
	s.m.Reads.WithLabelValues(label(r)).Inc()
	s.m.ReadFailures.WithLabelValues(label(r)).Inc()
}

func (s *StreamMetrics) read(r *Read, posts []models.Post, st Stats) {
	if s == nil {
		return
	}
	l := label(r)
	s.m.Reads.WithLabelValues(l).Inc()
	s.m.PostsRead.WithLabelValues(l).Add(float64(len(posts)))
	s.m.Matches.WithLabelValues(l).Add(float64(st.Matched))
	s.m.Scans.WithLabelValues(l).Add(float64(st.New))
	var newest time.Time
	for i := range posts {
		if t := posts[i].Time.Time; t.After(newest) {
			newest = t
		}
	}
	if !newest.IsZero() {
		s.m.Lag.WithLabelValues(l).Set(max(0, s.now().Sub(newest).Seconds()))
	}
}

func (s *StreamMetrics) matched(_ *Read, m *models.Manager) {
	if s == nil {
		return
	}
	s.m.ManagerMatches.WithLabelValues(m.Name).Inc()
}
