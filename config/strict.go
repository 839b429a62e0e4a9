package config

import (
	"encoding"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/models"
)

// The strict pass walks the YAML tree beside the Go types it will be decoded
// into, before anything is decoded. yaml.v3's own KnownFields mode stops at
// the first unknown key and its type errors carry neither the field's path
// nor a clean message (they quote the value, which may be a secret); this
// pass reports every problem with its line and path, interpolates ${VAR} in
// the scalars it meets, and blanks every value it refuses (see blank), so
// that the decode which follows cannot fail on it.

var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	yamlUnmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	durationType        = reflect.TypeFor[models.Duration]()
	stdDurationType     = reflect.TypeFor[time.Duration]()
)

// checkKey remembers what has been checked, so that a node shared through an
// alias is checked (and reported) once per type, and a document of nested
// aliases cannot make the walk exponential.
type checkKey struct {
	node *yaml.Node
	typ  reflect.Type
}

// check checks n against t. path is n's field path and line the line a
// problem with n as a whole is reported at (its key's line).
func (p *parser) check(n *yaml.Node, t reflect.Type, path string, line int) {
	n = deref(n)
	if n == nil {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.ScalarNode {
		p.interpolate(n, t, path)
	}
	if n.ShortTag() == "!!null" {
		return // null leaves the field at its default, whatever its type
	}
	k := checkKey{n, t}
	if p.checked[k] {
		return
	}
	p.checked[k] = true

	switch {
	case t == sourcesConfigType:
		p.checkFields(n, path, line, sectionFields(), true)
		return
	case t == sourceType || t == connectionType:
		fields, known := kindFields(t, n)
		p.kinded = t // for this mapping's own keys only: checkFields takes it
		p.checkFields(n, path, line, fields, known)
		return
	case reflect.PointerTo(t).Implements(yamlUnmarshalerType):
		p.checkDecode(n, t, path, line, "a valid value")
		return
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		p.checkText(n, t, path, line)
		return
	}
	if t == stdDurationType {
		// yaml.v3 reads a time.Duration from a duration string.
		p.checkDecode(n, t, path, line, "a duration such as 90s, 15m or 24h")
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		p.checkStruct(n, t, path, line)
	case reflect.Map:
		p.checkMap(n, t, path, line)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			p.refuse(n, t, path, line, "must be a list")
			return
		}
		for i, item := range n.Content {
			ip := indexPath(path, i)
			p.check(item, t.Elem(), ip, item.Line)
			// yaml.v3 drops a list item it cannot decode, null included,
			// which would shift every later index: the problems' paths and
			// the managers' second decode both count on them.
			if v := deref(item); v.ShortTag() == "!!null" {
				if !p.isBroken(ip) {
					p.problem(item.Line, ip, "must not be empty")
					p.breakPath(ip)
				}
				blank(v, t.Elem())
			}
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			p.refuse(n, t, path, line, "must be a string")
		}
	case reflect.Bool:
		p.checkDecode(n, t, path, line, "true or false")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		// yaml.v3 would truncate 2.5 into 2; a count is written as one.
		if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!int" {
			p.refuse(n, t, path, line, "must be an integer")
			return
		}
		p.checkDecode(n, t, path, line, "an integer")
	case reflect.Float32, reflect.Float64:
		var f float64
		if err := n.Decode(&f); err != nil {
			p.refuse(n, t, path, line, "must be a number")
		} else if math.IsNaN(f) || math.IsInf(f, 0) {
			p.refuse(n, t, path, line, "must be a finite number")
		}
	}
}

var (
	sourcesConfigType = reflect.TypeFor[SourcesConfig]()
	sourceType        = reflect.TypeFor[models.Source]()
	connectionType    = reflect.TypeFor[models.Connection]()
)

// sectionFields are the keys of `sources:`: each source kind's section.
func sectionFields() map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for _, k := range catalog.Sources.All() {
		if k.Section != "" && k.ConfigType() != nil {
			fields[k.Section] = k.ConfigType()
		}
	}
	fields[allowPrivateTargetsKey] = reflect.TypeFor[bool]()
	return fields
}

// kindFields are the keys of a source or connection: the common fields and
// those of the kind its `type` names. known is false when the type names
// no kind: the validator says so, and its other keys are not guessed at.
func kindFields(t reflect.Type, n *yaml.Node) (fields map[string]reflect.Type, known bool) {
	fields = yamlFields(t)
	if n.Kind != yaml.MappingNode {
		return fields, true
	}
	typ := ""
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "type" {
			typ = deref(n.Content[i+1]).Value
		}
	}
	st := catalog.SettingsType(t, typ)
	if st == nil {
		if t == connectionType && typ == "" {
			typ = models.ConnectionTypeHTTP // the default type
			st = catalog.SettingsType(t, typ)
		}
		if st == nil {
			return fields, catalog.SettingsType(t, typ) != nil || knownType(t, typ)
		}
	}
	for k, v := range yamlFields(st) {
		if _, clash := fields[k]; !clash {
			fields[k] = v
		}
	}
	return fields, true
}

