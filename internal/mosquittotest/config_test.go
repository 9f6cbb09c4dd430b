package mosquittotest

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.conf from the generator")

// TestGeneratedConfigs pins the configs the tests run mosquitto with to
// the files in testdata/, so a reader sees exactly what each broker
// setup is (and can run `mosquitto -c testdata/password.conf` by hand
// after replacing DIR). `go test -run GeneratedConfigs -update` rewrites
// them.
func TestGeneratedConfigs(t *testing.T) {
	cases := map[string]Config{
		"anonymous.conf":       {Listen: "127.0.0.1", Port: 1883},
		"password.conf":        {Listen: "127.0.0.1", Port: 1883, Users: map[string]string{"dev": "secret"}},
		"clientid-prefix.conf": {Listen: "127.0.0.2", Port: 1883, ClientIDPrefixes: "tracker-"},
	}
	for name, conf := range cases {
		dir := t.TempDir()
		got, err := writeConfig(dir, conf, true)
		if err != nil {
			t.Fatal(err)
		}
		got = strings.ReplaceAll(got, dir, "DIR")
		golden := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from the generator:\n--- got\n%s--- want\n%s", name, got, want)
		}
		if conf.Users != nil {
			pw, err := os.ReadFile(filepath.Join(dir, "passwd"))
			if err != nil {
				t.Fatal(err)
			}
			// user:$7$101$<16 base64 chars of 12-byte salt>$<88 of 64-byte hash>
			f := strings.Split(strings.TrimSpace(string(pw)), "$")
			if len(f) != 5 || f[0] != "dev:" || f[1] != "7" || f[2] != "101" || len(f[3]) != 16 || len(f[4]) != 88 {
				t.Errorf("password file %q is not in mosquitto's $7$ format", pw)
			}
		}
	}
}
