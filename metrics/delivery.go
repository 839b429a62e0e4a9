package metrics

import "github.com/prometheus/client_golang/prometheus"

// Delivery holds the webhook delivery collectors (package notify).
type Delivery struct {
	// Deliveries counts deliveries that reached an end, by connection and
	// outcome ("delivered", "failed").
	Deliveries *prometheus.CounterVec
	// Attempts counts HTTP attempts by connection and result: the status
	// class ("2xx", "3xx", "4xx", "5xx") or "timeout", "error", "refused"
	// (a target the SSRF guard or require_https refused).
	Attempts *prometheus.CounterVec
	// AttemptDuration is the latency of attempts that got an answer.
	AttemptDuration *prometheus.HistogramVec
	// Retries counts retries scheduled after a failed attempt.
	Retries *prometheus.CounterVec
	// Postponed counts attempts put off without using up a retry, by
	// reason: "rate_limit", "concurrency", "retry_after".
	Postponed *prometheus.CounterVec
	// PostponedAgain counts the postponements of deliveries that had been
	// postponed before, by reason: a backlog the limits hold back.
	PostponedAgain *prometheus.CounterVec
	// DeadLetters counts deliveries that became dead letters (FAILED).
	DeadLetters *prometheus.CounterVec
	// Redriven counts dead letters redriven, manual retries included.
	Redriven *prometheus.CounterVec
	// Disabled counts connections disabled by Earshot, by reason ("gone":
	// the receiver answered 410; "failing": failing for too long).
	Disabled *prometheus.CounterVec
}

// NewDelivery creates the delivery collectors and registers them with reg.
func NewDelivery(reg prometheus.Registerer) *Delivery {
	d := &Delivery{
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_deliveries_total",
			Help: "Webhook deliveries that reached an end, by connection and outcome (delivered, failed).",
		}, []string{"connection", "outcome"}),
		Attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_delivery_attempts_total",
			Help: "HTTP delivery attempts, by connection and result (2xx, 3xx, 4xx, 5xx, timeout, error, refused).",
		}, []string{"connection", "result"}),
		AttemptDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "earshot_delivery_attempt_duration_seconds",
			Help:    "Latency of delivery attempts, from request to the end of the answer's first KiB.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"connection"}),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_delivery_retries_total",
			Help: "Retries scheduled after a failed delivery attempt, by connection.",
		}, []string{"connection"}),
		Postponed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_delivery_postponed_total",
			Help: "Delivery attempts put off without using up a retry, by connection and reason (rate_limit, concurrency, retry_after).",
		}, []string{"connection", "reason"}),
		PostponedAgain: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_delivery_postponed_again_total",
			Help: "Postponements of deliveries already postponed by their connection's limits before, by connection and reason (rate_limit, concurrency).",
		}, []string{"connection", "reason"}),
		DeadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_delivery_dead_letters_total",
			Help: "Deliveries that became dead letters (FAILED), by connection.",
		}, []string{"connection"}),
		Redriven: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_delivery_redriven_total",
			Help: "Dead letters redriven (manual retries included), by connection.",
		}, []string{"connection"}),
		Disabled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_connections_disabled_total",
			Help: "Connections disabled by Earshot, by connection and reason (gone, failing).",
		}, []string{"connection", "reason"}),
	}
	reg.MustRegister(d.Deliveries, d.Attempts, d.AttemptDuration, d.Retries, d.Postponed, d.PostponedAgain, d.DeadLetters, d.Redriven, d.Disabled)
	return d
}
