package models

import "time"

// Delivery states.
const (
	DeliveryPending   = "PENDING"
	DeliveryRetrying  = "RETRYING"
	DeliveryDelivered = "DELIVERED"
	DeliveryFailed    = "FAILED"
)

// Delivery is one event's delivery to one connection, with every attempt.
// Its Name is namespaces/{ns}/connections/{c}/deliveries/{id}; its id is
// also the webhook-id header, the same on every attempt, retry and redrive.
type Delivery struct {
	Name            string     `json:"name"`
	Event           string     `json:"event"`     // the scan's (or spike's) resource name
	EventType       string     `json:"eventType"` // SCAN, SPIKE
	Connection      string     `json:"connection"`
	WebhookID       string     `json:"webhookId"`
	State           string     `json:"state"`
	Attempts        []Attempt  `json:"attempts"`
	NextAttemptTime *time.Time `json:"nextAttemptTime,omitempty"`
	CreateTime      time.Time  `json:"createTime"`
	UpdateTime      time.Time  `json:"updateTime"`
}

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
