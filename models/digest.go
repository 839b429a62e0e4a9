package models

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // a digest's timeZone resolves without the system's zoneinfo (distroless images)
)

// Digest periods.
var DigestPeriods = []time.Duration{time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}

// NoticeEvents are the event types a notice may choose.
var NoticeEvents = []string{EventScan, EventSpike}

// Location returns the digest's time zone.
func (d *Digest) Location() (*time.Location, error) {
	if d.TimeZone == "" {
		return time.UTC, nil
	}
	return time.LoadLocation(d.TimeZone)
}

// clock returns the hour and minute of At.
func (d *Digest) clock() (h, m int, ok bool) {
	if d.At == "" {
		return 0, 0, true
	}
	hs, ms, found := strings.Cut(d.At, ":")
	if !found || len(hs) != 2 || len(ms) != 2 {
		return 0, 0, false
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

// PeriodEnd returns the end of the digest period t falls in: the first
// send time strictly after t. Daily and weekly periods follow the zone's
// calendar, so a digest "at 09:00" stays at 09:00 across daylight saving.
func (d *Digest) PeriodEnd(t time.Time) time.Time {
	loc, err := d.Location()
	if err != nil {
		loc = time.UTC
	}
	h, m, _ := d.clock()
	lt := t.In(loc)
	switch d.Every.D() {
	case time.Hour:
		end := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), m, 0, 0, loc)
		for !end.After(t) {
			end = end.Add(time.Hour)
		}
		return end
	case 7 * 24 * time.Hour:
		end := time.Date(lt.Year(), lt.Month(), lt.Day(), h, m, 0, 0, loc)
		end = end.AddDate(0, 0, (int(time.Monday)-int(end.Weekday())+7)%7)
		for !end.After(t) {
			end = end.AddDate(0, 0, 7)
		}
		return end
	default:
		end := time.Date(lt.Year(), lt.Month(), lt.Day(), h, m, 0, 0, loc)
		for !end.After(t) {
			end = end.AddDate(0, 0, 1)
		}
		return end
	}
}

// PeriodStart is the start of the period that ends at end.
func (d *Digest) PeriodStart(end time.Time) time.Time {
	loc, err := d.Location()
	if err != nil {
		loc = time.UTC
	}
	switch d.Every.D() {
	case time.Hour:
		return end.Add(-time.Hour)
	case 7 * 24 * time.Hour:
		return end.In(loc).AddDate(0, 0, -7)
	default:
		return end.In(loc).AddDate(0, 0, -1)
	}
}

// validateNotice checks a notice's filters and digest.
func (n *Notice) validate(path string, errs *fieldErrors) {
	for i, e := range n.Events {
		ok := false
		for _, v := range NoticeEvents {
			ok = ok || e == v
		}
		if !ok {
			errs.add(fmt.Sprintf("%s.events[%d]", path, i), "%s", mustBeOneOf(NoticeEvents...))
		}
	}
	for i, st := range n.Intents {
		if !contains(IntentStages, st) {
			errs.add(fmt.Sprintf("%s.intents[%d]", path, i), "%s", mustBeOneOf(IntentStages...))
		}
	}
	if n.MinScore != nil && (*n.MinScore < 0 || *n.MinScore > 1) {
		errs.add(path+".minScore", "must be from 0 to 1")
	}
	d := n.Digest
	if d == nil {
		return
	}
	ok := false
	for _, p := range DigestPeriods {
		ok = ok || d.Every.D() == p
	}
	if !ok {
		errs.add(path+".digest.every", "must be one of 1h, 24h, 168h")
	}
	if _, _, ok := d.clock(); !ok {
		errs.add(path+".digest.at", "must be a time of day as HH:MM (24-hour clock)")
	}
	if _, err := d.Location(); err != nil || strings.EqualFold(d.TimeZone, "local") {
		errs.add(path+".digest.timeZone", "must be an IANA time zone such as Europe/Berlin (default UTC)")
	}
	if len(n.Events) > 0 && !contains(n.Events, EventScan) {
		errs.add(path+".digest", "collects SCAN events, and events leaves SCAN out")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
