package ocr_test

import (
	"context"
	"orderhub/internal/testtool"
	"strings"
	"testing"

	"orderhub/internal/ocr"
	"orderhub/internal/ocr/sliptest"
)

func tesseract(t *testing.T) *ocr.Tesseract {
	t.Helper()
	e := testtool.Tesseract(t)
	_, err := sliptest.Face(36)
	testtool.Font(t, err)
	return e
}

func squash(s string) string { return strings.ToUpper(strings.Join(strings.Fields(s), "")) }

func TestFindTesseract(t *testing.T) {
	if _, err := ocr.FindTesseract(context.Background(), "no-such-tesseract-binary"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("missing binary = %v", err)
	}
	if e := tesseract(t); e.Name() != "tesseract" {
		t.Fatal(e.Name())
	}
}
