package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/internal/testserver"
	"github.com/earshothq/earshot/store"
)

func TestHealthcheck(t *testing.T) {
	answer := func(code int, body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if code == http.StatusFound {
				http.Redirect(w, r, "/elsewhere", code)
				return
			}
			w.WriteHeader(code)
			w.Write([]byte(body))
		}))
		t.Cleanup(srv.Close)
		return srv.URL + "/readyz"
	}
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/readyz"
	ln.Close()

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"ready", []string{"--url", answer(200, `{"status":"ok"}`)}, 0, "ready"},
		{"ready and quiet", []string{"--quiet", "--url", answer(200, `{"status":"ok"}`)}, 0, ""},
		{"redis down", []string{"--url", answer(503, `{"status":"unavailable","error":"redis does not answer"}`)}, 1, "503 Service Unavailable"},
		{"redirect is not ready", []string{"--url", answer(http.StatusFound, "")}, 1, "302"},
		{"nothing listening", []string{"--url", closed}, 1, "connection refused"},
		{"no answer in time", []string{"--timeout", "200ms", "--url", slow.URL}, 1, "no answer within 200ms"},
		{"not a URL", []string{"--url", "127.0.0.1:8080"}, 2, "want an http:// or https:// URL"},
		{"credentials not printed", []string{"--url", "http://user:hunter2-secret@" + strings.TrimPrefix(closed, "http://")}, 1, "user:xxxxx@"},
		{"stray argument", []string{"now"}, 2, "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), append([]string{"healthcheck"}, tc.args...), nil, &out, &errb)
			all := out.String() + errb.String()
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d; output %q", code, tc.wantCode, all)
			}
			if !strings.Contains(all, tc.wantOut) || (tc.wantOut == "" && all != "") {
				t.Errorf("output %q, want it to contain %q", all, tc.wantOut)
			}
			if strings.Contains(all, "hunter2") {
				t.Errorf("output %q shows the URL's password", all)
			}
		})
	}
}

// TestHealthcheckFollowsRedis probes a real server: ready while its Redis
// answers, not ready once Redis is gone.
func TestHealthcheckFollowsRedis(t *testing.T) {
	redis, err := store.StartEmbedded(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer redis.Close()
	cfg, err := config.Parse("earshot.yaml", []byte("redis: {url: "+redis.URL()+"}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := testserver.Start(t, cfg)
	probe := func() (int, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"healthcheck", "--url", p.URL + "/readyz"}, nil, &out, &errb)
		return code, out.String() + errb.String()
	}
	if code, out := probe(); code != 0 {
		t.Fatalf("with Redis up: exit %d (%s), want 0", code, out)
	}
	redis.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, out := probe()
		if code == 1 && strings.Contains(out, "503") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("with Redis gone: exit %d (%s), want 1 and a 503", code, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestHealthcheckBinary runs the binary as the image's HEALTHCHECK does
// (no shell: the exit code is all there is): `earshot healthcheck` exits 0
// while `earshot serve` is up and 1 once it has stopped.
func TestHealthcheckBinary(t *testing.T) {
	bin := buildBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfgPath := filepath.Join(t.TempDir(), "earshot.yaml")
	if err := os.WriteFile(cfgPath, []byte("listen: "+strconv.Quote(addr)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := exec.Command(bin, "serve", "--config", cfgPath)
	srv.Env = append(os.Environ(), "REDIS_URL=") // the embedded Redis
	var logs bytes.Buffer
	srv.Stdout, srv.Stderr = &logs, &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Process.Kill(); _, _ = srv.Process.Wait() }()
	check := func() int {
		cmd := exec.Command(bin, "healthcheck", "--quiet")
		cmd.Env = append(os.Environ(), "EARSHOT_HEALTHCHECK_URL=http://"+addr+"/readyz")
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	deadline := time.Now().Add(30 * time.Second)
	for check() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("healthcheck never passed; server logs:\n%s", logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_, _ = srv.Process.Wait()
	if code := check(); code != 1 {
		t.Errorf("healthcheck with the server stopped: exit %d, want 1", code)
	}
}

// TestHealthcheckInDistrolessRoot runs the probe as the image does, where
// there is nothing but the binary: built as the Dockerfile builds it
// (CGO_ENABLED=0, -trimpath, stripped), alone in an empty root (no shell,
// no libc, no /etc), as distroless's nonroot user, with only the
// Dockerfile's variable set. (No Docker engine here to build the image
// itself; this is what its HEALTHCHECK depends on.) Changing root needs
// root: skipped otherwise.
func TestHealthcheckInDistrolessRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chroot needs root")
	}
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "usr", "local", "bin", "earshot")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	for dir := filepath.Dir(bin); dir != root; dir = filepath.Dir(dir) {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var ready atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" || !ready.Load() {
			http.Error(w, `{"status":"unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}))
	defer srv.Close()
	probe := func() (int, string) {
		cmd := exec.Command("/usr/local/bin/earshot", "healthcheck", "--quiet")
		cmd.Env = []string{"EARSHOT_HEALTHCHECK_URL=" + srv.URL + "/readyz"}
		cmd.Dir = "/"
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Credential: &syscall.Credential{Uid: 65532, Gid: 65532}}
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			return exit.ExitCode(), string(out)
		case err != nil:
			t.Fatalf("the binary does not run alone in an empty root: %v", err)
		}
		return 0, string(out)
	}
	if code, out := probe(); code != 1 || !strings.Contains(out, "503") {
		t.Errorf("not ready: exit %d (%q), want 1 naming the 503", code, out)
	}
	ready.Store(true)
	if code, out := probe(); code != 0 || out != "" {
		t.Errorf("ready: exit %d (%q), want 0 and nothing printed", code, out)
	}
}
