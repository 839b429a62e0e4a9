package config

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a configuration file, placed the way a
// compiler places an error, so that editors can jump to it:
//
//	earshot.yaml:23: namespaces[0].managers[1].notices[0].connection: no connection "crm" in namespace "acme"
//
// Line is 0 when the problem has no place in the file (a value that came
// from REDIS_URL, say). Path is the field's path in the file's own key names;
// it is empty for a problem with the file as a whole.
type Problem struct {
	File    string
	Line    int
	Path    string
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	switch {
	case p.File != "" && p.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", p.File, p.Line)
	case p.File != "":
		b.WriteString(p.File + ": ")
	case p.Line > 0:
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is every problem found in a configuration file, in line order.
// Load and Parse return it as their error, so that an operator fixes the
// whole file in one go rather than one error per start.
type Problems []Problem

// Error prints one problem a line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}
