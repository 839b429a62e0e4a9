package models

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Event types: the value of the webhook envelope's `type`.
const (
	EventScan  = "SCAN"
	EventSpike = "SPIKE"
	EventTest  = "TEST"
)

// Match says why a post matched a manager.
type Match struct {
	Focus     string   `json:"focus"`
	Score     float64  `json:"score"`
	Sentiment float64  `json:"sentiment"`
	Terms     []string `json:"terms"`
	Reasons   []string `json:"reasons"`

	// Intent is the purchase-intent stage of a SALES match (IntentStages),
	// "" when there is none.
	Intent string `json:"intent"`
}

// Scan is a post that matched a manager. Its Name is
// namespaces/{ns}/managers/{m}/scans/{id}.
type Scan struct {
	Name       string    `json:"name"`
	CreateTime time.Time `json:"createTime"`
	Post       Post      `json:"post"`
	Match      *Match    `json:"match,omitempty"`
	// State and Tags are the triage of the team reading the scans; the
	// only fields a user writes. A scan stored without a state is NEW.
	State string   `json:"state"`
	Tags  []string `json:"tags"`
	// UpdateTime is when the triage last changed (zero: never).
	UpdateTime time.Time `json:"updateTime,omitzero"`
}

// Scan triage states.
const (
	ScanNew      = "NEW"
	ScanRead     = "READ"
	ScanArchived = "ARCHIVED"
)

// ScanStates lists the triage states, in documentation order.
var ScanStates = []string{ScanNew, ScanRead, ScanArchived}

// Limits on a scan's tags.
const (
	MaxScanTags   = 20
	MaxScanTagLen = 40
)

// Normalize gives a scan stored before triage existed its defaults.
func (s *Scan) Normalize() {
	if s.State == "" {
		s.State = ScanNew
	}
	if s.Tags == nil {
		s.Tags = []string{}
	}
}

// ValidateTriage checks the writable fields of a scan and tidies its tags
// (trimmed, deduplicated, in the order given).
func (s *Scan) ValidateTriage() []FieldError {
	var errs []FieldError
	if !slices.Contains(ScanStates, s.State) {
		errs = append(errs, FieldError{Field: "state", Description: "must be one of " + strings.Join(ScanStates, ", ")})
	}
	if len(s.Tags) > MaxScanTags {
		errs = append(errs, FieldError{Field: "tags", Description: fmt.Sprintf("has %d tags; at most %d are allowed", len(s.Tags), MaxScanTags)})
		return errs
	}
	tags := make([]string, 0, len(s.Tags))
	for i, t := range s.Tags {
		t = strings.TrimSpace(t)
		field := fmt.Sprintf("tags[%d]", i)
		switch {
		case t == "":
			errs = append(errs, FieldError{Field: field, Description: "must not be empty"})
		case utf8.RuneCountInString(t) > MaxScanTagLen:
			errs = append(errs, FieldError{Field: field, Description: fmt.Sprintf("is longer than %d characters", MaxScanTagLen)})
		case !utf8.ValidString(t) || strings.ContainsFunc(t, func(r rune) bool { return unicode.IsControl(r) || r == ',' || r == '"' }):
			errs = append(errs, FieldError{Field: field, Description: "must not contain control characters, commas or quotes"})
		case !slices.Contains(tags, t):
			tags = append(tags, t)
		}
	}
	s.Tags = tags
	return errs
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

// ScanEvent returns the webhook body of a scan (see ScanEventBody).
func ScanEvent(s *Scan) ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode scan: %w", err)
	}
	return ScanEventBody(b)
}

// ScanEventBody returns the webhook body of a scan from the scan's JSON,
// as stored or as the API lists or shows it: the Event envelope
// {"type":"SCAN","name":…,"post":…,"match":…}. It is the one place the
// body is built, so a scan's post and match are the same bytes whether
// delivered, listed or shown. They are copied as they stand rather than
// decoded and encoded again: this is on the path of every delivery. Other
// fields (createTime, the API's etag) are left out.
func ScanEventBody(scan []byte) ([]byte, error) {
	var s struct {
		Name  string          `json:"name"`
		Post  json.RawMessage `json:"post"`
		Match json.RawMessage `json:"match"`
	}
	if err := json.Unmarshal(scan, &s); err != nil {
		return nil, fmt.Errorf("scan is unreadable: %v", err)
	}
	name, _ := json.Marshal(s.Name)
	b := make([]byte, 0, len(scan)+32)
	b = append(b, `{"type":"`+EventScan+`","name":`...)
	b = append(b, name...)
	if len(s.Post) > 0 && string(s.Post) != "null" {
		b = append(b, `,"post":`...)
		b = append(b, s.Post...)
	}
	if len(s.Match) > 0 && string(s.Match) != "null" {
		b = append(b, `,"match":`...)
		b = append(b, s.Match...)
	}
	return append(b, '}'), nil
}
