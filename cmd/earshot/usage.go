package main

import (
	"errors"
	"flag"
	"fmt"
)

// Exit codes, the same for every command: 0 success, 1 the command failed
// (a bad configuration file, Redis down…), 2 it was called wrongly (an
// unknown flag or command, a missing required flag, a stray argument).
const (
	exitFailure = 1
	exitUsage   = 2
)

// usageError is a command called wrongly; run prints it with a pointer to
// the command's help and exits 2.
type usageError struct {
	cmd string
	msg string
}

func (e *usageError) Error() string { return e.msg }

func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

// parseArgs parses a command's flags wherever they appear among its
// arguments (flag stops at the first non-flag, which would silently
// ignore `serve extra --config x`'s --config), and returns the arguments
// that are not flags; more than maxArgs of them is a usage error. A bad
// flag has been printed by the flag package already: exit 2, not twice.
func parseArgs(fs *flag.FlagSet, args []string, maxArgs int) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, exitError(exitUsage)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			rest = append(rest, args[1:]...)
			break
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
	if len(rest) > maxArgs {
		return nil, usagef(fs.Name(), "unexpected argument %q", rest[maxArgs])
	}
	return rest, nil
}
