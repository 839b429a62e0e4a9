package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/pipeline"
	"github.com/earshothq/earshot/server"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/store"
)

// cmdPoll runs one poll of a manager's source and prints the posts it read
// as JSON lines (the webhook's post shape), to check credentials and
// queries before a monitor goes live. Nothing is matched, stored or
// delivered, and no server or Redis is needed: rate-limit state is kept in
// memory for the one poll. By default the poll is a manager's first (it
// reaches back the manager's backfill); --stored-cursor continues from the
// cursor a running Earshot stored instead, read from the configured Redis
// and left unchanged.
func cmdPoll(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("poll", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "configuration file (YAML)")
	ref := fs.String("manager", "", "the manager whose source to poll, as NS/ID (or namespaces/NS/managers/ID)")
	stored := fs.Bool("stored-cursor", false, "continue from the cursor stored in Redis (REDIS_URL or redis.url) instead of a first poll")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	if _, err := parseArgs(fs, args, 0); err != nil {
		return err
	}
	cfg, err := loadConfig("poll", *path)
	if err != nil {
		return configError(err, stderr)
	}
	mgr, err := findManager("poll", cfg, *ref)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.Log.Level, cfg.Log.Format)
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	if catalog.Pushed(mgr) {
		return fmt.Errorf("manager %s has a %s source: its posts are pushed to POST /v1/namespaces/{ns}/posts:ingest; there is nothing to poll", mgr.Name, mgr.Source.Type)
	}
	registry := server.NewSources(cfg.Sources, &sources.MemoryRateState{}, log, nil)
	src, err := registry.For(mgr)
	if err != nil {
		return err
	}
	if d, ok := sources.As[sources.Describer](src); ok {
		// What the source will ask for (X's query built from the
		// keywords, say) is the usual suspect when it finds nothing.
		if what := d.Describe(mgr); what != "" {
			fmt.Fprintln(stderr, what)
		}
	}
	// The manager's reads: its own, or those of the streams it shares
	// with the managers of a running Earshot (--stored-cursor) or, alone,
	// as its first poll would make them.
	var st *store.Store
	managers := []*models.Manager{mgr}
	if *stored {
		var closeStore func()
		if redisFromEnv() == nil && cfg.Redis.Empty() {
			return fmt.Errorf("--stored-cursor needs the Redis of a running Earshot (REDIS_URL, redis.url, redis.cluster or redis.sentinel)")
		}
		if st, closeStore, err = openStore(ctx, *path); err != nil {
			return err
		}
		defer closeStore()
		if managers, err = st.AllManagers(ctx); err != nil {
			return fmt.Errorf("reading the managers: %w", err)
		}
		managers = slices.DeleteFunc(managers, func(m *models.Manager) bool { return m.Name == mgr.Name })
		managers = append(managers, mgr)
	}
	total := 0
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, r := range pipeline.Reads(registry, managers) {
		if !slices.ContainsFunc(r.Managers, func(m *models.Manager) bool { return m.Name == mgr.Name }) {
			continue
		}
		var cursor json.RawMessage
		if st != nil {
			if cursor, err = storedCursor(ctx, st, r); err != nil {
				return err
			}
		}
		if r.Shared {
			fmt.Fprintf(stderr, "reading %s, shared by %d manager(s)\n", r.ID, len(r.Managers))
		}
		res, err := src.Poll(ctx, r.Poll, cursor)
		if err != nil {
			var rl *sources.RateLimitError
			if errors.As(err, &rl) {
				return fmt.Errorf("poll %s: %s rate limited until %s; try again then", mgr.Name, rl.Source, rl.Until.Local().Format(time.DateTime))
			}
			return fmt.Errorf("poll %s: %w", mgr.Name, err)
		}
		for i := range res.Posts {
			if err := enc.Encode(&res.Posts[i]); err != nil {
				return err
			}
		}
		total += len(res.Posts)
	}
	first := "first poll, reaching back " + mgr.Source.BackfillOrDefault().String()
	if _, firehose := sources.As[sources.Streamer](src); firehose {
		first = "a few seconds of the stream, from now"
	}
	if *stored {
		first = "from the stored cursor"
	}
	fmt.Fprintf(stderr, "%d posts from %s (%s); nothing matched, stored or delivered\n", total, mgr.Source.Type, first)
	return nil
}

// storedCursor reads a read's cursor from the Redis a running Earshot
// uses: a manager's own, or its stream's; nil when none is stored yet.
func storedCursor(ctx context.Context, st *store.Store, r pipeline.Read) (json.RawMessage, error) {
	var c json.RawMessage
	var err error
	if r.Shared {
		c, err = st.StreamCursor(ctx, r.ID)
	} else {
		var ns, id string
		if ns, id, err = models.ParseManagerName(r.Managers[0].Name); err != nil {
			return nil, err
		}
		c, err = st.Cursor(ctx, ns, id)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the stored cursor: %w", err)
	}
	return c, nil
}
