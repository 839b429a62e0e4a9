package email

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/notify/internal/channeltest"
)

// received is one message the test server accepted.
type received struct {
	from string
	to   []string
	data []byte
}

// server is a real SMTP server (go-smtp) on loopback that answers as the
// test says.
type server struct {
	addr     *net.TCPAddr
	tls      *tls.Config // the client's, trusting the server's certificate
	mu       sync.Mutex
	got      []received
	rcptErr  error // answered to RCPT TO
	dataErr  error // answered after DATA
	user     string
	password string
}

func newServer(t *testing.T, withTLS bool) *server { return newServerMode(t, withTLS, false) }

// newServerMode starts a server; implicit speaks TLS from the first byte
// (port 465 style) instead of offering STARTTLS.
func newServerMode(t *testing.T, withTLS, implicit bool) *server {
	t.Helper()
	srv := &server{user: "earshot", password: "s3cr3t-pa55"}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{srv: srv}, nil }))
	s.Domain = "localhost"
	s.ErrorLog = log.New(io.Discard, "", 0)
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	if withTLS {
		cert, pool := selfSigned(t)
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		srv.tls = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	} else {
		s.AllowInsecureAuth = true
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if implicit {
		l = tls.NewListener(l, s.TLSConfig)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	srv.addr = l.Addr().(*net.TCPAddr)
	return srv
}

func (s *server) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

type session struct {
	srv  *server
	from string
	to   []string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.srv.user || password != s.srv.password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.srv.rcptErr != nil {
		return s.srv.rcptErr
	}
	s.to = append(s.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.srv.dataErr != nil {
		return s.srv.dataErr
	}
	s.srv.mu.Lock()
	s.srv.got = append(s.srv.got, received{from: s.from, to: s.to, data: b})
	s.srv.mu.Unlock()
	return nil
}
func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "earshot test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func (s *server) channel(allowPrivate bool) *Channel {
	c := newChannel(notify.ChannelEnv{Options: notify.SenderOptions{AllowPrivateTargets: allowPrivate, Timeout: 5 * time.Second}})
	c.tlsConfig = s.tls
	return c
}

func (s *server) conn(mode string, auth bool) *models.Connection {
	st := Settings{SMTP: SMTP{Host: "127.0.0.1", Port: s.addr.Port, TLS: mode}, From: "Earshot <alerts@example.com>", To: []string{"team@example.com", "lead@example.com"}}
	if auth {
		st.SMTP.Username, st.SMTP.Password = s.user, s.password
	}
	return &models.Connection{Type: Kind.ConnectionType, Settings: models.SettingsOf(st)}
}

// parts reads a multipart/alternative message's text and HTML parts.
func parts(t *testing.T, data []byte) (h mail.Header, text, html string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v)", m.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b := decodePart(t, p)
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			text = b
		case "text/html":
			html = b
		}
	}
	return m.Header, text, html
}

func decodeHeader(v string) (string, error) { return new(mime.WordDecoder).DecodeHeader(v) }

