package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/textproto"
	"strings"
	texttemplate "text/template"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
)

// Channel sends events by SMTP.
type Channel struct {
	allowPrivate bool
	timeout      time.Duration
	// tlsConfig, when set, replaces the default (tests trust their own
	// server's certificate with it).
	tlsConfig *tls.Config
}

func newChannel(env notify.ChannelEnv) *Channel {
	t := env.Options.Timeout
	if t <= 0 {
		t = 10 * time.Second
	}
	return &Channel{allowPrivate: env.Options.AllowPrivateTargets, timeout: t}
}

// Send renders the event as an email and submits it once. An SMTP 4xx
// reply, a network failure or a timeout is retried; a 5xx reply is final.
func (c *Channel) Send(ctx context.Context, conn *models.Connection, msg notify.Message) notify.Outcome {
	var s Settings
	if err := conn.Settings.Decode(&s); err != nil {
		return notify.Outcome{Err: fmt.Errorf("email: connection settings: %w", err)}
	}
	redact := redactor(s.SMTP.Password)
	ev, err := notify.ParseEvent(msg.Body)
	if err != nil {
		return notify.Outcome{Err: err}
	}
	r, err := Render(ev)
	if err != nil {
		return notify.Outcome{Err: err}
	}
	m := gomail.NewMsg()
	if err := m.From(s.From); err != nil {
		return notify.Outcome{Err: fmt.Errorf("email: from: %w", err)}
	}
	if err := m.To(s.To...); err != nil {
		return notify.Outcome{Err: fmt.Errorf("email: to: %w", err)}
	}
	m.Subject(r.Subject)
	m.SetDate()
	// The same Message-ID on every retry of one delivery, so a mail
	// client shows a message sent twice (after a lost reply) once.
	if msg.WebhookID != "" {
		m.SetMessageIDWithValue(msg.WebhookID + "@earshot")
	}
	m.SetGenHeader("X-Earshot-Event", ev.Name)
	m.SetBodyString(gomail.TypeTextPlain, r.Text)
	m.AddAlternativeString(gomail.TypeTextHTML, r.HTML)

	timeout := msg.Timeout
	if timeout <= 0 {
		timeout = c.timeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("%w of %s", notify.ErrTimeout, timeout))
	defer cancel()
	client, err := c.client(s.SMTP, timeout)
	if err != nil {
		return notify.Outcome{Err: notify.Redacted(fmt.Errorf("email: %w", err), redact)}
	}
	start := time.Now()
	err = client.DialAndSendWithContext(ctx, m)
	out := notify.Outcome{Latency: time.Since(start)}
	if err == nil {
		out.StatusCode = 250
		return out
	}
	if cause := context.Cause(ctx); cause != nil && errors.Is(cause, notify.ErrTimeout) {
		err = fmt.Errorf("%w: %w", cause, err)
	}
	code := replyCode(err)
	out.StatusCode = code
	out.Err = notify.Redacted(fmt.Errorf("email: %s:%d: %w", s.SMTP.Host, s.SMTP.PortOrDefault(), notify.PublicError(err)), redact)
	switch {
	case errors.Is(err, notify.ErrPrivateTarget):
		out.Retry = false
	case code >= 500:
		out.Retry = false // the server refused for good: bad address, auth, policy
	default:
		out.Retry = true // 4xx, a network failure or a timeout
	}
	return out
}

