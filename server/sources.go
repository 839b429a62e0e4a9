package server

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/metrics"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/facebook"
	"github.com/earshothq/earshot/sources/hackernews"
	"github.com/earshothq/earshot/sources/reddit"
	"github.com/earshothq/earshot/sources/twitter"
)

// NewSources returns a Source for every source type, configured from cfg
// (each section's WithDefaults applied), sharing rate-limit blocks through
// rate (the store, so that every process sees them) and counted in m (nil:
// not measured). `earshot poll` builds the same set with a RateState of its
// own.
func NewSources(cfg config.SourcesConfig, rate sources.RateState, log *slog.Logger, m *metrics.Sources) sources.Registry {
	if log == nil {
		log = slog.Default()
	}
	r := sources.Registry{
		models.SourceReddit: reddit.New(cfg.Reddit.WithDefaults(),
			reddit.WithLogger(log), reddit.WithRateState(rate)),
		models.SourceTwitter: twitter.New(cfg.Twitter.WithDefaults(),
			twitter.WithLogger(log), twitter.WithRateState(rate)),
		models.SourceFacebook: facebook.New(cfg.Facebook.WithDefaults(),
			facebook.WithLogger(log), facebook.WithRateState(rate)),
		models.SourceHackerNews: hackernews.New(cfg.HackerNews.WithDefaults(),
			hackernews.WithLogger(log), hackernews.WithRateState(rate)),
	}
	for typ, src := range r {
		r[typ] = m.Measure(typ, src)
	}
	// INGEST managers are pushed to (POST …/posts:ingest); a scheduled poll
	// of one reads nothing and leaves its cursor alone.
	r[models.SourceIngest] = sources.Func(func(context.Context, *models.Manager, json.RawMessage) (sources.Result, error) {
		return sources.Result{}, nil
	})
	return r
}