func decodePart(t *testing.T, p *multipart.Part) string {
	b, err := io.ReadAll(p) // multipart decodes quoted-printable itself
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDelivers(t *testing.T) {
	for _, tc := range []struct {
		name     string
		tls      bool
		implicit bool
		mode     string
		auth     bool
	}{
		{"starttls with auth", true, false, TLSStartTLS, true},
		{"implicit tls with auth", true, true, TLSImplicit, true},
		{"plain relay", false, false, TLSNone, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServerMode(t, tc.tls, tc.implicit)
			out := srv.channel(true).Send(context.Background(), srv.conn(tc.mode, tc.auth), notify.Message{WebhookID: "msg_abc", Body: channeltest.Fixture(t, "scan.json")})
			if !out.OK() {
				t.Fatalf("send: %v", out.Err)
			}
			got := srv.messages()
			if len(got) != 1 || got[0].from != "alerts@example.com" || strings.Join(got[0].to, ",") != "team@example.com,lead@example.com" {
				t.Fatalf("received %+v", got)
			}
			h, text, html := parts(t, got[0].data)
			subject, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
			if !strings.HasPrefix(subject, "[Earshot] reddit-leads: <!channel> Recs needed") || h.Get("Message-Id") != "<msg_abc@earshot>" {
				t.Errorf("subject %q, message-id %q", subject, h.Get("Message-Id"))
			}
			if !strings.Contains(text, "<script>alert(1)</script>") || !strings.Contains(text, "SALES 87% · SEEKING") {
				t.Errorf("text part:\n%s", text)
			}
			for _, bad := range []string{"<script>", "<b>now</b>", `<a href="x">`, "javascript:", "<tg-spoiler>"} {
				if strings.Contains(html, bad) {
					t.Errorf("HTML part contains %q:\n%s", bad, html)
				}
			}
			for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", `<a href="https://reddit.com/r/marketing/comments/123456/recs_needed?a=1&amp;b=%3c2%3e%7cx">`, "by _marketing_pro_ &lt;@&amp;42&gt;"} {
				if !strings.Contains(html, want) {
					t.Errorf("HTML part lacks %q:\n%s", want, html)
				}
			}
		})
	}
}

// TestReplies: 4xx replies are retried, 5xx final; the password is never
// in the error.
func TestReplies(t *testing.T) {
	for _, tc := range []struct {
		name        string
		rcpt, data  error
		badPassword bool
		retry       bool
		code        int
	}{
		{name: "greylisted", rcpt: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted, try again later"}, retry: true, code: 451},
		{name: "mailbox full, temporarily", data: &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "Mailbox full"}, retry: true, code: 452},
		{name: "no such user", rcpt: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}, code: 550},
		{name: "rejected as spam", data: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Message rejected"}, code: 554},
		{name: "wrong password", badPassword: true, code: 535},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, true)
			srv.rcptErr, srv.dataErr = tc.rcpt, tc.data
			conn := srv.conn(TLSStartTLS, true)
			if tc.badPassword {
				srv.password = "the-right-one"
			}
			out := srv.channel(true).Send(context.Background(), conn, notify.Message{Body: channeltest.Fixture(t, "scan.json")})
			if out.OK() || out.Retry != tc.retry {
				t.Fatalf("ok=%v retry=%v err=%v", out.OK(), out.Retry, out.Err)
			}
			if out.StatusCode != tc.code {
				t.Errorf("status %d, want %d (%v)", out.StatusCode, tc.code, out.Err)
			}
			if strings.Contains(out.Err.Error(), "s3cr3t-pa55") {
				t.Errorf("password in error: %v", out.Err)
			}
		})
	}
}

