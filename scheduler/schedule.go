package scheduler

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// MinInterval is the shortest @every schedule accepted: polling faster only
// burns the platforms' rate limits.
const MinInterval = time.Second

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a manager's schedule: a five-field cron spec, a
// descriptor (@hourly, @daily, …) or "@every <duration>".
//
// "@every" schedules are aligned to the wall clock (@every 1m ticks at
// :00 of each minute), unlike robfig/cron's own, which count from when
// each process started: aligned ticks are what lets every replica name the
// same tick the same way.
func ParseSchedule(spec string) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	if rest, ok := strings.CutPrefix(spec, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil {
			return nil, fmt.Errorf("invalid schedule %q: bad duration (want e.g. @every 1m)", spec)
		}
		if d < MinInterval {
			return nil, fmt.Errorf("invalid schedule %q: interval must be at least %s", spec, MinInterval)
		}
		return Every(d), nil
	}
	s, err := parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %v (want a cron spec such as \"*/5 * * * *\", or @every 1m)", spec, err)
	}
	return s, nil
}

// ValidateSchedule reports whether spec is a valid schedule.
func ValidateSchedule(spec string) error {
	_, err := ParseSchedule(spec)
	return err
}

// Every is a wall-clock-aligned interval schedule.
type Every time.Duration

// Next returns the next multiple of the interval after t.
func (e Every) Next(t time.Time) time.Time {
	d := time.Duration(e)
	return t.Truncate(d).Add(d)
}

// interval approximates how often a schedule ticks.
func interval(s cron.Schedule, from time.Time) time.Duration {
	a := s.Next(from)
	b := s.Next(a)
	if d := b.Sub(a); d > 0 {
		return d
	}
	return time.Minute
}