func knownType(t reflect.Type, typ string) bool {
	if t == sourceType {
		return catalog.Sources.Get(typ) != nil
	}
	return catalog.Channels.ForConnection(typ) != nil
}

// checkStruct reports unknown and duplicate keys and checks each field.
func (p *parser) checkStruct(n *yaml.Node, t reflect.Type, path string, line int) {
	p.checkFields(n, path, line, yamlFields(t), true)
}

// checkFields checks a mapping whose keys are fields. Unknown keys are
// reported when reportUnknown is set, and dropped from n either way, so
// that the decode does not keep them as a kind's settings.
func (p *parser) checkFields(n *yaml.Node, path string, line int, fields map[string]reflect.Type, reportUnknown bool) {
	if n.Kind != yaml.MappingNode {
		p.refuse(n, reflect.TypeFor[struct{}](), path, line, "must be a mapping of keys to values")
		return
	}
	kinded := p.kinded
	p.kinded = nil
	unknown := map[*yaml.Node]bool{}
	defer func() {
		if len(unknown) == 0 || !reportUnknown {
			return
		}
		kept := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !unknown[n.Content[i]] {
				kept = append(kept, n.Content[i], n.Content[i+1])
			}
		}
		n.Content = kept
	}()
	p.eachPair(n, path, false, func(k, v *yaml.Node) {
		f, ok := fields[k.Value]
		if !ok {
			if !reportUnknown {
				return
			}
			unknown[k] = true
			names := make([]string, 0, len(fields))
			for name := range fields {
				names = append(names, name)
			}
			msg := fmt.Sprintf("unknown field %q", k.Value)
			if owners := catalog.OwnersOf(kinded, k.Value); kinded != nil && len(owners) > 0 {
				what := "source"
				if kinded == connectionType {
					what = "connection"
				}
				msg = fmt.Sprintf("only a %s %s takes %s", strings.Join(owners, " or "), what, k.Value)
			} else if s := suggest(k.Value, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			p.problem(k.Line, fieldPath(path, k.Value), msg)
			return
		}
		p.check(v, f, fieldPath(path, k.Value), k.Line)
	})
}

// checkMap checks a map with string keys (headers).
func (p *parser) checkMap(n *yaml.Node, t reflect.Type, path string, line int) {
	if n.Kind != yaml.MappingNode {
		p.refuse(n, t, path, line, "must be a mapping of keys to values")
		return
	}
	p.eachPair(n, path, true, func(k, v *yaml.Node) {
		p.check(v, t.Elem(), keyPath(path, k.Value), k.Line)
	})
}

// eachPair calls visit for every key of mapping n and for every key merged
// in with << that n does not set itself. Duplicate keys are reported and
// dropped from n, keeping the first, so that the decode does not fail on
// them.
func (p *parser) eachPair(n *yaml.Node, path string, isMap bool, visit func(k, v *yaml.Node)) {
	pathOf := func(key string) string {
		if isMap {
			return keyPath(path, key)
		}
		return fieldPath(path, key)
	}
	seen := make(map[string]*yaml.Node)
	kept := make([]*yaml.Node, 0, len(n.Content))
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case isMergeKey(k):
			merges = append(merges, v)
		case k.Kind != yaml.ScalarNode || k.ShortTag() == "!!null":
			p.problem(k.Line, path, "keys must be strings")
			continue
		case seen[k.Value] != nil:
			p.problem(k.Line, pathOf(k.Value), fmt.Sprintf("duplicate key %q (first at line %d)", k.Value, seen[k.Value].Line))
			continue
		default:
			seen[k.Value] = k
			visit(k, v)
		}
		kept = append(kept, k, v)
	}
	n.Content = kept
	for _, m := range merges {
		for _, src := range mergeSources(m) {
			if src.Kind != yaml.MappingNode {
				p.problem(m.Line, path, "<< must merge a mapping or a list of mappings")
				p.breakPath(path)
				continue
			}
			for i := 0; i+1 < len(src.Content); i += 2 {
				k := src.Content[i]
				if k.Kind != yaml.ScalarNode || isMergeKey(k) || seen[k.Value] != nil {
					continue // nested merges were flattened when src itself was checked
				}
				seen[k.Value] = k
				visit(k, src.Content[i+1])
			}
		}
	}
}

// checkText checks a scalar read with UnmarshalText (durations).
func (p *parser) checkText(n *yaml.Node, t reflect.Type, path string, line int) {
	what := "a valid value"
	if t == durationType {
		what = "a duration such as 90s, 15m or 24h"
	}
	if n.Kind != yaml.ScalarNode {
		p.refuse(n, t, path, line, "must be "+what)
		return
	}
	err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value))
	if err == nil {
		return
	}
	msg := err.Error()
	if vars := p.env[n]; len(vars) > 0 {
		// The unmarshaler's message quotes the value.
		msg = fmt.Sprintf("must be %s; the value of %s is not", what, strings.Join(vars, ", "))
	}
	p.problem(line, path, msg)
	p.breakPath(path)
	blank(n, t)
}

