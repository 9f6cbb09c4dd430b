package mosquittotest

import (
	"errors"
	"os"
	"testing"
)

// Start starts a broker for the test and stops it at cleanup; when the
// test failed, the broker's log is printed with the test's output.
//
// Without mosquitto the test is skipped with a message saying how to
// install it — except when $CI is set, where a missing broker must fail
// loudly instead of silently skipping the end-to-end tests.
func Start(t testing.TB, conf Config) *Broker {
	t.Helper()
	b, err := StartProcess(conf)
	if errors.Is(err, ErrNotInstalled) {
		if os.Getenv("CI") != "" {
			t.Fatalf("this test needs a real broker and CI is set: %v", err)
		}
		t.Skipf("skipping: this test needs a real broker: %v", err)
	}
	if err != nil {
		t.Fatalf("start mosquitto: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("mosquitto %s log:\n%s", b.Addr(), b.Log())
		}
		if err := b.Stop(); err != nil {
			t.Errorf("stop mosquitto: %v", err)
		}
	})
	return b
}
