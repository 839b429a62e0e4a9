package api

import (
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/earshothq/earshot/models"
)

// updateMask returns the field paths an update writes (AIP-134): those of
// the updateMask parameter, or, without one (or with an empty one), the
// fields the body gave.
// "*" names every writable field: a full replacement. Paths are checked
// against T, the resource type.
func updateMask[T any](q url.Values, b body) ([]string, error) {
	t := reflect.TypeFor[T]()
	outputOnly := outputOnlyFields[t]
	raw, explicit := q["updateMask"]
	if !explicit || strings.TrimSpace(raw[0]) == "" {
		var paths []string
		for _, p := range b.leaves {
			// An output-only field is ignored whole, its subfields too.
			if root, _, _ := strings.Cut(p, "."); !slices.Contains(outputOnly, root) {
				paths = append(paths, p)
			}
		}
		return paths, nil
	}
	var paths []string
	var errs []models.FieldError
	for _, p := range strings.Split(raw[0], ",") {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			continue
		case p == "*":
			for _, name := range structFields(t).names {
				if !slices.Contains(outputOnly, name) {
					paths = append(paths, name)
				}
			}
			continue
		case slices.Contains(outputOnly, strings.SplitN(p, ".", 2)[0]):
			errs = append(errs, models.FieldError{Field: "updateMask", Description: "names " + p + ", an output-only field"})
			continue
		}
		if d := checkMaskPath(t, p); d != "" {
			errs = append(errs, models.FieldError{Field: "updateMask", Description: d})
			continue
		}
		if !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	if len(errs) > 0 {
		return nil, invalid(errs...)
	}
	return paths, nil
}

// checkMaskPath returns what is wrong with a field path of t, or "".
func checkMaskPath(t reflect.Type, path string) string {
	parts := strings.Split(path, ".")
	for i, part := range parts {
		f, ok := structFields(t).byName[part]
		if !ok && isKinded(t) && i == len(parts)-1 && validSettingName(part) {
			return "" // a field of the resource's kind; the kind validates it
		}
		if !ok {
			return "names " + path + ", which is not a field (paths use the JSON names: input.focus.type)"
		}
		t = f.typ
		if i < len(parts)-1 && t.Kind() != reflect.Struct {
			return "names " + path + ": " + strings.Join(parts[:i+1], ".") + " has no fields to select; name it whole"
		}
	}
	return ""
}

// applyMask copies the fields at paths (checked) from src to dst, both
// pointers to T.
func applyMask(dst, src any, paths []string) {
	d, s := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()
	for _, p := range paths {
		dv, sv := d, s
		setting := false
		for _, part := range strings.Split(p, ".") {
			f, ok := structFields(dv.Type()).byName[part]
			if !ok { // a field of the resource's kind: checkMaskPath let only those through
				copySetting(dv, sv, part)
				setting = true
				break
			}
			dv, sv = dv.FieldByIndex(f.index), sv.FieldByIndex(f.index)
		}
		if !setting {
			dv.Set(sv)
		}
	}
}

// isKinded reports whether t is a resource part with a kind's settings.
func isKinded(t reflect.Type) bool {
	return t == reflect.TypeFor[models.Source]() || t == reflect.TypeFor[models.Connection]()
}

// validSettingName accepts a JSON field name of a kind's settings.
func validSettingName(name string) bool {
	return name != "" && models.ValidToken(name) && !strings.ContainsAny(name, "[]\"")
}

// copySetting copies one kind setting from sv to dv (Source or Connection
// values), removing it from dv when sv does not have it.
func copySetting(dv, sv reflect.Value, key string) {
	ds := dv.FieldByName("Settings").Addr().Interface().(*models.Settings)
	ss := sv.FieldByName("Settings").Interface().(models.Settings)
	if v, ok := ss[key]; ok {
		if *ds == nil {
			*ds = models.Settings{}
		}
		(*ds)[key] = v
		return
	}
	delete(*ds, key)
}

// clearOutputOnly zeroes the output-only fields of v, a pointer to a
// resource: a create ignores them (AIP-203).
func clearOutputOnly(v any) {
	rv := reflect.ValueOf(v).Elem()
	for _, name := range outputOnlyFields[rv.Type()] {
		if f, ok := structFields(rv.Type()).byName[name]; ok {
			rv.FieldByIndex(f.index).SetZero()
		}
	}
}
