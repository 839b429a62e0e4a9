package config

import (
	"fmt"
	"strings"
)

// expansion is the result of interpolating one scalar.
type expansion struct {
	value string
	// changed is false when the scalar held no reference at all, so its
	// node (and the type YAML resolved for it) is left alone.
	changed bool
	// vars names the variables whose values were substituted, and values
	// holds those values, so that problems never repeat them.
	vars   []string
	values []string
	// problems are messages about bad or unset references.
	problems []string
}

// expand replaces ${VAR} and ${VAR:-default} in s with values from lookup,
// and the escape $${ with a literal ${. As in a shell, the default applies
// when the variable is unset or empty; a variable that is unset and has no
// default is a problem, because an empty API key or webhook secret is a
// misconfiguration that is better caught at start than at the first
// delivery. Nothing is expanded twice: a value read from the environment is
// taken as it is.
func expand(s string, lookup func(string) (string, bool)) expansion {
	if !strings.Contains(s, "$") {
		return expansion{value: s}
	}
	var (
		x expansion
		b strings.Builder
	)
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
			x.changed = true
		case strings.HasPrefix(s[i:], "${"):
			x.changed = true
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				x.problems = append(x.problems, `unterminated "${" (write "$${" for a literal "${")`)
				b.WriteString(s[i:])
				i = len(s)
				continue
			}
			ref := s[i+2 : i+2+end]
			i += end + 3
			name, def, hasDefault := strings.Cut(ref, ":-")
			if !validEnvName(name) {
				x.problems = append(x.problems, fmt.Sprintf("invalid environment variable reference %q (want ${NAME} or ${NAME:-default})", "${"+ref+"}"))
				continue
			}
			v, ok := lookup(name)
			switch {
			case ok && (v != "" || !hasDefault):
				b.WriteString(v)
				x.vars = append(x.vars, name)
				if v != "" {
					x.values = append(x.values, v)
				}
			case hasDefault:
				b.WriteString(def)
			default:
				x.problems = append(x.problems, fmt.Sprintf("environment variable %s is not set", name))
			}
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	x.value = b.String()
	return x
}

// validEnvName accepts the portable names of POSIX: letters, digits and
// '_', not starting with a digit.
func validEnvName(name string) bool {
	if name == "" || '0' <= name[0] && name[0] <= '9' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
