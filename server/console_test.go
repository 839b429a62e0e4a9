package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/earshothq/earshot/internal/fakes"
	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/internal/testserver"
)

// A browser at / gets the console (its sign-in page); the API and its
// JSON errors are unchanged beside it.
func TestConsoleAtRoot(t *testing.T) {
	reddit := fakes.NewReddit()
	defer reddit.Close()
	rcv := fakes.NewReceiver()
	defer rcv.Close()
	p := testserver.Start(t, testConfig(t, testredis.Embedded(t), reddit.URL, rcv.URL))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, c := range []struct {
		path, accept string
		code         int
		want         string
	}{
		{"/", "text/html,application/xhtml+xml", http.StatusSeeOther, "/signin"},
		{"/signin", "", http.StatusOK, "Sign in to Earshot"},
		{"/static/app.js", "", http.StatusOK, "use strict"},
		{"/ns/acme/inbox", "", http.StatusSeeOther, "/signin"},
		{"/no-such-page", "text/html", http.StatusNotFound, "There is no page here."},
	} {
		req, _ := http.NewRequest("GET", p.URL+c.path, nil)
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		buf := new(strings.Builder)
		_, _ = io.Copy(buf, resp.Body)
		resp.Body.Close()
		got := buf.String()
		if c.code == http.StatusSeeOther {
			got = resp.Header.Get("Location")
		}
		if resp.StatusCode != c.code || !strings.Contains(got, c.want) {
			t.Errorf("GET %s (Accept %q): %d %.200s", c.path, c.accept, resp.StatusCode, got)
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: no CSP", c.path)
		}
	}
}
