package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/models"
)

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 1 << 20

// Request decoding is strict and precise. encoding/json alone stops at the
// first problem and names neither the path of an unknown field nor an
// array index, so a body is first checked against the target type by
// walking it (every problem, each with its field path), and only then
// unmarshalled.

// body is what a decoded request body held.
type body struct {
	// present holds the path of every field the body gave, null or not.
	present map[string]bool
	// null holds the paths given as null.
	null map[string]bool
	// leaves are the paths of the fields the body gave that are not
	// objects of a struct type: the implied field mask of an update
	// (AIP-134) that has none.
	leaves []string
}

// given reports whether the body gave a non-null value at path.
func (b body) given(path string) bool { return b.present[path] && !b.null[path] }

// readBody returns the request body, checking its media type and size.
// An empty body is allowed when optional; it returns nil then.
func readBody(w http.ResponseWriter, r *http.Request, optional bool) ([]byte, *Error) {
	ct := r.Header.Get("Content-Type")
	if ct != "" {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return nil, newError(http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return nil, newError(http.StatusUnsupportedMediaType, "Content-Type charset must be utf-8")
		}
	}
	var b []byte
	if r.Body != nil {
		var err error
		b, err = io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, newError(http.StatusRequestEntityTooLarge, "request body is larger than %d bytes (1 MiB)", MaxBodyBytes)
			}
			return nil, newError(http.StatusBadRequest, "reading the request body failed")
		}
	}
	if len(bytes.TrimSpace(b)) == 0 {
		if optional {
			return nil, nil
		}
		return nil, newError(http.StatusBadRequest, "request body is required: a JSON object")
	}
	if ct == "" {
		return nil, newError(http.StatusUnsupportedMediaType, "Content-Type must be application/json")
	}
	return b, nil
}

// decodeBody reads r's body into dst, a pointer to a struct, strictly.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any, optional bool) (body, *Error) {
	b, e := readBody(w, r, optional)
	if e != nil || b == nil {
		return body{present: map[string]bool{}, null: map[string]bool{}}, e
	}
	return decodeJSON(b, dst)
}

// decodeJSON decodes data into dst, a pointer to a struct, reporting
// every problem with its field path.
func decodeJSON(data []byte, dst any) (body, *Error) {
	out := body{present: map[string]bool{}, null: map[string]bool{}}
	if e := checkSyntax(data); e != nil {
		return out, e
	}
	trimmed := bytes.TrimSpace(data)
	if trimmed[0] != '{' {
		return out, newError(http.StatusBadRequest, "request body must be a JSON object, not %s", jsonKind(trimmed))
	}
	wk := &walker{body: &out}
	wk.walk(trimmed, reflect.TypeOf(dst).Elem(), "")
	if len(wk.errs) > 0 {
		return out, invalid(wk.errs...)
	}
	if err := json.Unmarshal(data, dst); err != nil {
		// The walk accepts only what unmarshals; this is a safety net that
		// still answers precisely.
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return out, invalidField(te.Field, "must be %s", models.JSONTypeName(te.Type))
		}
		return out, newError(http.StatusBadRequest, "invalid request body")
	}
	return out, nil
}

// checkSyntax reports malformed JSON with its byte offset.
func checkSyntax(data []byte) *Error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			// Offset counts the bytes read, the offending one included;
			// the message gives that byte's own (0-based) offset.
			off := se.Offset
			if strings.HasPrefix(se.Error(), "invalid character") {
				off--
			}
			return newError(http.StatusBadRequest, "malformed JSON at byte offset %d: %s", off, strings.TrimPrefix(se.Error(), "json: "))
		case errors.Is(err, io.ErrUnexpectedEOF):
			return newError(http.StatusBadRequest, "malformed JSON at byte offset %d: unexpected end of input", len(data))
		default:
			return newError(http.StatusBadRequest, "malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return newError(http.StatusBadRequest, "malformed JSON at byte offset %d: unexpected data after the top-level value", dec.InputOffset())
	}
	return nil
}

type walker struct {
	body *body
	errs []models.FieldError
}

