package notify

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshothq/earshot/models"
)

// Collector returns a Prometheus collector of the dead letters each
// connection holds now (earshot_delivery_dead_letters), read from the
// delivery records at each scrape.
func (s *Service) Collector() prometheus.Collector { return deadLetters{s} }

var deadLettersDesc = prometheus.NewDesc("earshot_delivery_dead_letters",
	"Dead letters (FAILED deliveries) a connection holds now, redrivable through the API.",
	[]string{"connection"}, nil)

type deadLetters struct{ s *Service }

func (d deadLetters) Describe(ch chan<- *prometheus.Desc) { ch <- deadLettersDesc }

func (d deadLetters) Collect(ch chan<- prometheus.Metric) {
	// Prometheus gives Collect no context; a scrape has its own timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	nss, err := d.s.store.ListNamespaces(ctx)
	if err != nil {
		return
	}
	for _, ns := range nss {
		conns, err := d.s.store.ListConnections(ctx, ns.ID)
		if err != nil {
			return
		}
		for _, c := range conns {
			n, err := d.s.store.CountDeliveries(ctx, ns.ID, c.ID, models.DeliveryFailed)
			if err != nil {
				return
			}
			ch <- prometheus.MustNewConstMetric(deadLettersDesc, prometheus.GaugeValue, float64(n), models.ConnectionName(ns.ID, c.ID))
		}
	}
}
