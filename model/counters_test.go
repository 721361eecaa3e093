package model_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"orderhub/model"
)

// Placement trusts its kept reference rows as long as the reference
// version has not moved, and only gorm's create, update and delete move it
// (model.watchReference). A raw SQL write to a reference table would change
// rows behind every instance's back for up to refTTL: there must be none
// in the code (tests may, to check what happens then).
func TestReferenceWritesAreWatched(t *testing.T) {
	raw := regexp.MustCompile("(?i)\\b(UPDATE|INSERT\\s+(IGNORE\\s+)?INTO|REPLACE\\s+INTO|DELETE\\s+FROM)\\s+`?(" + strings.Join(model.ReferenceTables, "|") + ")`?\\b")
	var found []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if raw.MatchString(line) {
				found = append(found, path+":"+strings.TrimSpace(line)+" (line "+strconv.Itoa(i+1)+")")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("raw SQL write to a reference table (write it through gorm's models, so the reference version moves): %s", f)
	}
	// The pattern itself must catch what it is for.
	for _, s := range []string{"UPDATE products SET price_fen = 1", "insert into `customers` (code) values ('x')", "DELETE FROM staffs WHERE id = 1"} {
		if !raw.MatchString(s) {
			t.Errorf("the check misses %q", s)
		}
	}
}
