package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

func TestSourcesMeasure(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := NewSources(reg)
	results := []struct {
		posts int
		err   error
	}{
		{posts: 3},
		{posts: 0},
		{err: &sources.RateLimitError{Source: "twitter", Until: time.Now().Add(time.Minute)}},
		{err: errors.New("twitter: GET /2/tweets/search/recent: server error: 503")},
	}
	i := 0
	src := s.Measure("TWITTER", sources.Func(func(context.Context, *models.Manager, json.RawMessage) (sources.Result, error) {
		r := results[i]
		i++
		return sources.Result{Posts: make([]models.Post, r.posts)}, r.err
	}))
	for range results {
		_, _ = src.Poll(context.Background(), &models.Manager{}, nil)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if l := m.GetLabel(); len(l) == 1 && l[0].GetName() == "source" && l[0].GetValue() == "twitter" {
				got[f.GetName()] = m.GetCounter().GetValue()
			}
		}
	}
	want := map[string]float64{
		"earshot_source_polls_total":            4,
		"earshot_source_posts_fetched_total":    3,
		"earshot_source_rate_limit_waits_total": 1,
		"earshot_source_polls_failed_total":     1,
	}
	for name, v := range want {
		if got[name] != v {
			t.Errorf("%s = %v, want %v", name, got[name], v)
		}
	}
	var none *Sources
	if none.Measure("REDDIT", src) == nil {
		t.Error("a nil Sources must return the source unmeasured")
	}
}

type quotaSource struct {
	sources.Func
	left float64
}

func (q quotaSource) QuotaRemaining() (float64, bool) { return q.left, true }

func TestSourcesQuotaGauge(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := NewSources(reg)
	s.Measure("YOUTUBE", quotaSource{left: 7300})
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "earshot_source_quota_remaining" {
			m := f.GetMetric()[0]
			if m.GetGauge().GetValue() != 7300 || m.GetLabel()[0].GetValue() != "youtube" {
				t.Errorf("gauge %v", m)
			}
			return
		}
	}
	t.Error("no earshot_source_quota_remaining")
}
