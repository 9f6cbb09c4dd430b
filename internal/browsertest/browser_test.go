package browsertest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestConsoleErrorsAreSeen proves the detector the report tests rely on:
// a page that logs an error and throws shows both.
func TestConsoleErrorsAreSeen(t *testing.T) {
	tab := Start(t, 60*time.Second)
	page := filepath.Join(t.TempDir(), "p.html")
	body := `<!DOCTYPE html><title>t</title><script>console.error("boom-1"); setTimeout(function(){ throw new Error("boom-2"); }, 0);</script>`
	if err := os.WriteFile(page, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab.Ctx, chromedp.Navigate("file://"+page)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := strings.Join(tab.Errors(), "\n")
		if strings.Contains(got, "boom-1") && strings.Contains(got, "boom-2") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("console errors not seen; got %q", got)
		}
		// Messages arrive asynchronously from the browser.
		if err := chromedp.Do(tab.Ctx, chromedp.Sleep(50*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
}
