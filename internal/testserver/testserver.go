// Package testserver runs an Earshot server in a test: on a loopback port,
// with the intervals lowered so retries and schedule changes show within a
// test's patience, stopped when the test ends.
package testserver

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/server"
)

// Process is one running server.
type Process struct {
	Server *server.Server
	// URL is the API's base URL (http://127.0.0.1:port).
	URL string
	// MetricsURL is the base URL of the metrics listener.
	MetricsURL string
	// Stop shuts the server down gracefully and waits for it; it is safe
	// to call more than once, and runs at the end of the test anyway.
	Stop func()
}

// Logger logs to stderr at debug level under -v, and nowhere otherwise.
func Logger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Start runs a server for cfg until the test ends; opts may adjust its
// options further. It returns once /readyz answers.
func Start(t testing.TB, cfg *config.Config, opts ...func(*server.Options)) *Process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := server.Options{
		Logger:                   Logger(t),
		Listener:                 ln,
		MetricsListener:          mln,
		DelayedTaskCheckInterval: 200 * time.Millisecond,
		SchedulerReload:          200 * time.Millisecond,
		ShutdownTimeout:          3 * time.Second,
	}
	for _, f := range opts {
		f(&o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg, o)
	if err != nil {
		cancel()
		t.Fatalf("server: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("server run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Error("server did not stop within 20s")
			}
		})
	}
	t.Cleanup(stop)
	p := &Process{Server: srv, URL: "http://" + srv.Addr(), MetricsURL: "http://" + srv.MetricsAddr(), Stop: stop}
	resp, err := http.Get(p.URL + "/readyz")
	if err != nil {
		t.Fatalf("readyz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %s", resp.Status)
	}
	return p
}
