package metrics

import (
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

// QueueCollector reports the depth of asynq queues, read through the asynq
// Inspector at each scrape.
type QueueCollector struct {
	inspector *asynq.Inspector
	queues    []string
	tasks     *prometheus.Desc
	latency   *prometheus.Desc
}

// NewQueueCollector returns a collector of the given queues' depth.
func NewQueueCollector(inspector *asynq.Inspector, queues ...string) *QueueCollector {
	return &QueueCollector{
		inspector: inspector,
		queues:    queues,
		tasks: prometheus.NewDesc("earshot_queue_tasks",
			"Tasks in an asynq queue, by queue and state (pending, active, scheduled, retry, archived).",
			[]string{"queue", "state"}, nil),
		latency: prometheus.NewDesc("earshot_queue_latency_seconds",
			"Age of the oldest pending task of an asynq queue.",
			[]string{"queue"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.tasks
	ch <- c.latency
}

// Collect implements prometheus.Collector.
func (c *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	for _, q := range c.queues {
		info, err := c.inspector.GetQueueInfo(q)
		if err != nil {
			// A queue that never had a task does not exist yet: it is empty.
			info = &asynq.QueueInfo{Queue: q}
		}
		for _, s := range []struct {
			state string
			n     int
		}{{"pending", info.Pending}, {"active", info.Active}, {"scheduled", info.Scheduled}, {"retry", info.Retry}, {"archived", info.Archived}} {
			ch <- prometheus.MustNewConstMetric(c.tasks, prometheus.GaugeValue, float64(s.n), q, s.state)
		}
		ch <- prometheus.MustNewConstMetric(c.latency, prometheus.GaugeValue, info.Latency.Seconds(), q)
	}
}
