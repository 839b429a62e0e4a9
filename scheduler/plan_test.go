package scheduler

import (
	"io"
	"log/slog"
	"testing"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/pipeline"
)

// A shared read is polled as often as the most frequent of its managers
// asks, and every replica picks the same schedule.
func TestPlanPicksTheMostFrequentSchedule(t *testing.T) {
	s := &Scheduler{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	mgr := func(name, spec string) *models.Manager {
		return &models.Manager{Meta: models.Meta{Name: name}, Schedule: spec}
	}
	tests := []struct {
		name     string
		managers []*models.Manager
		want     string
	}{
		{"default", []*models.Manager{mgr("a", ""), mgr("b", "@hourly")}, "@every 1m"},
		{"fastest wins", []*models.Manager{mgr("a", "@every 5m"), mgr("b", "@every 30s"), mgr("c", "@hourly")}, "@every 30s"},
		{"a tie picks the first spec", []*models.Manager{mgr("a", "@every 1m"), mgr("b", "* * * * *")}, "* * * * *"},
		{"invalid schedules are left out", []*models.Manager{mgr("a", "soon"), mgr("b", "@every 2m")}, "@every 2m"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, ok := s.plan(pipeline.Read{ID: "X/k", Shared: true, Managers: tc.managers})
			if !ok || w.spec != tc.want {
				t.Errorf("plan = %q %v, want %q", w.spec, ok, tc.want)
			}
		})
	}
}
