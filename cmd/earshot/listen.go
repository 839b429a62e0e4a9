package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// cmdListen runs a local webhook receiver: it verifies each delivery's
// Standard Webhooks signature with the reference library, prints the event
// readably and answers with the chosen status. For trying Earshot and
// debugging a pipeline.
func cmdListen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("listen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.Int("port", 9000, "port to listen on")
	host := fs.String("host", "127.0.0.1", "address to listen on")
	secret := fs.String("secret", "", "the connection's whsec_… signing secret; deliveries whose signature does not verify are answered 401 (without it, signatures are shown, not checked)")
	status := fs.Int("status", http.StatusOK, "status to answer with, e.g. 503 to watch retries or 410 to see the connection disabled")
	retryAfter := fs.String("retry-after", "", "Retry-After header to send with the answer (seconds), e.g. with --status 429")
	jsonOut := fs.Bool("json", false, "print each event as one line of JSON instead")
	if _, err := parseArgs(fs, args, 0); err != nil {
		return err
	}
	if *status < 100 || *status > 599 {
		return usagef("listen", "--status must be an HTTP status (100-599)")
	}
	l, err := newListener(*secret, *status, *retryAfter, *jsonOut, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "earshot listen:", err)
		return exitError(2)
	}
	addr := net.JoinHostPort(*host, strconv.Itoa(*port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shCtx)
	}()
	check := "signatures verified with the secret"
	if *secret == "" {
		check = "signatures NOT verified (no --secret)"
	}
	fmt.Fprintf(stderr, "earshot listen: receiving webhooks on http://%s/ (any path); answering %d; %s. Ctrl-C to stop.\n", ln.Addr(), *status, check)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// listener is the receiver's handler.
type listener struct {
	wh         *standardwebhooks.Webhook // nil: no verification
	status     int
	retryAfter string
	jsonOut    bool
	mu         sync.Mutex // serialises output
	out        io.Writer
}

func newListener(secret string, status int, retryAfter string, jsonOut bool, out io.Writer) (*listener, error) {
	l := &listener{status: status, retryAfter: retryAfter, jsonOut: jsonOut, out: out}
	if secret != "" {
		if !strings.HasPrefix(secret, "whsec_") {
			return nil, errors.New("--secret must be the connection's whsec_… secret")
		}
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			return nil, fmt.Errorf("--secret: %w", err)
		}
		l.wh = wh
	}
	return l, nil
}

// event is what the listener reads of a delivery: the envelope, with the
// body of each event type.
type event struct {
	Type string `json:"type"`
	Name string `json:"name"`
	Post *struct {
		Type      string `json:"type"`
		Time      string `json:"time"`
		ID        string `json:"id"`
		Title     string `json:"title"`
		Text      string `json:"text"`
		URL       string `json:"url"`
		Subreddit *struct {
			Name string `json:"name"`
		} `json:"subreddit"`
		User struct {
			Name string `json:"name"`
		} `json:"user"`
	} `json:"post"`
	Match *struct {
		Focus     string   `json:"focus"`
		Score     float64  `json:"score"`
		Sentiment float64  `json:"sentiment"`
		Terms     []string `json:"terms"`
	} `json:"match"`
	Spike *struct {
		Count     int     `json:"count"`
		Baseline  float64 `json:"baseline"`
		Ratio     float64 `json:"ratio"`
		Window    string  `json:"window"`
		Sentiment float64 `json:"sentiment"`
	} `json:"spike"`
	Data struct {
		Challenge string `json:"challenge"`
	} `json:"data"`
}

func (l *listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	id := r.Header.Get("webhook-id")
	verdict, status := "not checked", l.status
	if l.wh != nil {
		if err := l.wh.Verify(body, r.Header); err != nil {
			verdict, status = "INVALID: "+strings.TrimPrefix(err.Error(), "unable to verify payload, err: "), http.StatusUnauthorized
		} else {
			verdict = "ok"
		}
	}
	sigs := len(strings.Fields(r.Header.Get("webhook-signature")))
	var ev event
	parseErr := json.Unmarshal(body, &ev)

	// A TEST event's challenge is echoed, so POST …:test reports that the
	// receiver read the event.
	var answer []byte
	if ev.Type == "TEST" && ev.Data.Challenge != "" && status < 300 {
		answer, _ = json.Marshal(map[string]string{"challenge": ev.Data.Challenge})
	}

	l.mu.Lock()
	if l.jsonOut {
		line, _ := json.Marshal(map[string]any{
			"time": time.Now().UTC().Format(time.RFC3339Nano), "method": r.Method, "path": r.URL.Path,
			"webhookId": id, "signature": verdict, "signatures": sigs, "status": status, "event": json.RawMessage(validJSON(body)),
		})
		fmt.Fprintf(l.out, "%s\n", line)
	} else {
		l.print(r, id, verdict, sigs, status, body, ev, parseErr)
	}
	l.mu.Unlock()

	if l.retryAfter != "" {
		w.Header().Set("Retry-After", l.retryAfter)
	}
	if answer != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(answer)
}

func validJSON(b []byte) []byte {
	if json.Valid(b) {
		return b
	}
	q, _ := json.Marshal(string(b))
	return q
}

func (l *listener) print(r *http.Request, id, verdict string, sigs, status int, body []byte, ev event, parseErr error) {
	w := l.out
	fmt.Fprintf(w, "%s  %s %s  webhook-id %s  signature %s (%d sent)  → %d\n",
		time.Now().Format("15:04:05"), r.Method, r.URL.Path, orDash(id), verdict, sigs, status)
	if parseErr != nil {
		fmt.Fprintf(w, "  body is not JSON (%v): %s\n\n", parseErr, clip(string(body), 400))
		return
	}
	fmt.Fprintf(w, "  %s  %s\n", orDash(ev.Type), ev.Name)
	switch {
	case ev.Type == "SCAN" && ev.Post != nil:
		p := ev.Post
		where := ""
		if p.Subreddit != nil && p.Subreddit.Name != "" {
			where = " r/" + p.Subreddit.Name
		}
		fmt.Fprintf(w, "  %s%s by %s at %s\n", p.Type, where, orDash(p.User.Name), orDash(p.Time))
		if p.Title != "" {
			fmt.Fprintf(w, "  %q\n", clip(p.Title, 200))
		}
		if p.Text != "" {
			fmt.Fprintf(w, "  %s\n", clip(strings.Join(strings.Fields(p.Text), " "), 300))
		}
		fmt.Fprintf(w, "  %s\n", p.URL)
		if m := ev.Match; m != nil {
			fmt.Fprintf(w, "  match: %s score %.2f sentiment %.2f %s\n", m.Focus, m.Score, m.Sentiment, strings.Join(m.Terms, ", "))
		}
	case ev.Type == "SPIKE" && ev.Spike != nil:
		s := ev.Spike
		fmt.Fprintf(w, "  %d negative posts in %s (baseline %.1f, ×%.1f), mean sentiment %.2f\n", s.Count, s.Window, s.Baseline, s.Ratio, s.Sentiment)
	case ev.Type == "TEST":
		fmt.Fprintf(w, "  challenge %s (echoed in the answer)\n", ev.Data.Challenge)
	default:
		var pretty any
		_ = json.Unmarshal(body, &pretty)
		b, _ := json.MarshalIndent(pretty, "  ", "  ")
		fmt.Fprintf(w, "  %s\n", b)
	}
	fmt.Fprintln(w)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && (s[cut]&0xC0) == 0x80 { // not inside a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}
