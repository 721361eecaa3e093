package service_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCodesAreNamed keeps refusal codes as the named constants of kernel/codes.go:
// edges (bot/reply.go) match the names, so a code written as a literal at
// a call site could drift from what the edges look for.
func TestCodesAreNamed(t *testing.T) {
	// A code is a literal when it is the code argument of invalid or
	// conflict, or the code of an error value written out (&SignatureError{"…",
	// &InvalidError{code: "…"}).
	literal := regexp.MustCompile(`(invalid\([^,]+, |conflict\(|Error\{|\bcode: *)"[a-z_]+"`)
	// Every room of service/ (the root and its folders) is read.
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("read %d files; the walk missed service/", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if literal.MatchString(line) {
				t.Errorf("%s:%d: a code literal; add a Code constant to kernel/codes.go and use it: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
