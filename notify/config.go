package notify

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/earshothq/earshot/models"
)

// Config is the delivery policy of every connection (the `delivery:`
// section of the configuration file, converted by package server); a
// connection may override its schedule, timeout and limits. A zero field
// means its default.
type Config struct {
	// Timeout bounds one attempt (default 10 s).
	Timeout time.Duration
	// RetrySchedule is the delay before each retry (nil: 1m, 5m, 15m, 1h,
	// 6h; an empty, non-nil list: no retries). Each delay gets ±10 % jitter.
	RetrySchedule []time.Duration
	// MaxRetryAfter caps how long a receiver's Retry-After can put a
	// delivery off (default 1 h).
	MaxRetryAfter time.Duration
	// RateLimit is the most deliveries per minute to one connection, all
	// processes together (default 600).
	RateLimit int
	// Concurrency is the most deliveries in flight to one connection, all
	// processes together (default 10).
	Concurrency int
	// Retention is how long delivery records (dead letters included) are
	// kept after their last change (default 14 days).
	Retention time.Duration
	// DisableAfter disables a connection whose deliveries have failed
	// without a single success for this long (default 72 h).
	DisableAfter time.Duration
	// AllowPrivateTargets lets deliveries reach loopback, private,
	// link-local and metadata addresses (local development and tests).
	AllowPrivateTargets bool
	// RequireHTTPS refuses connections whose URL is not https.
	RequireHTTPS bool
	// UserAgent is sent with every delivery (default DefaultUserAgent).
	UserAgent string
}

// Defaults.
const (
	DefaultTimeout       = 10 * time.Second
	DefaultMaxRetryAfter = time.Hour
	DefaultRateLimit     = 600
	DefaultConcurrency   = 10
	DefaultRetention     = 14 * 24 * time.Hour
	DefaultDisableAfter  = 72 * time.Hour
)

// DefaultRetrySchedule is the delay before each retry.
var DefaultRetrySchedule = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 6 * time.Hour}

// withDefaults fills the zero fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.RetrySchedule == nil {
		c.RetrySchedule = DefaultRetrySchedule
	}
	if c.MaxRetryAfter == 0 {
		c.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if c.RateLimit == 0 {
		c.RateLimit = DefaultRateLimit
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Retention == 0 {
		c.Retention = DefaultRetention
	}
	if c.DisableAfter == 0 {
		c.DisableAfter = DefaultDisableAfter
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	switch {
	case c.Timeout < 0 || c.Timeout > models.MaxConnectionTimeout:
		return c, fmt.Errorf("notify: delivery.timeout must be between 0 and %s", models.MaxConnectionTimeout)
	case len(c.RetrySchedule) > models.MaxRetryScheduleLength:
		return c, fmt.Errorf("notify: delivery.retry_schedule must have at most %d entries", models.MaxRetryScheduleLength)
	case c.MaxRetryAfter < 0, c.Retention < 0, c.DisableAfter < 0:
		return c, fmt.Errorf("notify: delivery durations must not be negative")
	case c.RateLimit < 0, c.Concurrency < 0:
		return c, fmt.Errorf("notify: delivery.rate_limit and delivery.connection_concurrency must not be negative")
	}
	for _, d := range c.RetrySchedule {
		if d <= 0 {
			return c, fmt.Errorf("notify: delivery.retry_schedule entries must be greater than 0")
		}
	}
	return c, nil
}

// Policy is how one connection's deliveries are made: the global policy
// with the connection's overrides.
type Policy struct {
	Schedule    []time.Duration
	Timeout     time.Duration
	RateLimit   int // per minute
	Concurrency int
}

// PolicyFor returns the policy of a connection.
func (c Config) PolicyFor(conn *models.Connection) Policy {
	p := Policy{Schedule: c.RetrySchedule, Timeout: c.Timeout, RateLimit: c.RateLimit, Concurrency: c.Concurrency}
	if len(conn.RetrySchedule) > 0 {
		p.Schedule = make([]time.Duration, len(conn.RetrySchedule))
		for i, d := range conn.RetrySchedule {
			p.Schedule[i] = d.D()
		}
	}
	if conn.Timeout > 0 {
		p.Timeout = conn.Timeout.D()
	}
	if conn.RateLimit > 0 {
		p.RateLimit = conn.RateLimit
	}
	if conn.Concurrency > 0 {
		p.Concurrency = conn.Concurrency
	}
	return p
}

// PolicyOf is PolicyFor with the defaults of the connection's kind: the
// platform's own limit per target (Slack's, Discord's, Telegram's) is the
// rate limit of a connection that sets none, when delivery.rate_limit is
// higher. A connection's rateLimit wins over both.
func (c Config) PolicyOf(conn *models.Connection, kind *ChannelKind) Policy {
	p := c.PolicyFor(conn)
	if kind != nil && kind.RateLimit > 0 && conn.RateLimit == 0 && (p.RateLimit == 0 || kind.RateLimit < p.RateLimit) {
		p.RateLimit = kind.RateLimit
	}
	return p
}

// Retries is how many retries follow a first failed attempt.
func (p Policy) Retries() int { return len(p.Schedule) }

// RetryDelay returns the delay before retry n (0 for the first) with ±10 %
// jitter, so the retries of a burst that failed together do not all return
// at once.
func (p Policy) RetryDelay(n int) time.Duration {
	if len(p.Schedule) == 0 {
		return 0
	}
	return jitter(p.Schedule[min(max(n, 0), len(p.Schedule)-1)], 0.1)
}

func jitter(d time.Duration, frac float64) time.Duration {
	return time.Duration(float64(d) * (1 - frac + 2*frac*rand.Float64()))
}
