package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Settings holds the fields of a resource that belong to its kind (a
// Reddit source's subreddits, a Telegram connection's chatId), as JSON, by
// field name. They sit beside the common fields in the resource's JSON and
// YAML object, so that `source: {type: REDDIT, subreddits: [a]}` reads as it
// always has; the kind that owns them (package sources, package notify)
// decodes and validates them. Package models does not know them: adding a
// platform or a channel changes nothing here.
type Settings map[string]json.RawMessage

// Set stores v, marshalled, under key; a nil v removes the key.
func (s *Settings) Set(key string, v any) {
	if v == nil || reflect.ValueOf(v).Kind() == reflect.Slice && reflect.ValueOf(v).Len() == 0 {
		delete(*s, key)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("models: settings value for %q does not marshal: %v", key, err))
	}
	if *s == nil {
		*s = Settings{}
	}
	(*s)[key] = b
}

// Decode unmarshals the settings into dst, a pointer to the kind's struct
// of settings. An unknown field is an error: the caller (the kind's
// validator) reports it with its path.
func (s Settings) Decode(dst any) error {
	if len(s) == 0 {
		return nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(dst)
}

// Keys returns the settings' field names, sorted.
func (s Settings) Keys() []string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// SettingsOf encodes a kind's settings struct as Settings (tests and
// programs that build resources in Go).
func SettingsOf(v any) Settings {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("models: settings do not marshal: %v", err))
	}
	var s Settings
	if err := json.Unmarshal(b, &s); err != nil {
		panic(fmt.Sprintf("models: settings are not a JSON object: %v", err))
	}
	if len(s) == 0 {
		return nil
	}
	return s
}

// marshalWithSettings writes common (a struct) and settings as one JSON
// object; the common fields win a clash, which validation reports anyway.
func marshalWithSettings(common any, settings Settings) ([]byte, error) {
	b, err := json.Marshal(common)
	if err != nil || len(settings) == 0 {
		return b, err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, err
	}
	for k, v := range settings {
		if _, clash := obj[k]; !clash {
			obj[k] = v
		}
	}
	return json.Marshal(obj)
}

// unmarshalWithSettings reads a JSON object into common (a pointer to a
// struct) and keeps every key common does not name in *settings.
func unmarshalWithSettings(data []byte, common any, settings *Settings) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return err
	}
	known := jsonFieldNames(reflect.TypeOf(common).Elem())
	rest := Settings{}
	for k, v := range obj {
		if !known[k] {
			rest[k] = v
			delete(obj, k)
		}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, common); err != nil {
		return err
	}
	*settings = nil
	if len(rest) > 0 {
		*settings = rest
	}
	return nil
}

// unmarshalYAMLWithSettings is unmarshalWithSettings for a YAML mapping.
// Values of settings are converted to JSON, so the kind decodes them one
// way whatever the file format.
func unmarshalYAMLWithSettings(n *yaml.Node, common any, settings *Settings) error {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return n.Decode(common) // the decoder's own error
	}
	known := yamlFieldNames(reflect.TypeOf(common).Elem())
	kept := &yaml.Node{Kind: yaml.MappingNode, Tag: n.Tag, Line: n.Line, Column: n.Column}
	rest := Settings{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if known[k.Value] || k.Value == "<<" {
			kept.Content = append(kept.Content, k, v)
			continue
		}
		var x any
		if err := v.Decode(&x); err != nil {
			return err
		}
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Errorf("line %d: %s: %w", k.Line, k.Value, err)
		}
		rest[k.Value] = b
	}
	if err := kept.Decode(common); err != nil {
		return err
	}
	*settings = nil
	if len(rest) > 0 {
		*settings = rest
	}
	return nil
}

func jsonFieldNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, _, _ := bytes.Cut([]byte(tag), []byte(","))
		if len(name) == 0 {
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				for k := range jsonFieldNames(f.Type) {
					names[k] = true
				}
				continue
			}
			name = []byte(f.Name)
		}
		names[string(name)] = true
	}
	return names
}

func yamlFieldNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for f := range t.Fields() {
		tag := f.Tag.Get("yaml")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, _, _ := bytes.Cut([]byte(tag), []byte(","))
		if len(name) == 0 {
			name = bytes.ToLower([]byte(f.Name))
		}
		names[string(name)] = true
	}
	return names
}

// DecodeSettings decodes raw into a new value of struct type t (nil: the
// owner takes no settings), field by field, so that every unknown field and
// every value of the wrong JSON type is reported with its path (prefix +
// field). owner names what the settings belong to ("REDDIT source").
func DecodeSettings(raw Settings, t reflect.Type, prefix, owner string) (any, []FieldError) {
	var errs []FieldError
	if t == nil {
		for _, key := range raw.Keys() {
			errs = append(errs, FieldError{Field: prefix + key, Description: "unknown field for a " + owner})
		}
		return nil, errs
	}
	fields := JSONFields(t)
	for _, key := range raw.Keys() {
		if _, ok := fields[key]; !ok {
			msg := "unknown field for a " + owner
			if s := sameName(key, fields); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			errs = append(errs, FieldError{Field: prefix + key, Description: msg})
			continue
		}
		one := Settings{key: raw[key]}
		if err := one.Decode(reflect.New(t).Interface()); err != nil {
			msg := "has the wrong type"
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				msg = "must be " + JSONTypeName(te.Type)
			}
			errs = append(errs, FieldError{Field: prefix + key, Description: msg})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	v := reflect.New(t).Interface()
	if err := raw.Decode(v); err != nil {
		return nil, []FieldError{{Field: strings.TrimSuffix(prefix, "."), Description: "invalid settings"}}
	}
	return v, nil
}

// JSONFields maps the JSON names of struct t's fields to their types.
func JSONFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// sameName returns the field name differs from only in case and
// separators (chat_id for chatId), or "".
func sameName(name string, fields map[string]reflect.Type) string {
	norm := func(s string) string { return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s)) }
	for f := range fields {
		if norm(f) == norm(name) {
			return f
		}
	}
	return ""
}

// JSONTypeName words the JSON type a Go type is read from.
func JSONTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "an object"
}
