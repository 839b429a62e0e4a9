package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/matcher/lang"
	"github.com/earshothq/earshot/models"
)

// cmdMatch runs a manager's matcher over posts offline: how users tune a
// monitor before it goes live. No Redis is needed.
func cmdMatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("match", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "configuration file (YAML)")
	ref := fs.String("manager", "", "the manager to match with, as NS/ID (or namespaces/NS/managers/ID)")
	postsPath := fs.String("posts", "", "posts as JSON lines (the webhook's post shape); stdin when omitted")
	if _, err := parseArgs(fs, args, 0); err != nil {
		return err
	}
	cfg, err := loadConfig("match", *path)
	if err != nil {
		return configError(err, stderr)
	}
	mgr, err := findManager("match", cfg, *ref)
	if err != nil {
		return err
	}
	in := stdin
	if *postsPath != "" {
		f, err := os.Open(*postsPath)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	m := matcher.New(matcher.Options{Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), Lang: lang.New()})
	if err := matcher.RunMatch(ctx, m, mgr, in, stdout); err != nil {
		name := *postsPath
		if name == "" {
			name = "stdin"
		}
		return fmt.Errorf("match %s: %w", name, err)
	}
	return nil
}

// findManager finds "NS/ID" or "namespaces/NS/managers/ID" in the file.
func findManager(cmd string, cfg interface {
	Manager(ns, id string) (*models.Manager, bool)
}, ref string) (*models.Manager, error) {
	if ref == "" {
		return nil, usagef(cmd, "--manager NS/ID is required")
	}
	ns, id, err := models.ParseManagerName(ref)
	if err != nil {
		var ok bool
		ns, id, ok = cut2(ref)
		if !ok {
			return nil, usagef(cmd, "--manager %q: want NS/ID, e.g. acme/reddit-leads", ref)
		}
	}
	m, ok := cfg.Manager(ns, id)
	if !ok {
		return nil, fmt.Errorf("--manager %q: no manager %q in namespace %q of the configuration", ref, id, ns)
	}
	return m, nil
}

// cut2 splits "ns/id".
func cut2(s string) (ns, id string, ok bool) {
	ns, id, ok = strings.Cut(s, "/")
	return ns, id, ok && ns != "" && id != "" && !strings.Contains(id, "/")
}
