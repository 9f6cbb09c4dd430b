package scenario

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var (
	recordFlag = flag.Bool("record", false, "re-record the sample sessions into pcaps/ (needs root and mosquitto; port 1883 must be free)")
	onlyFlag   = flag.String("only", "", "with -record: record only the scenario of this name")
)

// TestRecord re-records pcaps/<name>/ for every scenario of the catalogue:
//
//	go test ./internal/scenario -run TestRecord -record [-only NAME]
//
// Without -record it only checks that the catalogue is well-formed.
func TestRecord(t *testing.T) {
	seen := map[string]bool{}
	for _, sc := range Catalogue() {
		if sc.Name == "" || seen[sc.Name] || sc.Script == "" || (len(sc.Expected) == 0 && !sc.NoErrors) {
			t.Fatalf("malformed scenario %+v", sc)
		}
		seen[sc.Name] = true
	}
	if !*recordFlag {
		t.Skip("pass -record to re-record the samples in pcaps/")
	}
	root := filepath.Join("..", "..", "pcaps")
	for _, sc := range Catalogue() {
		if *onlyFlag != "" && sc.Name != *onlyFlag {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			dir := filepath.Join(root, sc.Name)
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if err := Record(ctx, sc, dir, testWriter{t}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
