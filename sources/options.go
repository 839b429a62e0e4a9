package sources

import (
	"fmt"
	"log/slog"
	"time"
)

// Options are what a source is built with, the same for every platform:
// its logger, where rate-limit blocks are shared, its clock and whether
// user-given URLs may name private addresses. Every platform package's New
// takes ...Option: these With… functions, and the package's own (Own).
type Options struct {
	Log          *slog.Logger
	Rate         RateState
	Now          func() time.Time
	AllowPrivate bool

	// own holds the options a platform package defines for itself (see
	// Own), applied to its Source by ApplyOwn.
	own []any
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
func WithRateState(r RateState) Option {
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

// Own makes an option that one platform package adds to the shared ones
// (reddit.WithMaxPages): set changes that package's *T, its Source, when
// its New calls ApplyOwn.
func Own[T any](set func(*T)) Option {
	return func(o *Options) { o.own = append(o.own, set) }
}

// ApplyOptions returns the options with their defaults filled.
func ApplyOptions(opts []Option) Options {
	o := Options{Log: slog.Default(), Rate: &MemoryRateState{}, Now: time.Now}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// ApplyOwn applies the options made with Own[T] to t, in the order given.
// An option another package made for its own Source is a programming
// error (it would otherwise be dropped without a word), so it panics.
func ApplyOwn[T any](o Options, t *T) {
	for _, f := range o.own {
		set, ok := f.(func(*T))
		if !ok {
			panic(fmt.Sprintf("sources: an option for %T given to the constructor of %T", f, t))
		}
		set(t)
	}
}
