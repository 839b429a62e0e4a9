package fetch

import (
	"log/slog"
	"time"

	"github.com/earshothq/earshot/sources"
)

// Options are what a source is built with, the same for every platform:
// its logger, where rate-limit blocks are shared, its clock and whether
// user-given URLs may name private addresses. Each source package exposes
// them as its own Option and With… functions.
type Options struct {
	Log          *slog.Logger
	Rate         sources.RateState
	Now          func() time.Time
	AllowPrivate bool
}

// Option sets one of the Options.
type Option func(*Options)

// WithLogger sets the logger (default: slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(o *Options) {
		if l != nil {
			o.Log = l
		}
	}
}

// WithRateState sets where rate-limit blocks are shared (default: this
// process only).
func WithRateState(r sources.RateState) Option {
	return func(o *Options) {
		if r != nil {
			o.Rate = r
		}
	}
}

// WithClock sets the clock (default: time.Now); for tests.
func WithClock(now func() time.Time) Option {
	return func(o *Options) {
		if now != nil {
			o.Now = now
		}
	}
}

// WithPrivateTargets lets user-given URLs on loopback and private addresses
// be read (sources.allow_private_targets; local development and tests).
func WithPrivateTargets(allow bool) Option { return func(o *Options) { o.AllowPrivate = allow } }

// Apply returns the options with their defaults filled.
func Apply(opts []Option) Options {
	o := Options{Log: slog.Default(), Rate: &sources.MemoryRateState{}, Now: time.Now}
	for _, f := range opts {
		f(&o)
	}
	return o
}
