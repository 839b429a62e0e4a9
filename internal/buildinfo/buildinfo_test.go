package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	vcs := func(rev string, modified bool) []debug.BuildSetting {
		m := "false"
		if modified {
			m = "true"
		}
		return []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: m}}
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	for _, tc := range []struct {
		name    string
		stamped string
		bi      *debug.BuildInfo
		want    string
	}{
		{"stamped wins", "v1.4.0", &debug.BuildInfo{GoVersion: "go1.26", Main: debug.Module{Version: "v1.3.0"}}, "v1.4.0"},
		{"go install module version", "dev", &debug.BuildInfo{GoVersion: "go1.26", Main: debug.Module{Version: "v1.3.0"}}, "v1.3.0"},
		{"checkout: revision", "dev", &debug.BuildInfo{GoVersion: "go1.26", Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, false)}, "dev-0123456789ab"},
		{"dirty checkout", "", &debug.BuildInfo{GoVersion: "go1.26", Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, true)}, "dev-0123456789ab-dirty"},
		{"nothing known", "dev", nil, "dev"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fromBuildInfo(tc.stamped, func() (*debug.BuildInfo, bool) { return tc.bi, tc.bi != nil })
			if got.Version != tc.want {
				t.Errorf("version %q, want %q", got.Version, tc.want)
			}
		})
	}
}
