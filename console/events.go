package console

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// events streams the inbox's new Scans as server-sent events: each new
// Scan that passes the inbox's filter is an event "scan" whose data is its
// rendered (escaped) list item. It polls the API, so it sees the Scans
// every process creates, and it ends when the session does.
func (c *Console) events(w http.ResponseWriter, r *http.Request, s *session) error {
	ns := r.PathValue("ns")
	q := readInboxQuery(r)
	since, err := time.Parse(time.RFC3339Nano, r.URL.Query().Get("since"))
	if err != nil {
		since = c.now()
	}
	// Check access and learn the nicknames before the stream starts.
	managers, err := c.listManagers(r, s, ns)
	if err != nil {
		return err
	}
	names := nicknames(managers)
	rc := http.NewResponseController(w)
	// The server's timeouts are for requests, not streams: its read
	// deadline would cancel the request's context, its write deadline
	// cut the stream.
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 3000\n\n")
	_ = rc.Flush()

	tick := time.NewTicker(c.poll)
	defer tick.Stop()
	lastBeat := time.Now()
	lastErr := ""
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-c.closing:
			return nil
		case <-tick.C:
		}
		if _, err := c.sessionOf(r); err != nil {
			fmt.Fprint(w, "event: signedout\ndata: {}\n\n")
			_ = rc.Flush()
			return nil
		}
		sl, err := c.listScans(r, s, ns, q, "createTime > "+quote(since.UTC().Format(time.RFC3339Nano)), "", 100)
		if err != nil {
			if err.Error() != lastErr { // once per distinct error, not every tick
				c.log.Warn("console: live inbox: listing scans failed", "namespace", ns, "error", err)
				lastErr = err.Error()
			}
			continue
		}
		lastErr = ""
		if len(sl.Scans) == 0 {
			if time.Since(lastBeat) > 15*time.Second {
				fmt.Fprint(w, ": keep-alive\n\n")
				_ = rc.Flush()
				lastBeat = time.Now()
			}
			continue
		}
		since = sl.Scans[0].CreateTime
		slices.Reverse(sl.Scans) // oldest first: each is put on top
		for _, sc := range sl.Scans {
			sc.Monitor = names[sc.ManagerID()]
			var buf bytes.Buffer
			if err := c.pages["inbox"].ExecuteTemplate(&buf, "scan", map[string]any{"Scan": sc, "NS": ns}); err != nil {
				c.log.Error("console: render scan", "error", err)
				return nil
			}
			fmt.Fprint(w, "event: scan\n")
			for _, line := range strings.Split(buf.String(), "\n") {
				fmt.Fprintf(w, "data: %s\n", line)
			}
			fmt.Fprint(w, "\n")
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
		lastBeat = time.Now()
	}
}
