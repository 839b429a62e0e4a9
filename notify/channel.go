package notify

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/earshothq/earshot/models"
)

// A Channel delivers events to one type of connection. Send renders the
// event (msg.Body is the event's JSON, the same bytes whatever the
// channel), makes one attempt and reports its outcome: whether it
// succeeded, and when it did not, whether a later attempt may (Retry) and
// when (RetryAfter). The retry schedule, the limits, the records and the
// dead letters are the Handler's, the same for every channel.
type Channel interface {
	Send(ctx context.Context, conn *models.Connection, msg Message) Outcome
}

// ChannelFunc adapts a function to Channel.
type ChannelFunc func(ctx context.Context, conn *models.Connection, msg Message) Outcome

// Send calls f.
func (f ChannelFunc) Send(ctx context.Context, conn *models.Connection, msg Message) Outcome {
	return f(ctx, conn, msg)
}

// ChannelEnv is what every channel is built with: the delivery settings
// and the SSRF-guarded HTTP sender every HTTP-based channel sends through.
type ChannelEnv struct {
	Options SenderOptions
	// HTTP is the guarded sender (one per process, shared by channels).
	HTTP *Sender
}

// A ChannelKind is one type of connection: its connection and notice
// types, its own settings, its validation and its Channel. Its package
// declares it once; package catalog lists it.
type ChannelKind struct {
	// ConnectionType is the connection's `type` ("HTTP_CONNECTION").
	ConnectionType string
	// NoticeType is the `type` of a manager's notice to such a connection
	// ("HTTP_REQUEST").
	NoticeType string
	Doc        string
	// Fields are the common connection fields the kind reads besides
	// nickname, type and the delivery overrides ("url", "method",
	// "headers", "secret"); the others are refused on its connections.
	Fields []string
	// Digests says a notice to such a connection may ask for a digest
	// (the matches of a period in one message) instead of a message per
	// event.
	Digests bool
	// Example is a connection of the kind as the API takes it (the
	// OpenAPI document shows it).
	Example map[string]any
	// RateLimit is the platform's own limit of messages a minute to one
	// target (0: none): the rate limit of such a connection that sets
	// none, when delivery.rate_limit is higher, so that a burst of
	// matches waits its turn here instead of drawing 429s.
	RateLimit int

	settingsType reflect.Type
	validate     func(c *models.Connection, settings any) []models.FieldError
	build        func(env ChannelEnv) Channel
}

// ChannelSpec declares a channel kind whose own connection settings are
// an S (json and yaml tags, the same names); struct{} for none.
type ChannelSpec[S any] struct {
	ConnectionType, NoticeType, Doc string
	Fields                          []string
	Digests                         bool
	Example                         map[string]any
	// RateLimit: see ChannelKind.RateLimit.
	RateLimit int
	// Validate checks a connection of the kind; paths are the
	// connection's ("url", "chatId"). Unknown settings and wrong JSON
	// types are reported before it is called.
	Validate func(c *models.Connection, s *S) []models.FieldError
	New      func(env ChannelEnv) Channel
}

// NewChannelKind turns a ChannelSpec into a ChannelKind.
func NewChannelKind[S any](s ChannelSpec[S]) *ChannelKind {
	k := &ChannelKind{ConnectionType: s.ConnectionType, NoticeType: s.NoticeType, Doc: s.Doc, Fields: s.Fields, Digests: s.Digests, Example: s.Example, RateLimit: s.RateLimit, build: s.New}
	if t := reflect.TypeFor[S](); t.NumField() > 0 {
		k.settingsType = t
	}
	k.validate = func(c *models.Connection, v any) []models.FieldError {
		if s.Validate == nil {
			return nil
		}
		if v == nil {
			v = new(S)
		}
		return s.Validate(c, v.(*S))
	}
	return k
}

// Build returns the kind's Channel (the Service builds each kind once;
// tests build one alone).
func (k *ChannelKind) Build(env ChannelEnv) Channel { return k.build(env) }

// SettingsType is the struct of the kind's own connection settings, nil
// when it has none.
func (k *ChannelKind) SettingsType() reflect.Type { return k.settingsType }