// TestGuard: an SMTP host on a private address is refused at dial time
// unless delivery.allow_private_targets; so is a server that is down
// retried.
func TestGuard(t *testing.T) {
	srv := newServer(t, false)
	out := srv.channel(false).Send(context.Background(), srv.conn(TLSNone, false), notify.Message{Body: channeltest.Fixture(t, "scan.json")})
	if !errors.Is(out.Err, notify.ErrPrivateTarget) || out.Retry || len(srv.messages()) != 0 {
		t.Fatalf("private SMTP host: retry=%v err=%v, %d received", out.Retry, out.Err, len(srv.messages()))
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	down := &models.Connection{Type: Kind.ConnectionType, Settings: models.SettingsOf(Settings{SMTP: SMTP{Host: "127.0.0.1", Port: port, TLS: TLSNone}, From: "a@example.com", To: []string{"b@example.com"}})}
	if out := srv.channel(true).Send(context.Background(), down, notify.Message{Body: channeltest.Fixture(t, "scan.json")}); out.OK() || !out.Retry {
		t.Fatalf("server down: retry=%v err=%v", out.Retry, out.Err)
	}
}

func TestSpikeAndTest(t *testing.T) {
	ev, _ := notify.ParseEvent(channeltest.Fixture(t, "spike.json"))
	r, err := Render(ev)
	if err != nil || !strings.Contains(r.Subject, "42 negative posts") || !strings.Contains(r.HTML, "angry &lt;@1&gt;") || !strings.Contains(r.Text, "Acme deleted my data") {
		t.Errorf("spike: %v\n%s\n%s", err, r.Subject, r.HTML)
	}
	body, _ := json.Marshal(notify.TestEvent("namespaces/acme/connections/mail", "chal-123"))
	ev, _ = notify.ParseEvent(body)
	if r, _ := Render(ev); !strings.Contains(r.Text, "chal-123") || !strings.Contains(r.HTML, "chal-123") {
		t.Errorf("test message: %+v", r)
	}
}

func TestValidate(t *testing.T) {
	cs := notify.NewChannels(notify.Webhook, Kind)
	ok := Settings{SMTP: SMTP{Host: "smtp.example.com", Username: "u", Password: "p"}, From: "alerts@example.com", To: []string{"team@example.com"}}
	for _, tc := range []struct {
		name  string
		edit  func(s *Settings)
		field string
	}{
		{"ok", func(*Settings) {}, ""},
		{"no host", func(s *Settings) { s.SMTP.Host = "" }, "smtp.host"},
		{"host with scheme", func(s *Settings) { s.SMTP.Host = "smtp://x" }, "smtp.host"},
		{"bad tls", func(s *Settings) { s.SMTP.TLS = "SSL" }, "smtp.tls"},
		{"bad port", func(s *Settings) { s.SMTP.Port = 70000 }, "smtp.port"},
		{"user without password", func(s *Settings) { s.SMTP.Password = "" }, "smtp.password"},
		{"bad from", func(s *Settings) { s.From = "nobody" }, "from"},
		{"no to", func(s *Settings) { s.To = nil }, "to"},
		{"header injection", func(s *Settings) { s.To = []string{"a@example.com\r\nBcc: x@evil.example"} }, "to[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			s.To = append([]string(nil), ok.To...)
			tc.edit(&s)
			c := models.Connection{Type: "EMAIL_CONNECTION", Settings: models.SettingsOf(s)}
			errs := cs.ValidateConnection(&c)
			if tc.field == "" && len(errs) > 0 || tc.field != "" && (len(errs) == 0 || errs[0].Field != tc.field) {
				t.Fatalf("errors %v, want one for %q", errs, tc.field)
			}
		})
	}
}

// TestTLSIsRequired: a server that offers no STARTTLS, or whose
// certificate is not trusted, gets no mail (nor the password).
func TestTLSIsRequired(t *testing.T) {
	plain := newServer(t, false)
	out := plain.channel(true).Send(context.Background(), plain.conn(TLSStartTLS, true), notify.Message{Body: channeltest.Fixture(t, "scan.json")})
	if out.OK() || len(plain.messages()) != 0 {
		t.Fatalf("STARTTLS not offered, yet sent: %v", out.Err)
	}
	untrusted := newServer(t, true)
	c := untrusted.channel(true)
	c.tlsConfig = nil // the system's roots: the test certificate is not among them
	for _, mode := range []string{TLSStartTLS} {
		out := c.Send(context.Background(), untrusted.conn(mode, true), notify.Message{Body: channeltest.Fixture(t, "scan.json")})
		if out.OK() || len(untrusted.messages()) != 0 {
			t.Fatalf("%s with an untrusted certificate, yet sent: %v", mode, out.Err)
		}
	}
	implicit := newServerMode(t, true, true)
	c = implicit.channel(true)
	c.tlsConfig = nil
	if out := c.Send(context.Background(), implicit.conn(TLSImplicit, true), notify.Message{Body: channeltest.Fixture(t, "scan.json")}); out.OK() || len(implicit.messages()) != 0 {
		t.Fatalf("implicit TLS with an untrusted certificate, yet sent: %v", out.Err)
	}
}
