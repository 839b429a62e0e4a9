package sources

import (
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/earshothq/earshot/models"
)

// A Kind is one platform Earshot reads: everything the rest of Earshot
// knows of it. Its package declares it once (reddit.Kind, …) and package
// catalog lists it; models, config, the API, its OpenAPI document and the
// server ask the kind instead of naming the platform.
type Kind struct {
	// Type is the manager's `source.type` ("REDDIT").
	Type string
	// Section is the operator settings' key under `sources:` ("reddit");
	// "" when the kind has none.
	Section string
	// Doc is a sentence for the OpenAPI document and `earshot` help.
	Doc string
	// PostTypes are the `post.type` values it produces.
	PostTypes []string
	// Includes are the allowed `source.include` values; nil when the kind
	// takes no include.
	Includes []string
	// Pushed kinds are never polled: their posts arrive through
	// POST …/posts:ingest.
	Pushed bool

	settingsType reflect.Type // struct of the manager-level settings; nil: none
	configType   reflect.Type // struct of the operator settings; nil: none
	validate     func(m *models.Manager, settings any) []models.FieldError
	defaults     func(cfg any)
	check        func(cfg any) []models.FieldError
	build        func(cfg any, env Env) Source
}

// Env is what every source is built with.
type Env struct {
	Log  *slog.Logger
	Rate RateState
	// AllowPrivateTargets lets URLs that users give (a feed, a Mastodon
	// instance) reach loopback, private and link-local addresses
	// (`sources.allow_private_targets`; local development and tests).
	AllowPrivateTargets bool
}

// Spec declares a kind whose manager-level settings are an S (a struct
// with json and yaml tags, the same names in both) and whose operator
// settings are a C (yaml tags). Use struct{} for either when there is none.
type Spec[S, C any] struct {
	Type, Section, Doc  string
	PostTypes, Includes []string
	Pushed              bool
	// Validate checks a manager of this kind; paths are the manager's
	// ("source.subreddits[0]"). Unknown settings, wrong JSON types and
	// include values are checked before it is called.
	Validate func(m *models.Manager, s *S) []models.FieldError
	// Defaults fills the operator settings left out. It is applied once,
	// by the Kind, before Check and New.
	Defaults func(c *C)
	// Check validates the operator settings, defaults applied; paths are
	// relative to the section ("base_url").
	Check func(c *C) []models.FieldError
	// New builds the kind's Source, defaults applied.
	New func(c C, env Env) Source
}

// NewKind turns a Spec into a Kind.
func NewKind[S, C any](s Spec[S, C]) *Kind {
	k := &Kind{
		Type: s.Type, Section: s.Section, Doc: s.Doc,
		PostTypes: s.PostTypes, Includes: s.Includes, Pushed: s.Pushed,
	}
	if t := reflect.TypeFor[S](); t.NumField() > 0 {
		k.settingsType = t
	}
	if t := reflect.TypeFor[C](); t.NumField() > 0 {
		k.configType = t
	}
	k.validate = func(m *models.Manager, v any) []models.FieldError {
		if s.Validate == nil {
			return nil
		}
		return s.Validate(m, v.(*S))
	}
	k.defaults = func(cfg any) {
		if s.Defaults != nil {
			s.Defaults(cfg.(*C))
		}
	}
	k.check = func(cfg any) []models.FieldError {
		if s.Check == nil {
			return nil
		}
		return s.Check(cfg.(*C))
	}
	k.build = func(cfg any, env Env) Source {
		if s.New == nil {
			return nil
		}
		return s.New(*cfg.(*C), env)
	}
	return k
}

// SettingsType is the struct of the kind's manager-level settings, nil
// when it takes none.
func (k *Kind) SettingsType() reflect.Type { return k.settingsType }

// ConfigType is the struct of the kind's operator settings, nil when it
// has none.
func (k *Kind) ConfigType() reflect.Type { return k.configType }

// NewConfig returns a pointer to new operator settings of the kind (nil
// when it has none).
func (k *Kind) NewConfig() any {
	if k.configType == nil {
		return nil
	}
	return reflect.New(k.configType).Interface()
}

// Configure applies the defaults to cfg (from NewConfig; nil for none) and
// checks it. It returns cfg, or fresh defaults when cfg is nil.
func (k *Kind) Configure(cfg any) (any, []models.FieldError) {
	if k.configType == nil {
		return nil, nil
	}
	if cfg == nil {
		cfg = k.NewConfig()
	}
	k.defaults(cfg)
	return cfg, k.check(cfg)
}

// New builds the kind's Source from cfg (as Configure returned it).
func (k *Kind) New(cfg any, env Env) Source {
	if env.Log == nil {
		env.Log = slog.Default()
	}
	if env.Rate == nil {
		env.Rate = &MemoryRateState{}
	}
	if k.configType != nil && cfg == nil {
		cfg, _ = k.Configure(nil)
	}
	if k.configType == nil {
		cfg = new(struct{})
	}
	return k.build(cfg, env)
}

