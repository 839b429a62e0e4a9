package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/notify"
)

const listenSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// signed returns a delivery as Earshot sends it.
func signed(t *testing.T, url, id, body string, secrets ...string) *http.Request {
	t.Helper()
	now := time.Now()
	sig, err := notify.Sign(id, now, []byte(body), secrets...)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", url+"/webhooks/earshot", strings.NewReader(body))
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	return req
}

func TestListen(t *testing.T) {
	scan := `{"type":"SCAN","name":"namespaces/acme/managers/leads/scans/s1","post":{"type":"REDDIT_LINK","time":"2026-06-13T12:10:00Z","id":"t3_1","title":"Recs needed","text":"Any recommendations?","url":"https://reddit.com/r/marketing/comments/1","subreddit":{"id":"t5_2qi1r","name":"marketing","url":"https://reddit.com/r/marketing"},"user":{"id":"t2_a","name":"marketing_pro","url":"https://reddit.com/user/marketing_pro"}}}`
	test := `{"type":"TEST","name":"namespaces/acme/connections/crm","data":{"challenge":"c4ll3nge"}}`
	other := "whsec_" + strings.Repeat("A", 40)
	cases := []struct {
		name       string
		status     int
		body       string
		secrets    []string
		wantStatus int
		wantOut    []string
		wantBody   string
	}{
		{"a valid scan is printed and acknowledged", 200, scan, []string{listenSecret}, 200,
			[]string{"signature ok", "SCAN  namespaces/acme/managers/leads/scans/s1", "REDDIT_LINK r/marketing by marketing_pro", `"Recs needed"`, "→ 200"}, ""},
		{"during a rotation one of two signatures suffices", 200, scan, []string{other, listenSecret}, 200, []string{"signature ok (2 sent)"}, ""},
		{"a wrong signature is refused", 200, scan, []string{other}, 401, []string{"signature INVALID: no matching signature found", "→ 401"}, ""},
		{"the chosen status is answered", 503, scan, []string{listenSecret}, 503, []string{"→ 503"}, ""},
		{"a test event's challenge is echoed", 200, test, []string{listenSecret}, 200, []string{"TEST", "challenge c4ll3nge"}, `{"challenge":"c4ll3nge"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			l, err := newListener(listenSecret, tc.status, "", false, &out)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(l)
			defer srv.Close()
			resp, err := http.DefaultClient.Do(signed(t, srv.URL, "msg_1", tc.body, tc.secrets...))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if string(b) != tc.wantBody {
				t.Errorf("answer %q, want %q", b, tc.wantBody)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
	if _, err := newListener("not-a-secret", 200, "", false, io.Discard); err == nil {
		t.Error("a secret without whsec_ is accepted")
	}
}