func (w *walker) fail(path, format string, args ...any) {
	w.errs = append(w.errs, models.FieldError{Field: path, Description: fmt.Sprintf(format, args...)})
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// walk checks raw, one syntactically valid JSON value, against t.
func (w *walker) walk(raw []byte, t reflect.Type, path string) {
	if isKinded(t) && raw[0] == '{' {
		w.walkStruct(raw, kindedFields(t, raw), path)
		return
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		v := reflect.New(t).Interface().(json.Unmarshaler)
		if err := v.UnmarshalJSON(raw); err != nil {
			w.fail(path, "%s", err.Error())
		}
		return
	}
	if raw[0] == 'n' { // null: the field's zero value
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		w.walk(raw, t.Elem(), path)
	case reflect.Struct:
		if raw[0] != '{' {
			w.fail(path, "must be an object, not %s", jsonKind(raw))
			return
		}
		w.walkStruct(raw, structFields(t), path)
	case reflect.Map:
		if raw[0] != '{' {
			w.fail(path, "must be an object, not %s", jsonKind(raw))
			return
		}
		seen := map[string]bool{}
		eachMember(raw, func(key string, v []byte) {
			p := path + "[" + strconv.Quote(key) + "]"
			if seen[key] {
				w.fail(p, "is given twice")
				return
			}
			seen[key] = true
			w.walk(v, t.Elem(), p)
		})
	case reflect.Slice:
		if raw[0] != '[' {
			w.fail(path, "must be an array, not %s", jsonKind(raw))
			return
		}
		i := 0
		eachElement(raw, func(v []byte) {
			w.walk(v, t.Elem(), path+"["+strconv.Itoa(i)+"]")
			i++
		})
	case reflect.String:
		if raw[0] != '"' {
			w.fail(path, "must be a string, not %s", jsonKind(raw))
			return
		}
		// encoding/json would replace invalid UTF-8 (and lone surrogate
		// escapes) with U+FFFD without a word: refuse it instead.
		if !validJSONString(raw) {
			w.fail(path, "must be valid UTF-8 (the string holds invalid bytes or a lone surrogate escape)")
		}
	case reflect.Bool:
		if raw[0] != 't' && raw[0] != 'f' {
			w.fail(path, "must be a boolean (true or false), not %s", jsonKind(raw))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if !isNumber(raw) {
			w.fail(path, "must be an integer, not %s", jsonKind(raw))
			return
		}
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || reflect.Zero(t).OverflowInt(n) {
			w.fail(path, "must be an integer between %d and %d", minInt(t), maxInt(t))
		}
	case reflect.Float32, reflect.Float64:
		if !isNumber(raw) {
			w.fail(path, "must be a number, not %s", jsonKind(raw))
			return
		}
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil || reflect.Zero(t).OverflowFloat(f) {
			w.fail(path, "must be a number within the range of a double")
		}
	case reflect.Interface:
		// Anything goes.
	default:
		w.fail(path, "cannot be set")
	}
}

// walkStruct checks the members of a JSON object against fields.
func (w *walker) walkStruct(raw []byte, fields *fieldSet, path string) {
	seen := map[string]bool{}
	eachMember(raw, func(key string, v []byte) {
		p := joinPath(path, key)
		if seen[key] {
			w.fail(p, "is given twice")
			return
		}
		seen[key] = true
		f, ok := fields.byName[key]
		if !ok && fields.open {
			return
		}
		if !ok {
			if i := slices.IndexFunc(fields.names, func(n string) bool { return strings.EqualFold(n, key) }); i >= 0 {
				w.fail(p, "unknown field; did you mean %q?", fields.names[i])
			} else {
				w.fail(p, "unknown field")
			}
			return
		}
		w.body.present[p] = true
		ft := f.typ
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		isNull := v[0] == 'n'
		if isNull {
			w.body.null[p] = true
		}
		// A member inside a list item is not a leaf: the list is.
		leaf := isNull || ft.Kind() != reflect.Struct || reflect.PointerTo(ft).Implements(unmarshalerType) && !isKinded(ft)
		if leaf && !strings.Contains(p, "[") {
			w.body.leaves = append(w.body.leaves, p)
		}
		w.walk(v, f.typ, p)
	})
}

// kindedFields are the fields of a source or connection: its own and those
// of the kind its "type" member names.
func kindedFields(t reflect.Type, raw []byte) *fieldSet {
	typ := ""
	eachMember(raw, func(key string, v []byte) {
		if key == "type" {
			_ = json.Unmarshal(v, &typ)
		}
	})
	common := structFields(t)
	if typ == "" && t == reflect.TypeFor[models.Connection]() {
		// No type: an update of a connection of any kind, or a new one of
		// the default type. Every channel's fields are read (with their
		// types); validation of the resulting connection refuses those of
		// another kind than its own.
		fs := &fieldSet{byName: maps.Clone(common.byName), names: slices.Clone(common.names)}
		for _, k := range catalog.Channels.All() {
			if st := k.SettingsType(); st != nil {
				for _, name := range structFields(st).names {
					if _, clash := fs.byName[name]; !clash {
						fs.byName[name] = structFields(st).byName[name]
						fs.names = append(fs.names, name)
					}
				}
			}
		}
		return fs
	}
	st := catalog.SettingsType(t, typ)
	if st == nil {
		if catalog.SettingsType(t, typ) == nil && !knownKind(t, typ) {
			// An unknown type: the validator says so; its other members are
			// not guessed at.
			return &fieldSet{byName: common.byName, names: common.names, open: true}
		}
		return common
	}
	fs := &fieldSet{byName: maps.Clone(common.byName), names: slices.Clone(common.names)}
	for _, name := range structFields(st).names {
		if _, clash := fs.byName[name]; !clash {
			fs.byName[name] = structFields(st).byName[name]
			fs.names = append(fs.names, name)
		}
	}
	return fs
}

func knownKind(t reflect.Type, typ string) bool {
	if t == reflect.TypeFor[models.Source]() {
		return catalog.Sources.Get(typ) != nil
	}
	return catalog.Channels.ForConnection(typ) != nil
}

// validJSONString reports whether a JSON string literal is valid UTF-8
// and decodes without replacement characters it does not itself spell
// (a lone surrogate escape such as \ud800 decodes to U+FFFD).
func validJSONString(raw []byte) bool {
	if !utf8.Valid(raw) {
		return false
	}
	if !bytes.Contains(raw, []byte(`\u`)) {
		return true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return false
	}
	spelt := strings.Count(string(raw), "\uFFFD") + bytes.Count(bytes.ToLower(raw), []byte(`\ufffd`))
	return strings.Count(s, "\uFFFD") <= spelt
}

func minInt(t reflect.Type) int64 { return -1 << (t.Bits() - 1) }
func maxInt(t reflect.Type) int64 { return 1<<(t.Bits()-1) - 1 }

func isNumber(raw []byte) bool { return raw[0] == '-' || '0' <= raw[0] && raw[0] <= '9' }

// jsonKind names the kind of a JSON value, with its article.
func jsonKind(raw []byte) string {
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// eachMember calls fn with each member of a JSON object, valid by now.
func eachMember(raw []byte, fn func(key string, v []byte)) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	_, _ = dec.Token() // {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return
		}
		fn(key, bytes.TrimSpace(v))
	}
}

