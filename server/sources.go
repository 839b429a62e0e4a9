package server

import (
	"log/slog"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/metrics"
	"github.com/earshothq/earshot/sources"
)

// NewSources returns a Source for every source kind of the catalog, each
// built from its section of cfg (defaults applied by config), sharing
// rate-limit blocks through rate (the store, so that every process sees
// them) and counted in m (nil: not measured). `earshot poll` builds the
// same set with a RateState of its own.
func NewSources(cfg config.SourcesConfig, rate sources.RateState, log *slog.Logger, m *metrics.Sources) sources.Registry {
	if log == nil {
		log = slog.Default()
	}
	r := sources.Registry{}
	for _, k := range catalog.Sources.All() {
		src := k.New(cfg.For(k), sources.Env{Log: log, Rate: rate, AllowPrivateTargets: cfg.AllowPrivateTargets()})
		if !k.Pushed {
			src = m.Measure(k.Type, src)
		}
		r[k.Type] = src
	}
	return r
}
