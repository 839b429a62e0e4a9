package notify

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestGuardedClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<title>Acme</title>")) }))
	defer srv.Close()
	for _, tc := range []struct {
		name         string
		allowPrivate bool
		wantRefused  bool
	}{{"default refuses loopback", false, true}, {"allowed with the flag", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := GuardedClient(tc.allowPrivate, 2*time.Second).Get(srv.URL)
			if resp != nil {
				resp.Body.Close()
			}
			if refused := errors.Is(err, ErrPrivateTarget); refused != tc.wantRefused {
				t.Errorf("err = %v, want refused=%v", err, tc.wantRefused)
			}
		})
	}
}
