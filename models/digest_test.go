package models

import (
	"testing"
	"time"
)

func TestPeriodEnd(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := func(loc *time.Location, y int, mo time.Month, d, h, m int) time.Time {
		return time.Date(y, mo, d, h, m, 0, 0, loc)
	}
	cases := []struct {
		name string
		d    Digest
		t    time.Time
		want time.Time
	}{
		{"hourly on the hour", Digest{Every: Duration(time.Hour)}, at(time.UTC, 2026, 6, 13, 12, 10), at(time.UTC, 2026, 6, 13, 13, 0)},
		{"hourly at :30", Digest{Every: Duration(time.Hour), At: "00:30"}, at(time.UTC, 2026, 6, 13, 12, 10), at(time.UTC, 2026, 6, 13, 12, 30)},
		{"hourly, exactly at the end", Digest{Every: Duration(time.Hour)}, at(time.UTC, 2026, 6, 13, 13, 0), at(time.UTC, 2026, 6, 13, 14, 0)},
		{"daily before 09:00", Digest{Every: Duration(24 * time.Hour), At: "09:00", TimeZone: "Europe/Berlin"}, at(berlin, 2026, 6, 13, 8, 59), at(berlin, 2026, 6, 13, 9, 0)},
		{"daily after 09:00", Digest{Every: Duration(24 * time.Hour), At: "09:00", TimeZone: "Europe/Berlin"}, at(berlin, 2026, 6, 13, 9, 1), at(berlin, 2026, 6, 14, 9, 0)},
		// 2026-03-29 is the spring change in Berlin: 09:00 stays 09:00.
		{"daily across daylight saving", Digest{Every: Duration(24 * time.Hour), At: "09:00", TimeZone: "Europe/Berlin"}, at(berlin, 2026, 3, 28, 10, 0), at(berlin, 2026, 3, 29, 9, 0)},
		{"weekly on Monday", Digest{Every: Duration(168 * time.Hour), At: "08:00"}, at(time.UTC, 2026, 6, 13, 12, 0), at(time.UTC, 2026, 6, 15, 8, 0)},
		{"weekly, Monday after the hour", Digest{Every: Duration(168 * time.Hour), At: "08:00"}, at(time.UTC, 2026, 6, 15, 9, 0), at(time.UTC, 2026, 6, 22, 8, 0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.d.PeriodEnd(tc.t)
			if !got.Equal(tc.want) {
				t.Errorf("PeriodEnd(%s) = %s, want %s", tc.t, got, tc.want)
			}
			if s := tc.d.PeriodStart(got); !s.Before(tc.t) && !s.Equal(tc.t) {
				t.Errorf("PeriodStart %s is after %s", s, tc.t)
			}
		})
	}
}

func TestNoticeWants(t *testing.T) {
	half := 0.5
	for _, tc := range []struct {
		name   string
		n      Notice
		event  string
		score  float64
		want   bool
		intent string
	}{
		{"intents: a stage listed", Notice{Intents: []string{IntentDeciding, IntentPurchased}}, EventScan, 0.9, true, IntentDeciding},
		{"intents: another stage", Notice{Intents: []string{IntentDeciding}}, EventScan, 0.9, false, IntentSeeking},
		{"intents: a match without stage", Notice{Intents: []string{IntentDeciding}}, EventScan, 0.9, false, ""},
		{"intents leave spikes alone", Notice{Intents: []string{IntentDeciding}}, EventSpike, 0, true, ""},
		{"default takes scans", Notice{}, EventScan, 0.1, true, ""},
		{"default takes spikes", Notice{}, EventSpike, 0, true, ""},
		{"spikes only", Notice{Events: []string{EventSpike}}, EventScan, 0.9, false, ""},
		{"spikes only takes spikes", Notice{Events: []string{EventSpike}}, EventSpike, 0, true, ""},
		{"below minScore", Notice{MinScore: &half}, EventScan, 0.49, false, ""},
		{"at minScore", Notice{MinScore: &half}, EventScan, 0.5, true, ""},
		{"minScore leaves spikes alone", Notice{MinScore: &half}, EventSpike, 0, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m *Match
			if tc.event == EventScan {
				m = &Match{Score: tc.score, Intent: tc.intent}
			}
			if got := tc.n.Wants(tc.event, m); got != tc.want {
				t.Errorf("Wants = %v", got)
			}
		})
	}
}

func TestNoticeValidate(t *testing.T) {
	bad, ok := 1.5, 0.7
	for _, tc := range []struct {
		name  string
		n     Notice
		field string
	}{
		{"filters ok", Notice{Events: []string{EventScan}, MinScore: &ok}, ""},
		{"unknown event", Notice{Events: []string{"SCAN", "MATCH"}}, "notices[0].events[1]"},
		{"unknown intent", Notice{Intents: []string{"SEEKING", "BUYING"}}, "notices[0].intents[1]"},
		{"minScore over 1", Notice{MinScore: &bad}, "notices[0].minScore"},
		{"digest ok", Notice{Digest: &Digest{Every: Duration(24 * time.Hour), At: "09:00", TimeZone: "Europe/Berlin"}}, ""},
		{"digest every 2h", Notice{Digest: &Digest{Every: Duration(2 * time.Hour)}}, "notices[0].digest.every"},
		{"digest at 9am", Notice{Digest: &Digest{Every: Duration(24 * time.Hour), At: "9am"}}, "notices[0].digest.at"},
		{"digest at 24:00", Notice{Digest: &Digest{Every: Duration(24 * time.Hour), At: "24:00"}}, "notices[0].digest.at"},
		{"digest in Mars/Olympus", Notice{Digest: &Digest{Every: Duration(24 * time.Hour), TimeZone: "Mars/Olympus"}}, "notices[0].digest.timeZone"},
		{"digest of spikes only", Notice{Events: []string{EventSpike}, Digest: &Digest{Every: Duration(time.Hour)}}, "notices[0].digest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var errs fieldErrors
			tc.n.validate("notices[0]", &errs)
			if tc.field == "" && len(errs) > 0 || tc.field != "" && (len(errs) == 0 || errs[0].Field != tc.field) {
				t.Errorf("errors %v, want one for %q", errs, tc.field)
			}
		})
	}
}