// checkDecode lets yaml.v3 decode a scalar into a fresh value of type t, so
// that what is accepted here is exactly what the real decode accepts.
func (p *parser) checkDecode(n *yaml.Node, t reflect.Type, path string, line int, what string) {
	if err := n.Decode(reflect.New(t).Interface()); err != nil {
		p.refuse(n, t, path, line, "must be "+what)
	}
}

// refuse reports that n is not what path takes, saying what it is instead,
// and blanks it so that the decode leaves the field at its zero value.
func (p *parser) refuse(n *yaml.Node, t reflect.Type, path string, line int, msg string) {
	switch {
	case n.Kind == yaml.MappingNode:
		msg += ", not a mapping"
	case n.Kind == yaml.SequenceNode:
		msg += ", not a list"
	case len(p.env[n]) > 0:
		msg += fmt.Sprintf("; the value of %s is not", strings.Join(p.env[n], ", "))
	default:
		msg += fmt.Sprintf(", not %q", n.Value)
	}
	p.problem(line, path, msg)
	p.breakPath(path)
	blank(n, t)
}

// interpolate expands ${VAR} in a scalar value, once. t is the type the
// value is decoded into.
func (p *parser) interpolate(n *yaml.Node, t reflect.Type, path string) {
	if p.interpolated[n] {
		return
	}
	p.interpolated[n] = true
	x := expand(n.Value, p.lookupEnv)
	for _, msg := range x.problems {
		p.problem(n.Line, path, msg)
		p.breakPath(path)
	}
	if !x.changed {
		return
	}
	n.Value = x.value
	// The value's type comes from the field it fills, not from the quotes
	// around the reference: those are often there only because a flow
	// mapping needs them ({minScore: "${MIN_SCORE}"}). So a string field
	// keeps the text as it is (even "null" or "0x10"), and any other field
	// reads it as if it had been written plain, so that `enable: "${ENABLE}"`
	// is a boolean. An explicit tag is the author's and stays.
	if n.Style&yaml.TaggedStyle == 0 {
		if t.Kind() == reflect.String {
			n.Tag = "!!str"
		} else {
			n.Tag = ""
			n.Style &^= yaml.SingleQuotedStyle | yaml.DoubleQuotedStyle | yaml.LiteralStyle | yaml.FoldedStyle
		}
	}
	if len(x.vars) > 0 {
		p.env[n] = x.vars
		p.secrets = append(p.secrets, x.values...)
	}
}

// blank turns a refused node, in place, into one that decodes into the zero
// value of t. Null would do for a field, but not for a list item (see
// check).
func blank(n *yaml.Node, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	z := yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}
	if m, ok := reflect.Zero(t).Interface().(encoding.TextMarshaler); ok {
		text, _ := m.MarshalText()
		z.Tag, z.Value = "!!str", string(text)
	} else {
		switch t.Kind() {
		case reflect.Struct, reflect.Map:
			z.Kind, z.Tag = yaml.MappingNode, "!!map"
		case reflect.String:
			z.Tag = "!!str"
		case reflect.Bool:
			z.Tag, z.Value = "!!bool", "false"
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			z.Tag, z.Value = "!!int", "0"
		case reflect.Float32, reflect.Float64:
			z.Tag, z.Value = "!!float", "0"
		}
	}
	*n = z
}

// yamlFields returns the YAML keys of struct type t and their types, by the
// rules of yaml.v3: the tag's name, or the lowercased field name; "-"
// skipped; ",inline" fields flattened. Embedded structs without a tag are
// flattened too (models.Meta), as encoding/json does, since the resources
// share their schema with the API.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type)
	for f := range t.Fields() {
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		inline := slices.Contains(strings.Split(opts, ","), "inline") || f.Anonymous && tag == ""
		if inline && f.Type.Kind() == reflect.Struct {
			for k, v := range yamlFields(f.Type) {
				fields[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f.Type
	}
	return fields
}

// suggest returns the candidate name is most likely a misspelling of, or "".
// A different spelling convention (min_score for minScore) always matches;
// otherwise one edit is allowed in a short name and two in a longer one.
func suggest(name string, candidates []string) string {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
	}
	slices.Sort(candidates) // a stable answer among equally close names
	for _, c := range candidates {
		if norm(c) == norm(name) {
			return c
		}
	}
	best, bestDist := "", 3
	if len(name) <= 4 {
		bestDist = 2
	}
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(name), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: Levenshtein with
// the swap of two neighbouring letters counted as one edit, the commonest
// typo.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
