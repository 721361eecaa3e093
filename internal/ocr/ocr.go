// Package ocr holds the engines that read slip photos, each satisfying
// service.OCR: the local tesseract binary (the embedded default) and
// WeChat's printed-text OCR (cv/ocr/comm) through silenceper/wechat.
package ocr

//go:generate go run ./sliptest/gen testdata/slips

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"orderhub/service"
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
	// MemLimit caps tesseract's address space (ulimit -v, in bytes; 0:
	// none): a photo within service.MaxPhotoPixels needs a few hundred MiB.
	MemLimit int64
}

// DefaultMemLimit is the address space tesseract may use.
const DefaultMemLimit = 1 << 30

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
	return &Tesseract{Bin: path, Langs: "chi_sim", Timeout: 60 * time.Second, MemLimit: DefaultMemLimit}, nil
}

// Name says which engine this is.
func (t *Tesseract) Name() string { return "tesseract" }

// Text reads an image given on stdin (PNG or JPEG) and returns its text.
// --psm 6 reads the slip as one block of lines, which keeps each item and
// its quantity on one line.
//
// The photo's header is checked first (service.CheckPhoto): one over the
// pixel cap, or in a format only tesseract would read, is refused before
// anything is decoded or run. Tesseract runs under the timeout (killed at
// it) and, through the shell's ulimit -v, within MemLimit: a plain
// setrlimit for the child, which os/exec does not offer.
func (t *Tesseract) Text(ctx context.Context, image []byte) (string, error) {
	if _, err := service.CheckPhoto(image); err != nil {
		return "", err
	}
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := []string{t.Bin, "stdin", "stdout", "-l", t.Langs, "--psm", "6"}
	var cmd *exec.Cmd
	if t.MemLimit > 0 {
		// "$@" is the tesseract command line; exec keeps one process, so
		// the context's kill reaches tesseract itself.
		cmd = exec.CommandContext(ctx, "/bin/sh", append([]string{"-c", "ulimit -v " + strconv.FormatInt(t.MemLimit>>10, 10) + ` && exec "$@"`, "tesseract"}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, args[0], args[1:]...)
	}
	cmd.WaitDelay = time.Second
	cmd.Stdin = bytes.NewReader(clean(image))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("tesseract: %w: %s", err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}
