package service

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif"  // formats a phone or a scanner may send
	_ "image/jpeg" // phone photos
	_ "image/png"  // screenshots

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// MaxPhotoPixels caps a photo that is decoded or read by an OCR engine
// (DESIGN.md invariant 12): 25 megapixels is a 6000×4000 photo, more than
// a phone sends through WeCom. A 948 KB PNG can say 30000×30000, which
// decoded is 0.9 GB here and 2.8 GB in tesseract; its header is read
// first and it is refused before anything is decoded or run.
const MaxPhotoPixels = 25_000_000

// PhotoError refuses a photo by its header: too many pixels, or a format
// no decoder here knows (an OCR engine would read it unchecked).
type PhotoError struct {
	code          string
	Width, Height int
	Message       string
}

func (e *PhotoError) Error() string { return e.Message }
func (e *PhotoError) Unwrap() error { return ErrInvalid }
func (e *PhotoError) Code() string  { return e.code }

// CheckPhoto reads only the header of b and refuses a photo over
// MaxPhotoPixels or in no known format; it decodes nothing.
func CheckPhoto(b []byte) (image.Config, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return cfg, &PhotoError{code: CodePhotoNotImage, Message: "照片格式认不出（请发 JPEG 或 PNG 照片）"}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPhotoPixels {
		return cfg, &PhotoError{code: CodePhotoTooLarge, Width: cfg.Width, Height: cfg.Height, Message: fmt.Sprintf(
			"照片太大：%d×%d 像素（%s），上限 %d 万像素。请用手机正常拍一张再发", cfg.Width, cfg.Height, format, MaxPhotoPixels/10_000)}
	}
	return cfg, nil
}
