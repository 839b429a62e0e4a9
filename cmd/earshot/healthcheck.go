package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// defaultHealthURL is the readiness endpoint of an `earshot serve` on the
// default listen address, seen from inside its container or pod.
const defaultHealthURL = "http://127.0.0.1:8080/readyz"

// cmdHealthcheck asks a running Earshot whether it is ready and exits 0
// when it is, 1 when it is not. The distroless image has no shell and no
// curl, so Docker's HEALTHCHECK and Kubernetes exec probes run this.
func cmdHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := os.Getenv("EARSHOT_HEALTHCHECK_URL")
	if def == "" {
		def = defaultHealthURL
	}
	target := fs.String("url", def, "endpoint to ask (/readyz: Redis answers; /healthz: the process serves); default $EARSHOT_HEALTHCHECK_URL or "+defaultHealthURL)
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	quiet := fs.Bool("quiet", false, "print nothing when healthy")
	if _, err := parseArgs(fs, args, 0); err != nil {
		return err
	}
	u, err := url.Parse(*target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(stderr, "earshot healthcheck: --url %q: want an http:// or https:// URL\n", *target)
		return exitError(2)
	}
	if err := probe(ctx, u.String(), *timeout); err != nil {
		// The URL is the operator's own, but it may carry credentials.
		fmt.Fprintf(stderr, "earshot healthcheck: %s: %v\n", u.Redacted(), err)
		return exitError(1)
	}
	if !*quiet {
		fmt.Fprintf(stdout, "earshot healthcheck: %s: ready\n", u.Redacted())
	}
	return nil
}

// errNotReady is a probe answered with a status other than 2xx.
var errNotReady = errors.New("not ready")

// probe GETs target and succeeds on a 2xx answer. Redirects are not
// followed: a probe that lands somewhere else checks something else.
func probe(ctx context.Context, target string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("no answer within %s", timeout)
		}
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%w: %s %s", errNotReady, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}
