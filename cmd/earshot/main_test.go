package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
)

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(`listen: ":8080"
namespaces:
  - id: acme
    connections:
      - id: crm
        type: HTTP_CONNECTION
        url: https://crm.example.com/hook
    managers:
      - id: leads
        type: FEED_MANAGER
        source: {type: REDDIT, subreddits: [marketing]}
        input:
          type: STRUCTURED
          keywords: [earshot]
          focus: {type: SALES}
        notices:
          - {type: HTTP_REQUEST, connection: namespaces/acme/connections/nope}
`), 0o600)
	empty := filepath.Join(dir, "empty.yaml")
	os.WriteFile(empty, nil, 0o600)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"example is valid", []string{"validate", "--config", "../../examples/earshot.yaml"}, 0, "ok\n"},
		{"bad file names line and field", []string{"validate", "--config", bad}, 1,
			bad + `:17: namespaces[0].managers[0].notices[0].connection: no connection "nope" in namespace "acme"`},
		{"missing file", []string{"validate", "--config", filepath.Join(dir, "absent.yaml")}, 1, "absent.yaml"},
		{"no --config", []string{"validate"}, 2, "--config"},
		{"empty file declares nothing", []string{"validate", "--config", empty}, 0, "ok (but the file declares nothing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, nil, &out, &errb)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d; out=%q err=%q", code, tc.wantCode, out.String(), errb.String())
			}
			if all := out.String() + errb.String(); !strings.Contains(all, tc.wantOut) {
				t.Errorf("output %q does not contain %q", all, tc.wantOut)
			}
		})
	}
}

