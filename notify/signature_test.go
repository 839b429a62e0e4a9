package notify_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
)

// TestSignaturesVerifyWithReferenceLibrary signs with one and with two
// secrets and verifies each with the Standard Webhooks reference library.
func TestSignaturesVerifyWithReferenceLibrary(t *testing.T) {
	other := models.NewSecret()
	cases := []struct {
		name    string
		secrets []string
		verify  []string // secrets the receiver may hold
	}{
		{"one secret", []string{testSecret}, []string{testSecret}},
		{"rotation: both verify", []string{other, testSecret}, []string{testSecret, other}},
	}
	body := []byte(`{"type":"SCAN","name":"namespaces/acme/managers/m/scans/s","post":{"text":"héllo \u2028 <b>"}}`)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Now()
			sig, err := notify.Sign("msg_abc", now, body, tc.secrets...)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(sig, "v1,"); n != len(tc.secrets) {
				t.Errorf("%d signatures in %q, want %d", n, sig, len(tc.secrets))
			}
			h := http.Header{}
			h.Set("webhook-id", "msg_abc")
			h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
			h.Set("webhook-signature", sig)
			for _, s := range tc.verify {
				wh, err := standardwebhooks.NewWebhook(s)
				if err != nil {
					t.Fatal(err)
				}
				if err := wh.Verify(body, h); err != nil {
					t.Errorf("reference library rejects the signature: %v", err)
				}
				if err := wh.Verify(append(body, ' '), h); err == nil {
					t.Error("a changed body still verifies")
				}
			}
		})
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// TestRotationSendsBothSignatures rotates a connection's secret: the next
// deliveries carry two signatures, one verifying with the old secret and
// one with the new, and the record keeps the old one for a day.
func TestRotationSendsBothSignatures(t *testing.T) {
	h := newHarness(t, testredis.Embedded(t), notify.Config{})
	rcv := newReceiver(t)
	conn := h.connection("crm", rcv.URL)
	ctx := context.Background()

	first := h.deliver(conn)
	h.waitState(conn, first, models.DeliveryDelivered, 10*time.Second)
	c, err := h.svc.RotateSecret(ctx, ns, "crm")
	if err != nil {
		t.Fatal(err)
	}
	if c.Secret == testSecret || !strings.HasPrefix(c.Secret, models.SecretPrefix) {
		t.Fatalf("rotated secret %q", c.Secret)
	}
	if len(c.PreviousSecrets) != 1 || c.PreviousSecrets[0].Secret != testSecret ||
		time.Until(c.PreviousSecrets[0].ExpireTime) < 23*time.Hour {
		t.Fatalf("previous secrets = %+v, want the old one for 24 h", c.PreviousSecrets)
	}
	second := h.deliver(conn)
	h.waitState(conn, second, models.DeliveryDelivered, 10*time.Second)

	req := rcv.requestsFor(first)[0]
	if n := strings.Count(req.header.Get("webhook-signature"), "v1,"); n != 1 {
		t.Errorf("before rotation: %d signatures, want 1", n)
	}
	req = rcv.requestsFor(second)[0]
	if n := strings.Count(req.header.Get("webhook-signature"), "v1,"); n != 2 {
		t.Errorf("after rotation: %d signatures, want 2", n)
	}
	for _, s := range []string{testSecret, c.Secret} {
		wh, _ := standardwebhooks.NewWebhook(s)
		if err := wh.Verify(req.body, req.header); err != nil {
			t.Errorf("after rotation, a receiver holding %s… cannot verify: %v", s[:10], err)
		}
	}
	// A second rotation keeps both older secrets for their day.
	c2, err := h.svc.RotateSecret(ctx, ns, "crm")
	if err != nil {
		t.Fatal(err)
	}
	if len(c2.PreviousSecrets) != 2 {
		t.Errorf("after two rotations: %d previous secrets, want 2", len(c2.PreviousSecrets))
	}
}

