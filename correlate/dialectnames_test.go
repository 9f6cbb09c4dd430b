package correlate

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/atmq/atmq/decode/at"
)

// Outside decode/at nothing compares a dialect's name: correlate, capture
// and the commands ask the dialect value. This test is the grep that
// proves it, over the non-test sources.
func TestNoDialectNamesOutsideDecodeAT(t *testing.T) {
	var names []string
	for _, n := range at.Dialects() {
		names = append(names, regexp.QuoteMeta(n))
	}
	lit := regexp.MustCompile(`"(?i:` + strings.Join(names, "|") + `)"`)
	for _, dir := range []string{".", "../capture", "../internal/cli"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(string(b), "\n") {
				if lit.MatchString(line) {
					t.Errorf("%s:%d names a dialect: %s", f, i+1, strings.TrimSpace(line))
				}
			}
		}
	}
}
