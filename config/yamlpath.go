package config

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Field paths name a value the way problems print it: struct fields by their
// key joined with '.', list items by [index], and map keys (header names) as
// ["quoted"], since a key may hold any character: namespaces[0].connections[1].headers["X-Token"].
// models.FieldError uses the same syntax for the paths inside a resource.

func fieldPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func indexPath(parent string, i int) string { return parent + "[" + strconv.Itoa(i) + "]" }

func keyPath(parent, key string) string { return parent + "[" + strconv.Quote(key) + "]" }

// under reports whether path is prefix itself or lies inside it.
func under(path, prefix string) bool {
	if !strings.HasPrefix(path, prefix) {
		return false
	}
	rest := path[len(prefix):]
	return rest == "" || prefix == "" || rest[0] == '.' || rest[0] == '['
}

// segment is one step of a path: a key, or a list index when index >= 0.
type segment struct {
	key   string
	index int
}

// splitPath parses a path; ok is false for a malformed one.
func splitPath(path string) (segs []segment, ok bool) {
	for i := 0; i < len(path); {
		switch path[i] {
		case '.':
			i++
		case '[':
			end := strings.IndexByte(path[i:], ']')
			if i+1 < len(path) && path[i+1] == '"' {
				q, err := strconv.QuotedPrefix(path[i+1:])
				if err != nil {
					return nil, false
				}
				key, _ := strconv.Unquote(q)
				end = i + 1 + len(q)
				if end >= len(path) || path[end] != ']' {
					return nil, false
				}
				segs = append(segs, segment{key: key, index: -1})
				i = end + 1
				continue
			}
			if end < 0 {
				return nil, false
			}
			n, err := strconv.Atoi(path[i+1 : i+end])
			if err != nil || n < 0 {
				return nil, false
			}
			segs = append(segs, segment{index: n})
			i += end + 1
		default:
			end := strings.IndexAny(path[i:], ".[")
			if end < 0 {
				end = len(path) - i
			}
			segs = append(segs, segment{key: path[i : i+end], index: -1})
			i += end
		}
	}
	return segs, true
}

// locate follows path from n as far as the document goes. It returns the
// node reached, whether it is the whole path, and the line to report: a
// field's key line (where an editor should go to change the field), a list
// item's own line; and for a field that is absent, the line of the nearest
// parent that is there (a connection without a url is reported at the
// connection).
func locate(n *yaml.Node, path string) (node *yaml.Node, found bool, line int) {
	n = deref(n)
	if n == nil {
		return nil, false, 0
	}
	line = n.Line
	segs, ok := splitPath(path)
	if !ok {
		return n, false, line
	}
	for _, s := range segs {
		var next *yaml.Node
		nextLine := 0
		switch {
		case s.index >= 0:
			if n.Kind == yaml.SequenceNode && s.index < len(n.Content) {
				next = n.Content[s.index]
				nextLine = next.Line
			}
		default:
			if k, v := lookupKey(n, s.key); k != nil {
				next, nextLine = v, k.Line
			}
		}
		if next == nil {
			return n, false, line
		}
		n, line = deref(next), nextLine
	}
	return n, true, line
}

// lookupKey finds key in mapping m, explicit keys first and then those
// merged in with <<, the order in which YAML gives them precedence.
func lookupKey(m *yaml.Node, key string) (k, v *yaml.Node) {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if c := m.Content[i]; c.Kind == yaml.ScalarNode && c.Value == key && !isMergeKey(c) {
			return c, m.Content[i+1]
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !isMergeKey(m.Content[i]) {
			continue
		}
		for _, src := range mergeSources(m.Content[i+1]) {
			if k, v := lookupKey(src, key); k != nil {
				return k, v
			}
		}
	}
	return nil, nil
}

// mergeSources returns the mappings a << key merges in: one mapping, or a
// list of them.
func mergeSources(v *yaml.Node) []*yaml.Node {
	v = deref(v)
	if v == nil {
		return nil
	}
	if v.Kind == yaml.SequenceNode {
		var out []*yaml.Node
		for _, item := range v.Content {
			out = append(out, deref(item))
		}
		return out
	}
	return []*yaml.Node{v}
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
}

// deref follows aliases to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}
