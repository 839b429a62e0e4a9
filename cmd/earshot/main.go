// Command earshot is Earshot's one binary: `earshot serve` runs the API,
// the scheduler and the workers; the other subcommands help operate it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/internal/buildinfo"
	"github.com/earshothq/earshot/store"
)

const usage = `earshot — self-hosted social listening with signed webhooks

Usage:
  earshot serve    --config FILE [--listen ADDR]   run the API, scheduler and workers
  earshot validate --config FILE                   check a configuration file
  earshot match    --config FILE --manager NS/ID [--posts FILE]
                                                   score posts (JSON lines) offline
  earshot eval     --config FILE --manager NS/ID --labelled FILE.jsonl
                                                   measure a manager on labelled posts: precision,
                                                   recall, F1, stage confusion, worst misses
  earshot poll     --config FILE --manager NS/ID [--stored-cursor]
                                                   poll the manager's source once and print
                                                   the posts read (JSON lines); delivers nothing
  earshot apikey   create --namespace NS | --admin  print a new API key (shown once);
                   list, revoke ID                  see earshot apikey for more
  earshot listen   [--port 9000] [--secret whsec_…] [--status 200]
                                                   a local webhook receiver: verifies signatures,
                                                   prints each event, answers the chosen status
  earshot healthcheck [--url http://127.0.0.1:8080/readyz]
                                                   exit 0 when a running earshot is ready
                                                   (Docker HEALTHCHECK, Kubernetes exec probes)
  earshot version

Environment:
  REDIS_URL   Redis to use (overrides redis.url); none: an embedded, in-memory Redis
              (redis-cluster://h:p,h:p and redis-sentinel://h:p?master=NAME also work)
  REDIS_CLUSTER_ADDRS  host:port,… of a Redis Cluster (overrides redis.cluster.addrs)
  EARSHOT_HEALTHCHECK_URL  what earshot healthcheck asks (default http://127.0.0.1:8080/readyz)
`

// version is set at build time (-ldflags "-X main.version=…"); without
// it, the version and VCS revision the Go toolchain recorded are shown.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	// go-redis's own log lines (Redis unreachable) go through slog in
	// every command; serve replaces this with its configured logger.
	redis.SetLogger(store.RedisLogger{Log: newLogger(stderr, "warn", "text").With("component", "redis")})
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], stderr)
	case "validate":
		err = cmdValidate(args[1:], stdout, stderr)
	case "match":
		err = cmdMatch(ctx, args[1:], stdin, stdout, stderr)
	case "eval":
		err = cmdEval(ctx, args[1:], stdout, stderr)
	case "poll":
		err = cmdPoll(ctx, args[1:], stdout, stderr)
	case "apikey":
		err = cmdAPIKey(ctx, args[1:], stdout, stderr)
	case "listen":
		err = cmdListen(ctx, args[1:], stdout, stderr)
	case "healthcheck":
		err = cmdHealthcheck(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "earshot", buildinfo.Get(version))
	case "help", "-h", "--help":
		if len(args) > 1 && args[0] == "help" && args[1] != "help" && args[1] != "version" {
			// help CMD: the command's own usage.
			return run(ctx, []string{args[1], "--help"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "earshot: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	var ex exitError
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ex):
		return int(ex)
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "earshot %s: %s (see earshot help %s)\n", ue.cmd, ue.msg, args[0])
		return exitUsage
	default:
		fmt.Fprintln(stderr, "earshot:", err)
		return exitFailure
	}
}

// exitError ends the command with a code, its message already printed.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit %d", int(e)) }

func newLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lv = slog.LevelDebug
	case "warn", "warning":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if strings.ToLower(format) == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