// Validate checks the kind's part of a manager: its settings, include and
// whatever the kind's own validator says.
func (k *Kind) Validate(m *models.Manager) []models.FieldError {
	var errs []models.FieldError
	add := func(field, msg string) { errs = append(errs, models.FieldError{Field: field, Description: msg}) }
	if len(m.Source.Include) > 0 && len(k.Includes) == 0 {
		add("source.include", "a "+k.Type+" source takes no include")
	} else {
		for i, inc := range m.Source.Include {
			if !slices.Contains(k.Includes, inc) {
				add("source.include["+strconv.Itoa(i)+"]", "must be one of "+strings.Join(k.Includes, ", "))
			}
		}
	}
	settings, ferrs := k.decodeSettings(m.Source.Settings)
	errs = append(errs, ferrs...)
	if len(ferrs) > 0 {
		return errs
	}
	return append(errs, k.validate(m, settings)...)
}

// decodeSettings decodes the settings strictly, every problem with its path.
func (k *Kind) decodeSettings(raw models.Settings) (any, []models.FieldError) {
	return models.DecodeSettings(raw, k.settingsType, "source.", k.Type+" source")
}

// Settings decodes the kind's settings of m into an S; a manager that
// passed Validate always decodes.
func Settings[S any](m *models.Manager) (*S, error) {
	s := new(S)
	if err := m.Source.Settings.Decode(s); err != nil {
		return nil, fmt.Errorf("sources: settings of %s source: %w", m.Source.Type, err)
	}
	return s, nil
}

// Kinds is the set of source kinds Earshot is built with.
type Kinds struct {
	list   []*Kind
	byType map[string]*Kind
}

// NewKinds returns the set of kinds; two kinds of one type, or one
// section, panic at start.
func NewKinds(kinds ...*Kind) *Kinds {
	ks := &Kinds{byType: map[string]*Kind{}}
	sections := map[string]bool{}
	for _, k := range kinds {
		if ks.byType[k.Type] != nil || k.Section != "" && sections[k.Section] {
			panic("sources: kind " + k.Type + " registered twice")
		}
		ks.byType[k.Type] = k
		sections[k.Section] = k.Section != ""
		ks.list = append(ks.list, k)
	}
	return ks
}

// All returns the kinds in registration (documentation) order.
func (ks *Kinds) All() []*Kind { return ks.list }

// Get returns the kind of a source type, or nil.
func (ks *Kinds) Get(typ string) *Kind { return ks.byType[typ] }

// Types returns every source type, in documentation order.
func (ks *Kinds) Types() []string {
	out := make([]string, len(ks.list))
	for i, k := range ks.list {
		out[i] = k.Type
	}
	return out
}

// PostTypes returns every post type of every kind.
func (ks *Kinds) PostTypes() []string {
	var out []string
	for _, k := range ks.list {
		out = append(out, k.PostTypes...)
	}
	return out
}

// Validate checks a manager's source: its type, then the kind's part.
func (ks *Kinds) Validate(m *models.Manager) []models.FieldError {
	k := ks.Get(m.Source.Type)
	if k == nil {
		return []models.FieldError{{Field: "source.type", Description: "must be one of " + strings.Join(ks.Types(), ", ")}}
	}
	errs := k.Validate(m)
	// A field of another kind is most likely a copy-paste from it: say so.
	for i, fe := range errs {
		key, ok := strings.CutPrefix(fe.Field, "source.")
		if !ok || !strings.HasPrefix(fe.Description, "unknown field") {
			continue
		}
		var owners []string
		for _, o := range ks.list {
			if o.settingsType != nil {
				if _, has := models.JSONFields(o.settingsType)[key]; has {
					owners = append(owners, o.Type)
				}
			}
		}
		if len(owners) > 0 {
			errs[i].Description = "only a " + strings.Join(owners, " or ") + " source takes " + key
		}
	}
	return errs
}

// CheckURLs checks operator settings that are URLs, by their field names;
// an empty one is left to the defaults.
func CheckURLs(urls map[string]string) []models.FieldError {
	var errs []models.FieldError
	keys := make([]string, 0, len(urls))
	for k := range urls {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if urls[k] == "" {
			continue
		}
		if msg := models.CheckURL(urls[k]); msg != "" {
			errs = append(errs, models.FieldError{Field: k, Description: msg})
		}
	}
	return errs
}

// NeedsQuery is the rule of the kinds that search a platform: a query of
// the source's own, or the input's keywords to build one from.
func NeedsQuery(m *models.Manager, query string) []models.FieldError {
	if strings.TrimSpace(query) != "" || slices.ContainsFunc(m.Input.Keywords, func(k string) bool { return strings.TrimSpace(k) != "" }) {
		return nil
	}
	return []models.FieldError{{Field: "source.query", Description: "a " + m.Source.Type + " source needs a query, or input.keywords to build one from"}}
}
