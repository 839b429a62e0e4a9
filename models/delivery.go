package models

import "time"

// Delivery states.
const (
	DeliveryPending   = "PENDING"   // waiting for its first attempt (or redriven)
	DeliveryRetrying  = "RETRYING"  // an attempt failed; another is scheduled
	DeliveryDelivered = "DELIVERED" // a 2xx arrived
	DeliveryFailed    = "FAILED"    // a dead letter: final answer, retries exhausted, or parked
)

// DeliveryStates lists the states in their lifecycle order.
var DeliveryStates = []string{DeliveryPending, DeliveryRetrying, DeliveryDelivered, DeliveryFailed}

// Delivery is one event's delivery to one connection, with its attempts.
// Its Name is namespaces/{ns}/connections/{c}/deliveries/{id}; its id is
// also the webhook-id header, the same on every attempt, retry and redrive.
type Delivery struct {
	Name       string `json:"name"`
	Event      string `json:"event"`     // the event's resource name (a scan, a spike, a connection)
	EventType  string `json:"eventType"` // SCAN, SPIKE, TEST
	Connection string `json:"connection"`
	WebhookID  string `json:"webhookId"`
	State      string `json:"state"`
	// Attempts are the most recent HTTP attempts, oldest first (at most
	// MaxKeptAttempts); AttemptCount counts them all.
	Attempts     []Attempt `json:"attempts"`
	AttemptCount int       `json:"attemptCount"`
	// LastError says why the delivery is RETRYING or FAILED.
	LastError       string     `json:"lastError,omitempty"`
	NextAttemptTime *time.Time `json:"nextAttemptTime,omitempty"`
	// RedriveCount counts the redrives and manual retries.
	RedriveCount int       `json:"redriveCount,omitempty"`
	CreateTime   time.Time `json:"createTime"`
	UpdateTime   time.Time `json:"updateTime"`
}

// MaxKeptAttempts bounds the attempts a delivery record keeps.
const MaxKeptAttempts = 100

// Attempt is one HTTP attempt of a delivery.
type Attempt struct {
	Time       time.Time `json:"time"`
	StatusCode int       `json:"statusCode,omitempty"`
	LatencyMS  int64     `json:"latencyMs"`
	Error      string    `json:"error,omitempty"`
	// ResponseBody is the first KiB of the receiver's answer.
	ResponseBody string `json:"responseBody,omitempty"`
}

// DeliveryName returns a delivery's resource name.
func DeliveryName(ns, conn, id string) string {
	return ConnectionName(ns, conn) + "/deliveries/" + id
}
