// Package ocr holds the engines that read slip photos, each satisfying
// service.OCR: the local tesseract binary (the embedded default) and
// WeChat's printed-text OCR (cv/ocr/comm) through silenceper/wechat.
package ocr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Tesseract runs the tesseract binary with Simplified Chinese (chi_sim
// reads the Latin SKUs too, and on generated slips it misreads fewer
// units than chi_sim+eng, which takes 盒 for 8).
//
// A hand-written exec wrapper rather than a Go binding: the bindings
// (gosseract) link libtesseract through cgo, which would make every build
// of orderhub need the C headers and break the pure-Go static binary;
// tesseract is optional here, so it is found on PATH at run time and its
// absence is an answer ("no engine"), not a build failure.
type Tesseract struct {
	Bin     string
	Langs   string
	Timeout time.Duration
}

// FindTesseract returns the engine when bin runs and knows chi_sim, else
// an error saying what is missing.
func FindTesseract(ctx context.Context, bin string) (*Tesseract, error) {
	if bin == "" {
		bin = "tesseract"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("ocr: %s not found (install tesseract-ocr and tesseract-ocr-chi-sim)", bin)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--list-langs").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("ocr: %s --list-langs: %w", path, err)
	}
	if !strings.Contains(string(out), "chi_sim") {
		return nil, errors.New("ocr: tesseract has no chi_sim (install tesseract-ocr-chi-sim)")
	}
	return &Tesseract{Bin: path, Langs: "chi_sim", Timeout: 60 * time.Second}, nil
}

// Name says which engine this is.
func (t *Tesseract) Name() string { return "tesseract" }

// Text reads an image given on stdin (PNG or JPEG) and returns its text.
// --psm 6 reads the slip as one block of lines, which keeps each item and
// its quantity on one line.
func (t *Tesseract) Text(ctx context.Context, image []byte) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, t.Bin, "stdin", "stdout", "-l", t.Langs, "--psm", "6")
	cmd.Stdin = bytes.NewReader(clean(image))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("tesseract: %w: %s", err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}
