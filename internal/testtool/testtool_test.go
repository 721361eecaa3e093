package testtool

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how the test ended instead of
// ending it.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Fatalf(f string, a ...any) { r.fatal = fmt.Sprintf(f, a...) }
func (r *recorder) Skipf(f string, a ...any)  { r.skip = fmt.Sprintf(f, a...) }

func TestMissingFailsInCIAndStepsAsideElsewhere(t *testing.T) {
	for _, tc := range []struct {
		ci       string
		wantFail bool
	}{
		{"", false}, {"false", false}, {"0", false}, {"true", true}, {"1", true}, {"yes", true},
	} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := &recorder{TB: t}
			Missing(r, "headless Chromium", errors.New("not found"))
			if tc.wantFail != (r.fatal != "") || tc.wantFail == (r.skip != "") {
				t.Fatalf("CI=%q: fatal %q, skip %q", tc.ci, r.fatal, r.skip)
			}
			line := r.fatal + r.skip
			if strings.Contains(line, "\n") || !strings.Contains(line, "headless Chromium") {
				t.Errorf("not one line naming the tool: %q", line)
			}
			if !tc.wantFail && !strings.Contains(line, "bash .ci/run") {
				t.Errorf("the skip does not say what runs everything: %q", line)
			}
		})
	}
}

func TestChromiumAndTesseractFollowTheirVariables(t *testing.T) {
	t.Setenv("CI", "true")
	t.Setenv("ORDERHUB_CHROMIUM", "/nonexistent/chromium")
	t.Setenv("ORDERHUB_OCR_TESSERACT", "/nonexistent/tesseract")
	r := &recorder{TB: t}
	Chromium(r)
	if !strings.Contains(r.fatal, "Chromium") {
		t.Errorf("a missing Chromium in CI: %q", r.fatal)
	}
	r = &recorder{TB: t}
	Tesseract(r)
	if !strings.Contains(r.fatal, "tesseract") {
		t.Errorf("a missing tesseract in CI: %q", r.fatal)
	}
}