// TestSSRFGuard sends to private targets with and without
// allow_private_targets. Refusals happen at dial time, on the resolved
// address: a name resolving to loopback is refused like the address.
func TestSSRFGuard(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ok.Close()
	_, port, _ := net.SplitHostPort(ok.Listener.Addr().String())
	var v6 string
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		s.Listener.Close()
		s.Listener = ln
		s.Start()
		defer s.Close()
		v6 = s.URL
	}
	targets := []struct {
		name      string
		url       string
		reachable bool // answers when allowed
	}{
		{"loopback", ok.URL, true},
		{"name resolving to loopback", "http://localhost:" + port + "/hook", true},
		{"IPv6 loopback", v6, true},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", false},
		{"private network", "http://10.0.0.1/hook", false},
		{"carrier-grade NAT", "http://100.64.0.1/hook", false},
		{"IPv4-mapped IPv6 loopback", "http://[::ffff:127.0.0.1]:" + port + "/hook", true},
		{"unique-local IPv6", "http://[fd00::1]/hook", false},
	}
	for _, allow := range []bool{false, true} {
		s := notify.NewSender(notify.SenderOptions{Timeout: 300 * time.Millisecond, AllowPrivateTargets: allow})
		for _, tc := range targets {
			if tc.url == "" {
				continue
			}
			name := tc.name + map[bool]string{false: " refused by default", true: " allowed with allow_private_targets"}[allow]
			t.Run(name, func(t *testing.T) {
				out := s.Send(context.Background(), &models.Connection{URL: tc.url}, notify.Message{WebhookID: "msg_x", Body: []byte("{}"), Secrets: []string{testSecret}})
				refused := errors.Is(out.Err, notify.ErrPrivateTarget)
				switch {
				case !allow && !refused:
					t.Fatalf("not refused: status %d, error %v", out.StatusCode, out.Err)
				case !allow && out.Retry:
					t.Error("a refused target is retried")
				case allow && refused:
					t.Fatalf("refused although allowed: %v", out.Err)
				case allow && tc.reachable && !out.OK():
					t.Fatalf("allowed target did not answer: %v", out.Err)
				}
			})
		}
	}
	if !notify.PublicAddr(mustAddr("93.184.215.14")) || !notify.PublicAddr(mustAddr("2606:2800:21f:cb07:6820:80da:af6b:8b2c")) {
		t.Error("public addresses refused")
	}
}

func TestRequireHTTPS(t *testing.T) {
	s := notify.NewSender(notify.SenderOptions{RequireHTTPS: true, AllowPrivateTargets: true})
	out := s.Send(context.Background(), &models.Connection{URL: "http://127.0.0.1:1/hook"}, notify.Message{WebhookID: "msg_x", Body: []byte("{}"), Secrets: []string{testSecret}})
	if !errors.Is(out.Err, notify.ErrInsecureTarget) || out.Retry {
		t.Fatalf("http target with require_https: %v (retry %v)", out.Err, out.Retry)
	}
}

// TestConnectionTest sends a TEST event and reports the answer.
func TestConnectionTest(t *testing.T) {
	h := newHarness(t, testredis.Embedded(t), notify.Config{})
	for _, echo := range []bool{true, false} {
		rcv := newReceiver(t)
		rcv.echo = echo
		h.connection("crm", rcv.URL)
		r, err := h.svc.Test(context.Background(), ns, "crm")
		if err != nil {
			t.Fatal(err)
		}
		if !r.Success || r.StatusCode != 200 || r.ChallengeEchoed != echo || r.Challenge == "" {
			t.Errorf("echo=%v: %+v", echo, r)
		}
		got := rcv.requests()
		if len(got) != 1 {
			t.Fatalf("receiver got %d requests", len(got))
		}
		want := `{"type":"TEST","name":"namespaces/acme/connections/crm","data":{"challenge":"` + r.Challenge + `"}}`
		if string(got[0].body) != want {
			t.Errorf("body = %s\nwant   %s", got[0].body, want)
		}
		wh, _ := standardwebhooks.NewWebhook(testSecret)
		if err := wh.Verify(got[0].body, got[0].header); err != nil {
			t.Errorf("test event signature: %v", err)
		}
	}
}
