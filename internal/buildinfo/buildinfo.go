// Package buildinfo says which build of Earshot is running: the version
// stamped at link time when there is one, else what the Go toolchain
// recorded (the module's version for `go install …@v1.2.3`, the VCS
// revision for a build from a checkout).
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Info describes a build.
type Info struct {
	Version   string // v1.2.3, a pseudo-version, or "dev"
	Revision  string // VCS commit, "" when unknown
	Modified  bool   // built from a checkout with uncommitted changes
	GoVersion string
}

// Get returns the build's Info. stamped is the version set with -ldflags
// "-X main.version=…" ("" or "dev" when none was).
func Get(stamped string) Info {
	return fromBuildInfo(stamped, readBuildInfo)
}

var readBuildInfo = debug.ReadBuildInfo

func fromBuildInfo(stamped string, read func() (*debug.BuildInfo, bool)) Info {
	info := Info{Version: stamped, GoVersion: runtime.Version()}
	bi, ok := read()
	if ok {
		info.GoVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if info.Version != "" && info.Version != "dev" {
		return info
	}
	switch {
	case ok && bi.Main.Version != "" && bi.Main.Version != "(devel)":
		info.Version = bi.Main.Version
	case info.Revision != "":
		info.Version = "dev-" + short(info.Revision)
		if info.Modified {
			info.Version += "-dirty"
		}
	default:
		info.Version = "dev"
	}
	return info
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// String is the one line `earshot version` prints after the name.
func (i Info) String() string {
	s := i.Version
	if i.Revision != "" {
		s += " (" + short(i.Revision)
		if i.Modified {
			s += ", modified"
		}
		s += ")"
	}
	return s + " " + i.GoVersion
}
