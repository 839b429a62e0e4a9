package fetch

import (
	"time"

	"github.com/earshothq/earshot/sources"
)

const (
	// UserAgent identifies Earshot to the platforms that do not ask an
	// operator for one.
	UserAgent = "earshot/0.1 (+https://github.com/earshothq/earshot)"
	// DefaultTimeout bounds each request of every platform.
	DefaultTimeout = 30 * time.Second
)

// Platform is what differs between the platforms' clients; New builds the
// rest the same way for all of them.
type Platform struct {
	// Name names the platform in errors and logs ("twitter").
	Name string
	// RateKey is where its rate-limit blocks are kept; a platform that
	// limits per endpoint or host sets it on a copy of the Client per call.
	RateKey   string
	Timeout   time.Duration // DefaultTimeout when 0
	MaxBody   int           // bytes
	UserAgent string        // UserAgent when ""
	// Secrets are replaced with <secret> in what resty logs.
	Secrets []string
	// UserURLs: the platform is called at URLs users give (a feed, an
	// instance), so every connection goes through the SSRF guard unless
	// the options allow private targets.
	UserURLs bool
}

// New builds a platform's Client from its options: the HTTP client of
// NewHTTP (NewGuardedHTTP for UserURLs), the shared rate state and the
// clock. It returns the options too, their logger scoped with
// "source"=p.Name, for the Source to keep.
func New(p Platform, opts []sources.Option) (*Client, sources.Options) {
	o := sources.ApplyOptions(opts)
	o.Log = o.Log.With("source", p.Name)
	if p.Timeout == 0 {
		p.Timeout = DefaultTimeout
	}
	if p.UserAgent == "" {
		p.UserAgent = UserAgent
	}
	c := &Client{Source: p.Name, Rate: o.Rate, RateKey: p.RateKey, Now: o.Now, Timeout: p.Timeout, MaxBody: p.MaxBody}
	if p.UserURLs {
		c.HTTP = NewGuardedHTTP(o.AllowPrivate, p.Timeout, p.MaxBody, p.UserAgent, o.Log, p.Secrets...)
	} else {
		c.HTTP = NewHTTP(p.Timeout, p.MaxBody, p.UserAgent, o.Log, p.Secrets...)
	}
	return c, o
}
