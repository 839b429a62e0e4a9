// Package email is the EMAIL_CONNECTION channel: events as multipart
// (plain text and HTML) emails sent through the operator's SMTP server,
// one per event or, for a notice with a digest, one per period.
package email

import (
	"net/mail"
	"slices"
	"strconv"
	"strings"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
)

// TLS modes of an SMTP server.
const (
	TLSStartTLS = "STARTTLS" // plain connection upgraded with STARTTLS, which must succeed (default; port 587)
	TLSImplicit = "TLS"      // TLS from the first byte (port 465)
	TLSNone     = "NONE"     // no encryption (port 25; local relays only)
)

var tlsModes = []string{TLSStartTLS, TLSImplicit, TLSNone}

// Bounds of an email connection's fields.
const (
	MaxRecipients = 50  // addresses in `to`
	maxAddress    = 320 // characters of an address, with its display name
	maxCredential = 1024
)

// Settings are an email connection's own fields.
type Settings struct {
	SMTP SMTP     `json:"smtp" yaml:"smtp"`
	From string   `json:"from" yaml:"from"`
	To   []string `json:"to" yaml:"to"`
}

// SMTP is the server mail is submitted to.
type SMTP struct {
	Host     string `json:"host" yaml:"host"`
	Port     int    `json:"port,omitempty" yaml:"port"`
	Username string `json:"username,omitempty" yaml:"username"`
	// Password is a credential: never written into an error, a log or a
	// delivery record.
	Password string `json:"password,omitempty" yaml:"password"`
	TLS      string `json:"tls,omitempty" yaml:"tls"`
}

// TLSMode returns the server's TLS mode, STARTTLS by default.
func (s SMTP) TLSMode() string {
	if s.TLS == "" {
		return TLSStartTLS
	}
	return s.TLS
}

// PortOrDefault returns the port, by default the TLS mode's.
func (s SMTP) PortOrDefault() int {
	if s.Port != 0 {
		return s.Port
	}
	switch s.TLSMode() {
	case TLSImplicit:
		return 465
	case TLSNone:
		return 25
	}
	return 587
}

// Kind is the EMAIL_CONNECTION channel kind.
var Kind = notify.NewChannelKind(notify.ChannelSpec[Settings]{
	ConnectionType: "EMAIL_CONNECTION",
	NoticeType:     "EMAIL_MESSAGE",
	Doc:            "an email (plain text and HTML) per event, or a digest per period, through your SMTP server: `smtp: {host, port, username, password, tls: STARTTLS | TLS | NONE}`, `from`, `to`",
	Digests:        true,
	Example: map[string]any{"type": "EMAIL_CONNECTION", "nickname": "sales", "from": "Earshot <alerts@example.com>", "to": []string{"sales@example.com"},
		"smtp": map[string]any{"host": "smtp.example.com", "port": 587, "username": "earshot", "password": "…", "tls": "STARTTLS"}},
	Validate: validate,
	New:      func(env notify.ChannelEnv) notify.Channel { return newChannel(env) },
})

func validate(c *models.Connection, s *Settings) []models.FieldError {
	var errs []models.FieldError
	add := func(f, d string) { errs = append(errs, models.FieldError{Field: f, Description: d}) }
	switch h := s.SMTP.Host; {
	case h == "":
		add("smtp.host", "is required")
	case strings.ContainsAny(h, "/:@ ") && !strings.HasPrefix(h, "["):
		add("smtp.host", "must be a host name or an IP address, without a scheme or a port")
	}
	if len(s.SMTP.Host) > 253 {
		add("smtp.host", "must be at most 253 characters")
	}
	if len(s.SMTP.Username) > maxCredential || len(s.SMTP.Password) > maxCredential {
		add("smtp.password", "username and password must be at most 1024 bytes each")
	}
	if s.SMTP.Port < 0 || s.SMTP.Port > 65535 {
		add("smtp.port", "must be from 1 to 65535 (0: the TLS mode's default)")
	}
	if s.SMTP.TLS != "" && !slices.Contains(tlsModes, s.SMTP.TLS) {
		add("smtp.tls", "must be one of "+strings.Join(tlsModes, ", "))
	}
	if (s.SMTP.Username == "") != (s.SMTP.Password == "") {
		add("smtp.password", "username and password go together")
	}
	if len(s.From) > maxAddress {
		add("from", "must be at most 320 characters")
	} else if s.From == "" {
		add("from", "is required")
	} else if _, err := mail.ParseAddress(s.From); err != nil || strings.ContainsAny(s.From, "\r\n") {
		add("from", "must be an email address (alerts@example.com or \"Earshot <alerts@example.com>\")")
	}
	switch {
	case len(s.To) == 0:
		add("to", "needs at least one address")
	case len(s.To) > MaxRecipients:
		add("to", "must have at most "+strconv.Itoa(MaxRecipients)+" addresses")
	}
	for i, to := range s.To {
		if len(to) > maxAddress {
			add("to["+strconv.Itoa(i)+"]", "must be at most 320 characters")
			continue
		}
		if _, err := mail.ParseAddress(to); err != nil || strings.ContainsAny(to, "\r\n") {
			add("to["+strconv.Itoa(i)+"]", "must be an email address")
		}
	}
	return errs
}