// Validate checks the kind's part of a connection.
func (k *ChannelKind) Validate(c *models.Connection) []models.FieldError {
	var errs []models.FieldError
	given := map[string]bool{"url": c.URL != "", "method": c.Method != "" && c.Method != "POST", "headers": len(c.Headers) > 0}
	for _, f := range []string{"url", "method", "headers"} {
		if given[f] && !containsString(k.Fields, f) {
			errs = append(errs, models.FieldError{Field: f, Description: "a " + k.ConnectionType + " takes no " + f})
		}
	}
	settings, ferrs := models.DecodeSettings(c.Settings, k.settingsType, "", k.ConnectionType)
	errs = append(errs, ferrs...)
	if len(ferrs) > 0 {
		return errs
	}
	return append(errs, k.validate(c, settings)...)
}

// Channels is the set of channel kinds Earshot is built with.
type Channels struct {
	list     []*ChannelKind
	byConn   map[string]*ChannelKind
	byNotice map[string]*ChannelKind
}

// NewChannels returns the set; a type registered twice panics at start.
func NewChannels(kinds ...*ChannelKind) *Channels {
	cs := &Channels{byConn: map[string]*ChannelKind{}, byNotice: map[string]*ChannelKind{}}
	for _, k := range kinds {
		if cs.byConn[k.ConnectionType] != nil || cs.byNotice[k.NoticeType] != nil {
			panic("notify: channel " + k.ConnectionType + " registered twice")
		}
		cs.byConn[k.ConnectionType], cs.byNotice[k.NoticeType] = k, k
		cs.list = append(cs.list, k)
	}
	return cs
}

// All returns the kinds in registration order.
func (cs *Channels) All() []*ChannelKind { return cs.list }

// ForConnection returns the kind of a connection type, or nil.
func (cs *Channels) ForConnection(typ string) *ChannelKind { return cs.byConn[typ] }

// ForNotice returns the kind of a notice type, or nil.
func (cs *Channels) ForNotice(typ string) *ChannelKind { return cs.byNotice[typ] }

// ConnectionTypes and NoticeTypes list the types, in registration order.
func (cs *Channels) ConnectionTypes() []string {
	out := make([]string, len(cs.list))
	for i, k := range cs.list {
		out[i] = k.ConnectionType
	}
	return out
}

func (cs *Channels) NoticeTypes() []string {
	out := make([]string, len(cs.list))
	for i, k := range cs.list {
		out[i] = k.NoticeType
	}
	return out
}

// ValidateConnection checks a connection: the common fields, then its
// kind's.
func (cs *Channels) ValidateConnection(c *models.Connection) []models.FieldError {
	errs := c.Validate()
	k := cs.ForConnection(c.Type)
	if k == nil {
		return append(errs, models.FieldError{Field: "type", Description: "must be one of " + strings.Join(cs.ConnectionTypes(), ", ")})
	}
	return append(errs, k.Validate(c)...)
}

// ValidateNotice checks a notice's type, and, when the connection it names
// is known (conn non-nil), that the two agree.
func (cs *Channels) ValidateNotice(path string, n models.Notice, conn *models.Connection) []models.FieldError {
	k := cs.ForNotice(n.Type)
	if k == nil {
		return []models.FieldError{{Field: path + ".type", Description: "must be one of " + strings.Join(cs.NoticeTypes(), ", ")}}
	}
	if conn != nil && conn.Type != k.ConnectionType {
		return []models.FieldError{{Field: path + ".type", Description: fmt.Sprintf("a %s notice needs a %s, and this connection is a %s", k.NoticeType, k.ConnectionType, conn.Type)}}
	}
	if n.Digest != nil && !k.Digests {
		var with []string
		for _, o := range cs.list {
			if o.Digests {
				with = append(with, o.NoticeType)
			}
		}
		return []models.FieldError{{Field: path + ".digest", Description: fmt.Sprintf("a %s notice sends each event; digests are offered by %s", k.NoticeType, strings.Join(with, ", "))}}
	}
	return nil
}

// built is the Channel of each kind, made once per process.
type built map[string]Channel

func (cs *Channels) build(env ChannelEnv) built {
	out := built{}
	for _, k := range cs.list {
		out[k.ConnectionType] = k.build(env)
	}
	return out
}

// send makes one attempt through the channel of conn's type.
func (b built) send(ctx context.Context, conn *models.Connection, msg Message) Outcome {
	ch := b[conn.Type]
	if ch == nil {
		return Outcome{Err: fmt.Errorf("notify: no channel for connection type %q", conn.Type)}
	}
	return ch.Send(ctx, conn, msg)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
