package notify

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/models"
)

// What a failed attempt reports (a delivery's lastError, a :test answer,
// the WARN log line) never shows the URL's user name, password or query,
// the address a host resolved to, or the resolver's address.
func TestAttemptErrorsShowNoCredentialsOrAddresses(t *testing.T) {
	// A port with nothing listening.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer live.Close()
	liveHost := strings.TrimPrefix(live.URL, "http://")
	_, livePort, _ := net.SplitHostPort(liveHost)

	for _, tc := range []struct {
		name         string
		allowPrivate bool
		url          string
		want         string   // in the error
		hidden       []string // never in the error
	}{
		{"refused connection", true, "http://alice:hunter2@" + closed + "/hook?token=s3cret", "connection refused",
			[]string{"alice", "hunter2", "s3cret", "token"}},
		{"private target by name", false, "http://bob:pw@localhost:" + livePort + "/hook?key=s3cret", "target address is not public",
			[]string{"bob", "s3cret", "127.0.0.1", "::1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSender(SenderOptions{AllowPrivateTargets: tc.allowPrivate, Timeout: 3 * time.Second})
			out := s.Send(context.Background(), &models.Connection{URL: tc.url, Method: "POST"}, Message{WebhookID: "msg_1", Body: []byte(`{}`), Secrets: []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}})
			if out.Err == nil {
				t.Fatal("no error")
			}
			msg := out.Err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q lacks %q", msg, tc.want)
			}
			for _, h := range tc.hidden {
				if strings.Contains(msg, h) {
					t.Errorf("error %q shows %q", msg, h)
				}
			}
		})
	}

	dnsErr := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "crm.internal", Server: "10.0.0.2:53", IsNotFound: true}}
	if got := publicError(dnsErr).Error(); strings.Contains(got, "10.0.0.2") || !strings.Contains(got, "cannot resolve crm.internal: no such host") {
		t.Errorf("a failed lookup reads %q", got)
	}
	if !errors.Is(publicError(&net.OpError{Op: "dial", Err: ErrPrivateTarget}), ErrPrivateTarget) {
		t.Error("publicError lost ErrPrivateTarget")
	}
}
