// Package testtool is the one rule for tests that need a program outside
// Go (headless Chromium, tesseract with chi_sim, a CJK font, curl): on a
// machine that lacks it the test says so in one line and steps aside, so
// `go test ./...` passes on a fresh machine with only Go; with the
// environment variable CI set (as .ci/run sets it, and as CI services do)
// the tool is required and its absence fails the test, so CI still proves
// what these tests prove.
package testtool

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"orderhub/internal/ocr"
)

// InCI reports whether the environment variable CI is set to something
// other than "", "0" or "false".
func InCI() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv("CI"))) {
	case "", "0", "false":
		return false
	}
	return true
}

// Missing ends the test for want of what: it fails in CI, elsewhere it
// says in one line what is missing and how to run it, and skips.
func Missing(t testing.TB, what string, err error) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is needed for this test and CI is set: %v", what, err)
		return
	}
	t.Skipf("needs %s (%v): skipped outside CI; `bash .ci/run` installs it and runs everything", what, err)
}

// Program returns the path of the named program on PATH, or ends the test
// by Missing.
func Program(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, err)
	}
	return p
}

// Chromium returns the headless Chromium to drive: $ORDERHUB_CHROMIUM, else
// /usr/bin/chromium; or ends the test by Missing.
func Chromium(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("ORDERHUB_CHROMIUM")
	if bin == "" {
		bin = "/usr/bin/chromium"
	}
	p, err := exec.LookPath(bin)
	if err != nil {
		Missing(t, "headless Chromium (apt-get install chromium, or set ORDERHUB_CHROMIUM)", err)
	}
	return p
}

// Tesseract returns the tesseract engine with Simplified Chinese:
// $ORDERHUB_OCR_TESSERACT (the server's own setting), else tesseract on
// PATH; or ends the test by Missing.
func Tesseract(t testing.TB) *ocr.Tesseract {
	t.Helper()
	bin := os.Getenv("ORDERHUB_OCR_TESSERACT")
	e, err := ocr.FindTesseract(context.Background(), bin)
	if err != nil {
		Missing(t, "tesseract with chi_sim (apt-get install tesseract-ocr tesseract-ocr-chi-sim fonts-noto-cjk)", err)
	}
	return e
}

// Font ends the test by Missing when err (from loading the CJK font the
// slip images are drawn with) is not nil.
func Font(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		Missing(t, "a CJK font (apt-get install fonts-noto-cjk)", fmt.Errorf("%w", err))
	}
}
