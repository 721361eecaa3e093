package service_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCodesAreNamed keeps refusal codes as the named constants of codes.go:
// edges (bot/reply.go) match the names, so a code written as a literal at
// a call site could drift from what the edges look for.
func TestCodesAreNamed(t *testing.T) {
	literal := regexp.MustCompile(`(invalid\([^,]+, |conflict\()"[a-z_]+"`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
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
			if literal.MatchString(line) {
				t.Errorf("%s:%d: a code literal; add a Code constant to codes.go and use it: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
