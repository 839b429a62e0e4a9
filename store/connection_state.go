package store

import (
	"slices"
	"time"

	"github.com/earshothq/earshot/models"
)

// SecretOverlap is how long a replaced signing secret keeps signing beside
// the new one, so receivers can switch secrets without rejecting anything.
const SecretOverlap = 24 * time.Hour

// carryConnectionState fills a connection's output-only fields from the
// stored version before it is written. Whoever writes a connection (the
// API, the configuration file, the notifier disabling it) only says what
// it wants; the history follows from the change:
//
//   - a secret that changes keeps signing for SecretOverlap;
//   - disabling stamps DisableTime; enabling clears it and the reason.
func carryConnectionState(c, prev *models.Connection, now time.Time) {
	var previous []models.PreviousSecret
	if prev != nil {
		for _, p := range prev.PreviousSecrets {
			if p.ExpireTime.After(now) {
				previous = append(previous, p)
			}
		}
		if prev.Secret != "" && prev.Secret != c.Secret {
			previous = append(previous, models.PreviousSecret{Secret: prev.Secret, ExpireTime: now.Add(SecretOverlap).UTC()})
		}
	}
	// Going back to a previous secret makes it current, not previous.
	previous = slices.DeleteFunc(previous, func(p models.PreviousSecret) bool { return p.Secret == c.Secret })
	c.PreviousSecrets = previous

	switch {
	case !c.Disabled:
		c.DisableTime, c.DisabledReason = nil, ""
	case prev != nil && prev.Disabled && prev.DisableTime != nil:
		c.DisableTime = prev.DisableTime
		if c.DisabledReason == "" {
			c.DisabledReason = prev.DisabledReason
		}
	default:
		t := now.UTC()
		c.DisableTime = &t
	}
}
