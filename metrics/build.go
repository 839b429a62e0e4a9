package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshothq/earshot/internal/buildinfo"
)

// RegisterBuildInfo registers earshot_build_info, a gauge of 1 whose
// labels say which build runs (version, revision, goversion), so a
// dashboard can tell replicas of different builds apart.
func RegisterBuildInfo(reg prometheus.Registerer, stamped string) {
	info := buildinfo.Get(stamped)
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "earshot_build_info",
		Help:        "A constant 1, labelled with the running build's version, VCS revision and Go version.",
		ConstLabels: prometheus.Labels{"version": info.Version, "revision": info.Revision, "goversion": info.GoVersion},
	})
	g.Set(1)
	reg.MustRegister(g)
}
