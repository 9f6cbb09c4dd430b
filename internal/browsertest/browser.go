// Package browsertest runs a real headless Chromium for tests through the
// Chrome DevTools Protocol (chromedp) and collects the page's console
// errors. Like internal/mosquittotest it skips the test when the browser is
// missing, except when $CI is set, where a missing browser fails the test.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ErrNotInstalled means no Chromium binary was found.
var ErrNotInstalled = errors.New("chromium not found: install the Debian package `chromium` (apt-get install chromium) or set ATMQ_CHROMIUM to the browser's path")

// Find returns the browser to run: $ATMQ_CHROMIUM, else the first of the
// usual names on $PATH.
func Find() (string, error) {
	if p := os.Getenv("ATMQ_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("ATMQ_CHROMIUM=%s: %w", p, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

// Tab is one browser tab and what its pages wrote to the console.
type Tab struct {
	Ctx context.Context

	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
}

// Start starts a headless browser with one tab for the test, stopped at
// cleanup. The tab's context ends after timeout.
func Start(t testing.TB, timeout time.Duration) *Tab {
	t.Helper()
	path, err := Find()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("this test needs a real browser and CI is set: %v", err)
		}
		t.Skipf("skipping: this test needs a real browser: %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root in CI containers
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	base, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	// Start the browser now: console messages are only delivered from the
	// moment the tab exists.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	tab := &Tab{Ctx: ctx}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			tab.mu.Lock()
			tab.messages = append(tab.messages, m)
			tab.mu.Unlock()
		}
	}()
	return tab
}

// Errors returns the console errors and uncaught exceptions so far.
func (tab *Tab) Errors() []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	var out []string
	for _, m := range tab.messages {
		if m.Type == chromedp.ConsoleError || m.IsException() {
			out = append(out, m.String())
		}
	}
	return out
}

// RendererCPU returns the CPU time (user + system) each of the browser's
// renderer processes has used so far, by pid; nil where /proc cannot tell
// (not Linux). A machine shared with other work stretches wall times;
// CPU time says what a page itself cost.
func (tab *Tab) RendererCPU() map[int]time.Duration {
	c := chromedp.FromContext(tab.Ctx)
	if c == nil || c.Browser == nil || c.Browser.Process() == nil {
		return nil
	}
	return rendererCPU(c.Browser.Process().Pid)
}
