package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/scheduler"
	"github.com/earshothq/earshot/server"
)

func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return nil, fmt.Errorf("--config FILE is required")
	}
	return config.Load(path, config.WithScheduleValidator(scheduler.ValidateSchedule))
}

func cmdServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "configuration file (YAML)")
	listen := fs.String("listen", "", "address to serve the API on (overrides listen)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError(1)
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	log := newLogger(stderr, cfg.Log.Level, cfg.Log.Format)
	srv, err := server.New(ctx, cfg, server.Options{Logger: log})
	if err != nil {
		return err
	}
	return srv.Run(ctx)
}

func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "configuration file (YAML)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := loadConfig(*path); err != nil {
		fmt.Fprintln(stdout, err)
		return exitError(1)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
