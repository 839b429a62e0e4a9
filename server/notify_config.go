package server

import (
	"time"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/notify"
)

// deliveryConfig converts the `delivery:` section into notify's policy
// (notify does not import config, which pulls in every source and the
// matcher). Zero fields take notify's defaults.
func deliveryConfig(c config.DeliveryConfig) notify.Config {
	var schedule []time.Duration
	if c.RetrySchedule != nil {
		// An explicit empty list means no retries: keep it non-nil.
		schedule = make([]time.Duration, len(c.RetrySchedule))
		for i, d := range c.RetrySchedule {
			schedule[i] = d.D()
		}
	}
	return notify.Config{
		Timeout:             c.Timeout.D(),
		RetrySchedule:       schedule,
		MaxRetryAfter:       c.MaxRetryAfter.D(),
		RateLimit:           c.RateLimit,
		Concurrency:         c.ConnectionConcurrency,
		Retention:           c.Retention.D(),
		DisableAfter:        c.DisableAfter.D(),
		AllowPrivateTargets: c.AllowPrivateTargets,
		RequireHTTPS:        c.RequireHTTPS,
	}
}