// buildBinary compiles earshot once for the process tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "earshot")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// TestServeRestartDeliversAfterKill: Scans enqueued while the receiver is
// down survive a SIGKILL of the process and are delivered by the next one.
func TestServeRestartDeliversAfterKill(t *testing.T) {
	redisURL := testredis.Real(t)
	bin := buildBinary(t)

	reddit := fakes.NewReddit()
	defer reddit.Close()
	rcv := fakes.NewReceiver()
	defer rcv.Close()
	down := make([]int, 1000)
	for i := range down {
		down[i] = 503
	}
	rcv.Script(down...)
	now := time.Now().UTC()
	reddit.Add(
		fakes.RedditPost{ID: "k1", Subreddit: "marketing", Title: "Looking for a social listening tool", Selftext: "any recommendations?", Author: "a1", Created: now.Add(-5 * time.Minute)},
		fakes.RedditPost{ID: "k2", Subreddit: "marketing", Title: "Brand monitoring alternative to Mention?", Selftext: "", Author: "a2", Created: now.Add(-4 * time.Minute)},
	)
	cfgPath := filepath.Join(t.TempDir(), "earshot.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`
listen: "127.0.0.1:0"
metrics: {listen: "127.0.0.1:0"}
delivery:
  timeout: 2s
  retry_schedule: [1s, 1s, 2s, 2s, 5s, 5s, 10s, 10s, 20s]
  allow_private_targets: true
sources:
  reddit: {base_url: %s}
namespaces:
  - id: acme
    connections:
      - {id: crm, type: HTTP_CONNECTION, url: %s/hook}
    managers:
      - id: leads
        type: FEED_MANAGER
        schedule: "@every 1s"
        source: {type: REDDIT, subreddits: [marketing]}
        input: {type: STRUCTURED, keywords: [social listening, brand monitoring], focus: {type: SALES}}
        notices: [{type: HTTP_REQUEST, connection: namespaces/acme/connections/crm}]
`, reddit.URL, rcv.URL)), 0o600)

	startProc := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--config", cfgPath)
		cmd.Env = append(os.Environ(), "REDIS_URL="+redisURL)
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_, _ = cmd.Process.Wait()
			if t.Failed() {
				t.Logf("earshot logs:\n%s", logs.String())
			}
		})
		return cmd
	}

	first := startProc()
	// Both scans reach the (failing) receiver at least once.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && len(distinctPosts(rcv.Requests())) < 2 {
		time.Sleep(100 * time.Millisecond)
	}
	if n := len(distinctPosts(rcv.Requests())); n != 2 {
		t.Fatalf("before the kill the receiver saw %d posts, want 2", n)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = first.Process.Wait()

	rcv.Script() // the receiver is back
	startProc()
	// A task the killed process held is recovered when its lease lapses
	// (asynq: about a minute), so allow for that.
	deadline = time.Now().Add(150 * time.Second)
	for time.Now().Before(deadline) && len(distinctPosts(rcv.Delivered())) < 2 {
		time.Sleep(200 * time.Millisecond)
	}
	if got := distinctPosts(rcv.Delivered()); len(got) != 2 {
		t.Fatalf("after restart %d posts delivered (%v), want 2", len(got), got)
	}
}

func distinctPosts(reqs []fakes.Request) map[string]bool {
	out := map[string]bool{}
	for _, r := range reqs {
		var ev struct{ Post struct{ ID string } }
		if json.Unmarshal(r.Body, &ev) == nil && ev.Post.ID != "" {
			out[ev.Post.ID] = true
		}
	}
	return out
}

// TestServeSIGTERMFinishesInFlightDelivery: SIGTERM lets a delivery in
// flight finish before the process exits (with status 0).
func TestServeSIGTERMFinishesInFlightDelivery(t *testing.T) {
	bin := buildBinary(t)
	reddit := fakes.NewReddit()
	defer reddit.Close()
	reddit.Add(fakes.RedditPost{ID: "s1", Subreddit: "marketing", Title: "Looking for a social listening tool", Selftext: "recommendations?", Author: "a", Created: time.Now().Add(-time.Minute)})
	started := make(chan struct{}, 1)
	completed := make(chan struct{}, 1)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		time.Sleep(2 * time.Second)
		w.WriteHeader(200)
		completed <- struct{}{}
	}))
	defer rcv.Close()
	cfgPath := filepath.Join(t.TempDir(), "earshot.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`
listen: "127.0.0.1:0"
metrics: {listen: "127.0.0.1:0"}
delivery: {timeout: 5s, allow_private_targets: true}
sources:
  reddit: {base_url: %s}
namespaces:
  - id: acme
    connections:
      - {id: crm, type: HTTP_CONNECTION, url: %s/hook}
    managers:
      - id: leads
        type: FEED_MANAGER
        schedule: "@every 1s"
        source: {type: REDDIT, subreddits: [marketing]}
        input: {type: STRUCTURED, keywords: [social listening], focus: {type: SALES}}
        notices: [{type: HTTP_REQUEST, connection: namespaces/acme/connections/crm}]
`, reddit.URL, rcv.URL)), 0o600)
	cmd := exec.Command(bin, "serve", "--config", cfgPath)
	cmd.Env = append(os.Environ(), "REDIS_URL=")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	select {
	case <-started:
	case <-time.After(fakes.MinWait):
		t.Fatalf("no delivery started; logs:\n%s", logs.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit: %v; logs:\n%s", err, logs.String())
		}
	case <-time.After(fakes.MinWait):
		t.Fatalf("did not exit after SIGTERM; logs:\n%s", logs.String())
	}
	select {
	case <-completed:
	default:
		t.Errorf("the in-flight delivery was cut off")
	}
	if !strings.Contains(logs.String(), "NOT durable") {
		t.Errorf("no warning that the embedded Redis is not durable; logs:\n%s", logs.String())
	}
}

func TestMatchCommand(t *testing.T) {
	in := strings.Join([]string{
		`{"type":"REDDIT_LINK","id":"t3_1","title":"Looking for a social listening tool","text":"any recommendations?","url":"","time":"","user":{"id":"","name":"","url":""}}`,
		`{"type":"REDDIT_LINK","id":"t3_2","title":"Our new office dog","text":"say hi","url":"","time":"","user":{"id":"","name":"","url":""}}`,
	}, "\n")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"match", "--config", "../../examples/earshot.yaml", "--manager", "acme/reddit-leads"}, strings.NewReader(in), &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), out.String())
	}
	for i, want := range []struct {
		id      string
		matched bool
	}{{"t3_1", true}, {"t3_2", false}} {
		var got struct {
			ID        string   `json:"id"`
			Matched   bool     `json:"matched"`
			Score     *float64 `json:"score"`
			Sentiment *float64 `json:"sentiment"`
			Terms     []string `json:"terms"`
			Reasons   []string `json:"reasons"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
			t.Fatal(err)
		}
		if got.ID != want.id || got.Matched != want.matched || got.Score == nil || got.Sentiment == nil || got.Terms == nil || got.Reasons == nil {
			t.Errorf("line %d = %s", i+1, lines[i])
		}
	}
	// A manager that is not in the file.
	code = run(context.Background(), []string{"match", "--config", "../../examples/earshot.yaml", "--manager", "acme/nope"}, strings.NewReader(""), &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), `no manager "nope"`) {
		t.Errorf("unknown manager: exit %d, %s", code, errb.String())
	}
}
