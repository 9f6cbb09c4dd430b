package cloudauth

import (
	"strings"
	"testing"
	"time"
)

// codes lists the problems' codes, for compact assertions.
func codes(r *Report) []string {
	var out []string
	for _, p := range r.Problems {
		out = append(out, p.Code+"/"+p.Field)
	}
	return out
}

func mustCheck(t *testing.T, c Connect, platform string) *Report {
	t.Helper()
	r := Check(c)
	if r == nil {
		t.Fatalf("no platform recognised for %+v", c)
	}
	if r.Platform != platform {
		t.Fatalf("platform %q, want %q", r.Platform, platform)
	}
	// Secrets long enough not to be ordinary words must never show.
	if len(c.Secret) < 8 {
		return r
	}
	for _, p := range r.Problems {
		if c.Secret != "" && (strings.Contains(p.Text, c.Secret) || strings.Contains(p.Fix, c.Secret)) {
			t.Fatalf("problem text carries the secret: %+v", p)
		}
	}
	for _, n := range r.Notes {
		if c.Secret != "" && strings.Contains(n, c.Secret) {
			t.Fatalf("note carries the secret: %q", n)
		}
	}
	return r
}

func wantClean(t *testing.T, r *Report, verified bool) {
	t.Helper()
	if len(r.Problems) != 0 {
		t.Fatalf("problems %v: %+v", codes(r), r.Problems)
	}
	if r.Verified != verified {
		t.Fatalf("verified %v, want %v", r.Verified, verified)
	}
}

// wantProblem asserts one problem with code and field whose text
// contains each of words.
func wantProblem(t *testing.T, r *Report, code, field string, words ...string) Problem {
	t.Helper()
	for _, p := range r.Problems {
		if p.Code == code && p.Field == field {
			for _, w := range words {
				if !strings.Contains(p.Text, w) {
					t.Fatalf("%s text %q lacks %q", code, p.Text, w)
				}
			}
			if p.Fix == "" {
				t.Fatalf("%s has no fix", code)
			}
			return p
		}
	}
	t.Fatalf("no %s/%s problem in %v: %+v", code, field, codes(r), r.Problems)
	return Problem{}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// testKey is a 32-byte key, base64 as the consoles show keys:
// "0123456789abcdef0123456789abcdef".
const testKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
