package models

import "time"

// Event types: the value of the webhook envelope's `type`.
const (
	EventScan  = "SCAN"
	EventSpike = "SPIKE"
	EventTest  = "TEST"
)

// Match says why a post matched a manager.
type Match struct {
	Focus     string  `json:"focus"`
	Score     float64 `json:"score"`
	Sentiment float64 `json:"sentiment"`
	// Intent is the purchase-intent stage of a SALES match (IntentStages),
	// "" when there is none.
	Intent  string   `json:"intent"`
	Terms   []string `json:"terms"`
	Reasons []string `json:"reasons"`
}

// Scan is a post that matched a manager. Its Name is
// namespaces/{ns}/managers/{m}/scans/{id}.
type Scan struct {
	Name       string    `json:"name"`
	CreateTime time.Time `json:"createTime"`
	Post       Post      `json:"post"`
	Match      *Match    `json:"match,omitempty"`
}

// Event is the webhook envelope: the Advite SCAN payload, and the same
// envelope for SPIKE and TEST events.
type Event struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Post  *Post  `json:"post,omitempty"`
	Match *Match `json:"match,omitempty"`
	Spike any    `json:"spike,omitempty"`
	Data  any    `json:"data,omitempty"`
}

// ScanEvent returns the webhook payload of a scan.
func ScanEvent(s *Scan) Event {
	p := s.Post
	return Event{Type: EventScan, Name: s.Name, Post: &p, Match: s.Match}
}
