package console

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/models"
)

// The source part of the monitor form is built from the source kinds'
// registrations, not written per platform: each kind gets a fieldset of
// its own settings (from its settings struct) and of its includes, shown
// when it is the chosen source.type. A kind added to the catalog appears
// in the form by itself.

// sourceKindForm is one kind's part of the form.
type sourceKindForm struct {
	Type     string
	Doc      string
	Selected bool
	Fields   []settingField
	Includes []includeBox
}

// settingField is one of a kind's own source fields.
type settingField struct {
	// Name is the field's path in the manager (source.subreddits).
	Name  string
	Label string
	// Kind is how the form reads it: text, list, number or bool.
	Kind  string
	Value string
	Check bool
}

// ID is the HTML id of the field's input; Kind's type makes it unique.
func (f settingField) ID(kind string) string {
	return "f-" + strings.ToLower(kind) + "-" + f.Name[len("source."):]
}

type includeBox struct {
	Value   string
	Checked bool
}

func sourceKindForms(m *models.Manager) []sourceKindForm {
	var out []sourceKindForm
	for _, k := range catalog.Sources.All() {
		sel := k.Type == m.Source.Type
		f := sourceKindForm{Type: k.Type, Doc: k.Doc, Selected: sel}
		for _, inc := range k.Includes {
			f.Includes = append(f.Includes, includeBox{Value: inc, Checked: sel && slices.Contains(m.Source.Include, inc)})
		}
		if t := k.SettingsType(); t != nil {
			f.Fields = settingFields(t, m.Source.Settings, sel)
		}
		out = append(out, f)
	}
	return out
}

func settingFields(t reflect.Type, values models.Settings, selected bool) []settingField {
	var out []settingField
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "-" || name == "" {
			continue
		}
		f := settingField{Name: "source." + name, Label: label(name), Kind: "text"}
		raw := json.RawMessage(nil)
		if selected {
			raw = values[name]
		}
		switch sf.Type.Kind() {
		case reflect.Slice:
			f.Kind = "list"
			var l []string
			_ = json.Unmarshal(raw, &l)
			f.Value = strings.Join(l, "\n")
		case reflect.Bool:
			f.Kind = "bool"
			_ = json.Unmarshal(raw, &f.Check)
		case reflect.Int, reflect.Int64, reflect.Float64:
			f.Kind = "number"
			if len(raw) > 0 {
				f.Value = string(raw)
			}
		default:
			var v string
			_ = json.Unmarshal(raw, &v)
			f.Value = v
		}
		out = append(out, f)
	}
	return out
}

// label turns a JSON name into words: maxResults → Max results.
func label(name string) string {
	var b strings.Builder
	for i, r := range name {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte(' ')
			r = unicode.ToLower(r)
		} else if i == 0 {
			r = unicode.ToUpper(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
