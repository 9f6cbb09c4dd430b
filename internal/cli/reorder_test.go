package cli

import (
	"strings"
	"testing"
)

func TestReorderLimitFlag(t *testing.T) {
	const sample = "../../pcaps/ecmt-healthy-qos012/"
	for _, args := range [][]string{
		{"packets", "--reorder-limit", "-1", sample + "capture.pcapng"},
		{"analyze", "--reorder-limit", "70000", sample},
	} {
		if code, _, errs := runMain(args...); code != ExitUsage || !strings.Contains(errs, "--reorder-limit") {
			t.Errorf("%v: exit %d\n%s", args, code, errs)
		}
	}
	for _, args := range [][]string{
		{"packets", "--reorder-limit", "2", sample + "capture.pcapng"},
		{"analyze", "--reorder-limit", "2", sample},
	} {
		if code, out, errs := runMain(args...); code != ExitOK || !strings.Contains(out, "CONNECT") {
			t.Errorf("%v: exit %d\n%s", args, code, errs)
		}
	}
}
