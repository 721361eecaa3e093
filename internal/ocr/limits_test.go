package ocr_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"runtime"
	"testing"
	"time"

	"orderhub/internal/ocr"
	"orderhub/internal/ocr/sliptest"
	"orderhub/service"
)

// pngHeader is the start of a PNG that says it is w×h grey pixels, with a
// little image data: a few hundred bytes that a decoder would allocate
// w×h bytes for.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(kind string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(kind)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(kind), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit greyscale
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// TestTesseractRefusesHugePhotoByHeader: a PNG saying 12000×12000 (144
// megapixels) is refused from its header, before anything is decoded or
// tesseract runs (its binary here does not exist, so running it would be
// another error), allocating next to nothing; before, it was decoded
// first (0.9 GB for 30000×30000) and handed to tesseract (2.8 GB).
func TestTesseractRefusesHugePhotoByHeader(t *testing.T) {
	eng := &ocr.Tesseract{Bin: "/nonexistent/tesseract", Langs: "chi_sim", Timeout: time.Minute, MemLimit: ocr.DefaultMemLimit}
	img := pngHeader(12000, 12000)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := eng.Text(context.Background(), img)
	runtime.ReadMemStats(&after)
	var pe *service.PhotoError
	if !errors.As(err, &pe) || pe.Code() != service.CodePhotoTooLarge || pe.Width != 12000 || !errors.Is(err, service.ErrInvalid) {
		t.Fatalf("Text(12000×12000 PNG) = %v, want a photo_too_large PhotoError", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("refusing the photo allocated %d KiB, want under 1 MiB", got>>10)
	}
	if _, err := eng.Text(context.Background(), []byte("II*\x00 a tiff tesseract would read")); !errors.As(err, &pe) || pe.Code() != service.CodePhotoNotImage {
		t.Errorf("Text(unknown format) = %v, want photo_not_image", err)
	}
}

// TestTesseractRunsWithinMemLimit: tesseract runs under ulimit -v: with a
// 32 MiB address space it cannot even load its Chinese model, so the
// limit is really applied; with the default it reads the slip.
func TestTesseractRunsWithinMemLimit(t *testing.T) {
	eng := tesseract(t)
	face, err := sliptest.Face(36)
	if err != nil {
		t.Fatal(err)
	}
	img, err := sliptest.Render(face, []string{"客户：C001", "NUT-M8\t10"}, sliptest.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if eng.MemLimit != ocr.DefaultMemLimit {
		t.Errorf("FindTesseract's MemLimit = %d, want %d", eng.MemLimit, ocr.DefaultMemLimit)
	}
	small := *eng
	small.MemLimit = 32 << 20
	if text, err := small.Text(context.Background(), img); err == nil {
		t.Errorf("tesseract in 32 MiB read %q, want it refused by the limit", text)
	}
	text, err := eng.Text(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	if q, _ := service.ReadSlip(text); len(q.Lines) == 0 {
		t.Errorf("within %d MiB tesseract read %q, no line", eng.MemLimit>>20, text)
	}
}
