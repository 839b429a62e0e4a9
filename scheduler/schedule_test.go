package scheduler

import (
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	at := time.Date(2026, 6, 13, 12, 10, 37, 0, time.UTC)
	tests := []struct {
		spec    string
		next    time.Time
		wantErr bool
	}{
		{spec: "@every 1m", next: time.Date(2026, 6, 13, 12, 11, 0, 0, time.UTC)},
		{spec: "@every 15m", next: time.Date(2026, 6, 13, 12, 15, 0, 0, time.UTC)},
		{spec: "@every 10s", next: time.Date(2026, 6, 13, 12, 10, 40, 0, time.UTC)},
		{spec: "*/5 * * * *", next: time.Date(2026, 6, 13, 12, 15, 0, 0, time.UTC)},
		{spec: "@hourly", next: time.Date(2026, 6, 13, 13, 0, 0, 0, time.UTC)},
		{spec: "@every 100ms", wantErr: true},
		{spec: "@every soon", wantErr: true},
		{spec: "61 * * * *", wantErr: true},
		{spec: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			s, err := ParseSchedule(tc.spec)
			if tc.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(at); !got.Equal(tc.next) {
				t.Errorf("Next = %s, want %s", got, tc.next)
			}
		})
	}
}

// Two processes started at different times name the same ticks.
func TestEveryIsAlignedAcrossProcesses(t *testing.T) {
	s := Every(time.Minute)
	a := s.Next(time.Date(2026, 1, 1, 0, 0, 3, 0, time.UTC))
	b := s.Next(time.Date(2026, 1, 1, 0, 0, 41, 0, time.UTC))
	if !a.Equal(b) {
		t.Errorf("ticks differ: %s vs %s", a, b)
	}
}
