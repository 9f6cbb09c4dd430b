package cli

import (
	"runtime/debug"
	"strings"
)

// Version is set at link time for releases:
//
//	go build -ldflags "-X github.com/atmq/atmq/internal/cli.Version=v1.2.0" ./cmd/atmq
var Version = ""

// version is what `atmq --version` prints: the release version, else the
// module version `go install` recorded, else the VCS revision the binary
// was built from (with "+dirty" for uncommitted changes), and the Go
// release.
func version() string {
	v := Version
	info, ok := debug.ReadBuildInfo()
	if v == "" && ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	if v == "" && ok {
		var rev, dirty string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			v = "devel " + rev + dirty
		}
	}
	if v == "" {
		v = "devel"
	}
	if ok && info.GoVersion != "" {
		v += " (" + strings.TrimSpace(info.GoVersion) + ")"
	}
	return v
}
