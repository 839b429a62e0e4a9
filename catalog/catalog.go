// Package catalog is the one registration list of Earshot's extension
// points: the source kinds it reads, the channel kinds it delivers
// through (the focus kinds are the matcher's own), and the one validator of
// a manager, which asks each of them. Adding a platform or a channel is
// its package plus one line here.
package catalog

import (
	"reflect"
	"slices"
	"strconv"

	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/notify/discord"
	"github.com/earshothq/earshot/notify/email"
	"github.com/earshothq/earshot/notify/slack"
	"github.com/earshothq/earshot/notify/telegram"
	"github.com/earshothq/earshot/sources"
	"github.com/earshothq/earshot/sources/bluesky"
	"github.com/earshothq/earshot/sources/facebook"
	"github.com/earshothq/earshot/sources/github"
	"github.com/earshothq/earshot/sources/hackernews"
	"github.com/earshothq/earshot/sources/ingest"
	"github.com/earshothq/earshot/sources/mastodon"
	"github.com/earshothq/earshot/sources/reddit"
	"github.com/earshothq/earshot/sources/rss"
	"github.com/earshothq/earshot/sources/stackexchange"
	"github.com/earshothq/earshot/sources/twitter"
	"github.com/earshothq/earshot/sources/youtube"
)

// Sources are the source kinds, in documentation order.
var Sources = sources.NewKinds(
	reddit.Kind,
	twitter.Kind,
	facebook.Kind,
	hackernews.Kind,
	bluesky.Kind,
	mastodon.Kind,
	rss.Kind,
	youtube.Kind,
	github.Kind,
	stackexchange.Kind,
	ingest.Kind,
)

// Channels are the channel kinds, in documentation order.
var Channels = notify.NewChannels(
	notify.Webhook,
	slack.Kind,
	discord.Kind,
	telegram.Kind,
	email.Kind,
)

// ValidateManager is the one validator of a manager: its common fields,
// its source kind's, the matcher's (it compiles the manager exactly as
// matching will) and each notice's channel. connections, when not nil,
// finds the connection a notice names so that the two types can be
// checked against each other (nil when not found). The configuration, the
// API and the server all call this, so a manager one of them accepts
// every other accepts, and it never silently matches nothing.
func ValidateManager(m *models.Manager, connections func(name string) *models.Connection) []models.FieldError {
	errs := m.Validate()
	errs = append(errs, Sources.Validate(m)...)
	errs = append(errs, matcher.Validate(m)...)
	for i, n := range m.Notices {
		if n.Type == "" {
			continue // reported by m.Validate
		}
		var conn *models.Connection
		if connections != nil && n.Connection != "" {
			conn = connections(n.Connection)
		}
		errs = append(errs, Channels.ValidateNotice(noticePath(i), n, conn)...)
	}
	return dedupe(errs)
}

// ValidateConnection is the one validator of a connection.
func ValidateConnection(c *models.Connection) []models.FieldError {
	return Channels.ValidateConnection(c)
}

// Pushed reports whether a manager's posts are pushed to it (never polled).
func Pushed(m *models.Manager) bool {
	k := Sources.Get(m.Source.Type)
	return k != nil && k.Pushed
}

// SettingsType returns the struct of the kind-specific fields of a source
// or connection of the given type (nil when it has none or the type is
// unknown): the strict decoders of the configuration and the API check the
// fields of a resource with it, as if they were the resource's own.
func SettingsType(resource reflect.Type, typ string) reflect.Type {
	switch resource {
	case reflect.TypeFor[models.Source]():
		if k := Sources.Get(typ); k != nil {
			return k.SettingsType()
		}
	case reflect.TypeFor[models.Connection]():
		if k := Channels.ForConnection(typ); k != nil {
			return k.SettingsType()
		}
	}
	return nil
}

func noticePath(i int) string { return "notices[" + strconv.Itoa(i) + "]" }

// dedupe keeps the first problem of each field: two validators that look
// at one field ("must not be empty", then "matches nothing") say one thing.
func dedupe(errs []models.FieldError) []models.FieldError {
	out := errs[:0]
	for i, e := range errs {
		if !slices.ContainsFunc(errs[:i], func(o models.FieldError) bool { return o.Field == e.Field }) {
			out = append(out, e)
		}
	}
	return out
}

// OwnersOf returns the types of the kinds of a source or connection that
// take a field of their own named field: a field refused on one kind is
// most likely copied from one of these.
func OwnersOf(resource reflect.Type, field string) []string {
	var out []string
	has := func(st reflect.Type) bool {
		if st == nil {
			return false
		}
		_, ok := models.JSONFields(st)[field]
		return ok
	}
	switch resource {
	case reflect.TypeFor[models.Source]():
		for _, k := range Sources.All() {
			if has(k.SettingsType()) {
				out = append(out, k.Type)
			}
		}
	case reflect.TypeFor[models.Connection]():
		for _, k := range Channels.All() {
			if has(k.SettingsType()) {
				out = append(out, k.ConnectionType)
			}
		}
	}
	return out
}
