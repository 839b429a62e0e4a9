package retryafter

import (
	"net/http"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 6, 13, 12, 0, 0, 0, time.UTC)
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		name string
		in   string
		want time.Duration
		ok   bool
	}{
		{"seconds", "120", 2 * time.Minute, true},
		{"padded", " 7 ", 7 * time.Second, true},
		{"fraction as Reddit writes it", "59.0", 59 * time.Second, true},
		{"half a second", "0.5", 500 * time.Millisecond, true},
		{"HTTP-date", date(90 * time.Second), 90 * time.Second, true},
		{"RFC 850 date", now.Add(time.Hour).Format(time.RFC850), time.Hour, true},
		{"seconds capped", "3600000", Max, true},
		{"huge seconds capped", "99999999999999999999999999", Max, true},
		{"date capped", date(72 * time.Hour), Max, true},
		{"empty", "", 0, false},
		{"zero", "0", 0, false},
		{"zero fraction", "0.0", 0, false},
		{"negative", "-5", 0, false},
		{"plus sign", "+5", 0, false},
		{"NaN", "NaN", 0, false},
		{"infinity", "Inf", 0, false},
		{"exponent", "1e3", 0, false},
		{"hexadecimal", "0x10", 0, false},
		{"trailing dot", "5.", 0, false},
		{"leading dot", ".5", 0, false},
		{"underscore", "1_000", 0, false},
		{"past date", date(-time.Minute), 0, false},
		{"date now", date(0), 0, false},
		{"garbage", "soon", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Parse(tt.in, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Parse(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSecondsRefusesDates(t *testing.T) {
	if d, ok := Seconds(time.Now().Add(time.Hour).Format(http.TimeFormat)); ok {
		t.Errorf("Seconds accepted an HTTP-date as %s", d)
	}
}
