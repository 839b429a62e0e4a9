package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

// Sources holds the collectors of the platform adapters (package sources),
// labelled by source type in lower case ("reddit", "twitter", …).
type Sources struct {
	// Polls counts polls made.
	Polls *prometheus.CounterVec
	// PostsFetched counts the new posts polls returned.
	PostsFetched *prometheus.CounterVec
	// PollsFailed counts polls that ended in an error other than a rate
	// limit (network, 5xx, malformed answers, refused credentials).
	PollsFailed *prometheus.CounterVec
	// RateLimitWaits counts polls that found the platform's rate limit
	// used up (their own answer, or a block another process recorded).
	RateLimitWaits *prometheus.CounterVec
	reg            prometheus.Registerer
}

// NewSources creates the source collectors and registers them with reg.
func NewSources(reg prometheus.Registerer) *Sources {
	s := &Sources{
		Polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_source_polls_total",
			Help: "Polls of a platform, by source.",
		}, []string{"source"}),
		PostsFetched: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_source_posts_fetched_total",
			Help: "New posts read from a platform, by source.",
		}, []string{"source"}),
		PollsFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_source_polls_failed_total",
			Help: "Polls that failed (network, server errors, malformed answers, refused credentials), by source.",
		}, []string{"source"}),
		RateLimitWaits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_source_rate_limit_waits_total",
			Help: "Polls held back by a platform's rate limit, by source.",
		}, []string{"source"}),
	}
	reg.MustRegister(s.Polls, s.PostsFetched, s.PollsFailed, s.RateLimitWaits)
	s.reg = reg
	return s
}

// Measure returns src counted under its source type. A nil Sources
// measures nothing.
func (s *Sources) Measure(sourceType string, src sources.Source) sources.Source {
	if s == nil {
		return src
	}
	label := strings.ToLower(sourceType)
	// Zero series exist from the start, so rate() sees the first increase.
	s.Polls.WithLabelValues(label)
	s.PostsFetched.WithLabelValues(label)
	s.PollsFailed.WithLabelValues(label)
	s.RateLimitWaits.WithLabelValues(label)
	if q, ok := src.(sources.Quota); ok {
		// What is left of a platform's quota (YouTube's daily units), as
		// this process last saw it.
		s.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "earshot_source_quota_remaining",
			Help:        "What is left of the platform's quota (YouTube: units until the Pacific-midnight reset), for all processes, as last seen.",
			ConstLabels: prometheus.Labels{"source": label},
		}, func() float64 {
			v, _ := q.QuotaRemaining()
			return v
		}))
	}
	return measured{src: src, poll: func(ctx context.Context, m *models.Manager, cursor json.RawMessage) (sources.Result, error) {
		res, err := src.Poll(ctx, m, cursor)
		s.Polls.WithLabelValues(label).Inc()
		switch {
		case err != nil && ctx.Err() != nil:
			// Cut short by a shutdown or the poll timeout: counted by
			// neither.
		case errors.Is(err, sources.ErrRateLimited):
			s.RateLimitWaits.WithLabelValues(label).Inc()
		case err != nil:
			s.PollsFailed.WithLabelValues(label).Inc()
		default:
			s.PostsFetched.WithLabelValues(label).Add(float64(len(res.Posts)))
		}
		return res, err
	}}
}

// measured is a Source counted by Measure; what the source it wraps
// implements besides Poll (sources.Shared, …) is found through Unwrap.
type measured struct {
	src  sources.Source
	poll sources.Func
}

func (m measured) Poll(ctx context.Context, mg *models.Manager, cursor json.RawMessage) (sources.Result, error) {
	return m.poll(ctx, mg, cursor)
}

// Unwrap implements sources.Unwrapper.
func (m measured) Unwrap() sources.Source { return m.src }
