package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/earshothq/earshot/matcher"
)

// cmdEval measures a manager on the user's own labelled posts: precision,
// recall, F1, the stage confusion table and the worst misses. Offline; no
// Redis is needed.
func cmdEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "configuration file (YAML)")
	ref := fs.String("manager", "", "the manager to measure, as NS/ID (or namespaces/NS/managers/ID)")
	labelled := fs.String("labelled", "", "labelled posts as JSON lines: {\"post\": {…}, \"label\": true | false | \"SEEKING\" …}")
	if _, err := parseArgs(fs, args, 0); err != nil {
		return err
	}
	if *labelled == "" {
		return usagef("eval", "--labelled FILE is required")
	}
	cfg, err := loadConfig("eval", *path)
	if err != nil {
		return configError(err, stderr)
	}
	mgr, err := findManager("eval", cfg, *ref)
	if err != nil {
		return err
	}
	f, err := os.Open(*labelled)
	if err != nil {
		return err
	}
	defer f.Close()
	m := matcher.New(matcher.Options{Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	r, err := matcher.RunEval(ctx, m, mgr, f)
	if err != nil {
		return fmt.Errorf("eval %s: %w", *labelled, err)
	}
	return r.Write(stdout)
}
