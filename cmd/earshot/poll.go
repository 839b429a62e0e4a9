package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/redisconn"
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

	var cursor json.RawMessage
	if *stored {
		if cursor, err = storedCursor(ctx, cfg.Redis, mgr); err != nil {
			return err
		}
	}
	if catalog.Pushed(mgr) {
		return fmt.Errorf("manager %s has a %s source: its posts are pushed to POST /v1/namespaces/{ns}/posts:ingest; there is nothing to poll", mgr.Name, mgr.Source.Type)
	}
	registry := server.NewSources(cfg.Sources, &sources.MemoryRateState{}, log, nil)
	src, err := registry.For(mgr)
	if err != nil {
		return err
	}
	if d, ok := src.(sources.Describer); ok {
		// What the source will ask for (X's query built from the
		// keywords, say) is the usual suspect when it finds nothing.
		if what := d.Describe(mgr); what != "" {
			fmt.Fprintln(stderr, what)
		}
	}
	res, err := src.Poll(ctx, mgr, cursor)
	if err != nil {
		var rl *sources.RateLimitError
		if errors.As(err, &rl) {
			return fmt.Errorf("poll %s: %s rate limited until %s; try again then", mgr.Name, rl.Source, rl.Until.Local().Format(time.DateTime))
		}
		return fmt.Errorf("poll %s: %w", mgr.Name, err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for i := range res.Posts {
		if err := enc.Encode(&res.Posts[i]); err != nil {
			return err
		}
	}
	first := "first poll, reaching back " + mgr.Source.BackfillOrDefault().String()
	if cursor != nil {
		first = "from the stored cursor"
	}
	fmt.Fprintf(stderr, "%d posts from %s (%s); nothing matched, stored or delivered\n", len(res.Posts), mgr.Source.Type, first)
	return nil
}

// storedCursor reads a manager's cursor from the Redis a running Earshot
// uses; nil when none is stored yet.
func storedCursor(ctx context.Context, rc config.RedisConfig, mgr *models.Manager) (json.RawMessage, error) {
	if env := redisFromEnv(); env != nil {
		rc = *env
	}
	if rc.Empty() {
		return nil, fmt.Errorf("--stored-cursor needs the Redis of a running Earshot (REDIS_URL, redis.url, redis.cluster or redis.sentinel)")
	}
	target, err := redisconn.New(rc)
	if err != nil {
		return nil, err
	}
	rdb := target.NewClient()
	defer rdb.Close()
	ns, id, err := models.ParseManagerName(mgr.Name)
	if err != nil {
		return nil, err
	}
	c, err := store.New(rdb).Cursor(ctx, ns, id)
	if err != nil {
		return nil, fmt.Errorf("reading the stored cursor: %w", err)
	}
	return c, nil
}