// client returns a go-mail client for the server, dialling through the
// SSRF guard.
func (c *Channel) client(s SMTP, timeout time.Duration) (*gomail.Client, error) {
	tc := &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	if c.tlsConfig != nil {
		tc = c.tlsConfig.Clone()
	}
	dialer := notify.Dialer(c.allowPrivate, min(timeout, 10*time.Second))
	dial := dialer.DialContext
	opts := []gomail.Option{
		gomail.WithPort(s.PortOrDefault()),
		gomail.WithTimeout(timeout),
		gomail.WithHELO("earshot"),
		gomail.WithTLSConfig(tc),
	}
	switch s.TLSMode() {
	case TLSImplicit:
		// go-mail leaves TLS to a dial function of our own (the guarded
		// one), so the handshake is made here.
		dial = (&tls.Dialer{NetDialer: dialer, Config: tc}).DialContext
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	opts = append(opts, gomail.WithDialContextFunc(dial))
	if s.Username != "" {
		auth := gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover)
		if s.TLSMode() == TLSImplicit {
			// Our own TLS dial is encrypted, which go-mail cannot see: name
			// the mechanisms, PLAIN and LOGIN last.
			auth = gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthCramMD5,
				gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc)
		}
		opts = append(opts, auth, gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	return gomail.NewClient(s.Host, opts...)
}

// replyCode is the SMTP reply code in err, or 0.
func replyCode(err error) int {
	var se *gomail.SendError
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		return se.ErrorCode()
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

func redactor(password string) func(string) string {
	return func(s string) string {
		if password == "" {
			return s
		}
		return strings.ReplaceAll(s, password, "<secret>")
	}
}

// Rendered is an email's subject and two bodies.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// item is one match as both templates show it.
type item struct {
	Title, URL, Excerpt, Author, AuthorURL, Where, Type, Time string
	Focus, Score, Intent, Sentiment                           string
}

type view struct {
	Kind    string // SCAN, SPIKE, DIGEST, TEST
	Heading string
	Monitor string
	Facts   []string
	Items   []item
	More    int
	Name    string
}

func itemOf(p *models.Post, m *notify.MatchView) item {
	it := item{
		Title: notify.Headline(p, 200), URL: notify.LinkURL(p.URL), Author: p.User.Name, AuthorURL: notify.LinkURL(p.User.URL),
		Type: p.Type,
	}
	if ex := notify.Excerpt(p, 800); ex != it.Title {
		it.Excerpt = ex
	}
	if p.Subreddit != nil {
		it.Where = p.Subreddit.Name
	}
	if !p.Time.IsZero() {
		it.Time = p.Time.UTC().Format("2006-01-02 15:04 UTC")
	}
	if m != nil {
		it.Focus, it.Score, it.Intent = m.Focus, notify.Score(m.Score), m.Intent
		it.Sentiment = fmt.Sprintf("%.2f", m.Sentiment)
	}
	return it
}

// maxSubject bounds the subject line.
const maxSubject = 120

// Render builds the email of an event. The HTML body is written by
// html/template, which escapes every string from a post for where it
// lands (text, attribute, URL); the subject is one line.
func Render(ev *notify.EventView) (Rendered, error) {
	v := view{Kind: ev.Type, Monitor: ev.Manager(), Name: ev.Name}
	var subject string
	switch {
	case ev.Type == notify.EventDigest && ev.Digest != nil:
		d := ev.Digest
		v.Monitor = d.Manager
		v.Heading = fmt.Sprintf("%d new matches for %s", d.Total, d.Manager)
		if d.Total == 1 {
			v.Heading = "1 new match for " + d.Manager
		}
		v.Facts = []string{fmt.Sprintf("%s – %s", d.Start.UTC().Format("2006-01-02 15:04"), d.End.UTC().Format("2006-01-02 15:04 UTC"))}
		for i := range d.Scans {
			if s := &d.Scans[i]; s.Post != nil {
				v.Items = append(v.Items, itemOf(s.Post, s.Match))
			}
		}
		v.More = d.Total - len(v.Items)
		subject = "[Earshot] " + v.Heading
	case ev.Type == models.EventSpike && ev.Spike != nil:
		s := ev.Spike
		v.Heading = fmt.Sprintf("Crisis spike: %d negative posts in %s", s.Count, s.Window)
		v.Facts = []string{fmt.Sprintf("Baseline %.1f, ratio %.1f×, mean sentiment %.2f", s.Baseline, s.Ratio, s.Sentiment),
			fmt.Sprintf("%s – %s", s.Start.UTC().Format("2006-01-02 15:04"), s.End.UTC().Format("15:04 UTC"))}
		for i := range s.TopPosts {
			v.Items = append(v.Items, itemOf(&s.TopPosts[i], nil))
		}
		subject = "[Earshot] " + v.Monitor + ": " + v.Heading
	case ev.Type == models.EventTest:
		v.Heading = "Earshot test message"
		v.Facts = []string{"Connection " + ev.Name, "Challenge " + ev.Challenge()}
		subject = "[Earshot] Test message"
	case ev.Post != nil:
		it := itemOf(ev.Post, ev.Match)
		v.Heading = "New match for " + v.Monitor
		v.Items = []item{it}
		subject = "[Earshot] " + v.Monitor + ": " + it.Title
	default:
		v.Heading = "Earshot " + ev.Type + " event"
		subject = "[Earshot] " + ev.Type + " " + ev.Name
	}
	var r Rendered
	r.Subject = notify.Truncate(strings.Join(strings.Fields(subject), " "), maxSubject)
	var tb, hb bytes.Buffer
	if err := textTmpl.Execute(&tb, v); err != nil {
		return r, fmt.Errorf("email: render text: %w", err)
	}
	if err := htmlTmpl.Execute(&hb, v); err != nil {
		return r, fmt.Errorf("email: render html: %w", err)
	}
	r.Text, r.HTML = tb.String(), hb.String()
	return r, nil
}

var textTmpl = texttemplate.Must(texttemplate.New("text").Parse(`{{.Heading}}
{{range .Facts}}{{.}}
{{end}}{{range .Items}}
* {{.Title}}
{{if .URL}}  {{.URL}}
{{end}}{{if .Excerpt}}  {{.Excerpt}}
{{end}}  {{.Type}}{{if .Author}} by {{.Author}}{{end}}{{if .Where}} in {{.Where}}{{end}}{{if .Time}}, {{.Time}}{{end}}
{{if .Focus}}  {{.Focus}} {{.Score}}{{if .Intent}} · {{.Intent}}{{end}} · sentiment {{.Sentiment}}
{{end}}{{end}}{{if gt .More 0}}
… and {{.More}} more.
{{end}}
Monitor: {{.Monitor}}
-- 
Sent by Earshot ({{.Name}})
`))

var htmlTmpl = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Heading}}</title></head>
<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1d1d1f;max-width:640px">
<h2 style="margin:0 0 8px">{{.Heading}}</h2>
{{range .Facts}}<p style="margin:0 0 4px;color:#555">{{.}}</p>
{{end}}{{range .Items}}<div style="border-top:1px solid #ddd;padding:10px 0">
<p style="margin:0 0 4px;font-weight:600">{{if .URL}}<a href="{{.URL}}">{{.Title}}</a>{{else}}{{.Title}}{{end}}</p>
{{if .Excerpt}}<p style="margin:0 0 4px">{{.Excerpt}}</p>
{{end}}<p style="margin:0;color:#555;font-size:13px">{{.Type}}{{if .Author}} by {{if .AuthorURL}}<a href="{{.AuthorURL}}">{{.Author}}</a>{{else}}{{.Author}}{{end}}{{end}}{{if .Where}} in {{.Where}}{{end}}{{if .Time}}, {{.Time}}{{end}}</p>
{{if .Focus}}<p style="margin:0;color:#555;font-size:13px">{{.Focus}} {{.Score}}{{if .Intent}} · {{.Intent}}{{end}} · sentiment {{.Sentiment}}</p>
{{end}}</div>
{{end}}{{if gt .More 0}}<p>… and {{.More}} more.</p>
{{end}}<p style="color:#888;font-size:12px;border-top:1px solid #ddd;padding-top:8px">Monitor {{.Monitor}} · sent by Earshot</p>
</body></html>
`))