// eachElement calls fn with each element of a JSON array, valid by now.
func eachElement(raw []byte, fn func(v []byte)) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	_, _ = dec.Token() // [
	for dec.More() {
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return
		}
		fn(bytes.TrimSpace(v))
	}
}

type fieldInfo struct {
	typ   reflect.Type
	index []int
}

type fieldSet struct {
	byName map[string]fieldInfo
	names  []string
	// open lets members it does not name through, unchecked.
	open bool
}

var fieldCache sync.Map // reflect.Type → *fieldSet

// structFields returns the JSON fields of a struct type, embedded structs'
// fields promoted, by their exact JSON names.
func structFields(t reflect.Type) *fieldSet {
	if v, ok := fieldCache.Load(t); ok {
		return v.(*fieldSet)
	}
	fs := &fieldSet{byName: map[string]fieldInfo{}}
	var add func(t reflect.Type, index []int)
	// A struct's own fields are added before its embedded structs' ones, so
	// that they shadow them, as in encoding/json.
	add = func(t reflect.Type, index []int) {
		var embedded []int
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || !f.IsExported() && !f.Anonymous {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			idx := append(slices.Clone(index), i)
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				embedded = append(embedded, i)
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, dup := fs.byName[name]; dup {
				continue // the shallower field wins, as in encoding/json
			}
			fs.byName[name] = fieldInfo{typ: f.Type, index: idx}
			fs.names = append(fs.names, name)
		}
		for _, i := range embedded {
			add(t.Field(i).Type, append(slices.Clone(index), i))
		}
	}
	add(t, nil)
	fieldCache.Store(t, fs)
	return fs
}
