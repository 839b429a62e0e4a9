package notify

import (
	"time"

	"github.com/earshothq/earshot/models"
)

// EventDigest is the type of a digest event: the matches of one period
// of a notice, sent as one message.
const EventDigest = "DIGEST"

// Digest is the body of a DIGEST event.
type Digest struct {
	Manager string          `json:"manager"`
	Every   models.Duration `json:"every"`
	Start   time.Time       `json:"start"`
	End     time.Time       `json:"end"`
	// Total is the number of matches of the period; Scans holds the
	// newest of them (at most maxDigestScans), newest first.
	Total int         `json:"total"`
	Scans []EventView `json:"scans"`
}
