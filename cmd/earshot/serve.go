package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/scheduler"
	"github.com/earshothq/earshot/server"
)

// loadConfig loads the --config file of cmd; no --config is a usage
// error.
func loadConfig(cmd, path string) (*config.Config, error) {
	if path == "" {
		return nil, usagef(cmd, "--config FILE is required")
	}
	return config.Load(path, config.WithScheduleValidator(scheduler.ValidateSchedule))
}

func cmdServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "configuration file (YAML)")
	listen := fs.String("listen", "", "address to serve the API on (overrides listen)")
	if _, err := parseArgs(fs, args, 0); err != nil {
		return err
	}
	cfg, err := loadConfig("serve", *path)
	if err != nil {
		return configError(err, stderr)
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	log := newLogger(stderr, cfg.Log.Level, cfg.Log.Format)
	srv, err := server.New(ctx, cfg, server.Options{Logger: log, Version: version})
	if err != nil {
		return err
	}
	return srv.Run(ctx)
}

func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "configuration file (YAML)")
	if _, err := parseArgs(fs, args, 0); err != nil {
		return err
	}
	cfg, err := loadConfig("validate", *path)
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			return err
		}
		fmt.Fprintln(stdout, err)
		return exitError(exitFailure)
	}
	if cfg.DeclaresNothing() {
		fmt.Fprintln(stdout, "ok (but the file declares nothing: no namespaces, connections or managers; every setting has its default)")
		return nil
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

// configError reports a configuration file that does not load: a usage
// error as such, a bad file with its problems and exit 1.
func configError(err error, stderr io.Writer) error {
	var ue *usageError
	if errors.As(err, &ue) {
		return err
	}
	fmt.Fprintln(stderr, err)
	return exitError(exitFailure)
}
