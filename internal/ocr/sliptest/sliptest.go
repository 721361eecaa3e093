// Package sliptest draws order slips for OCR tests and the extraction
// benchmark: lines of text (Chinese and Latin) rendered with a CJK font,
// then salt-and-pepper noise and a small rotation, as a phone photo of a
// printed or neatly written slip would have. It is test support, kept out
// of _test files so the bot's and the OCR engines' tests share it.
package sliptest

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// FontPaths are where Debian's fonts-noto-cjk puts the CJK fonts.
var FontPaths = []string{
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
}

// KaiPath is a brush-script (楷书) font, the nearest Debian has to a neat
// hand: fonts-arphic-gkai00mp (ukai's collection does not parse).
const KaiPath = "/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf"

// Face loads a Simplified Chinese face of the first CJK font found.
func Face(size float64) (font.Face, error) {
	for _, p := range FontPaths {
		if _, err := os.Stat(p); err == nil {
			return FaceFile(p, size)
		}
	}
	return nil, errors.New("no CJK font: install fonts-noto-cjk")
}

// FaceFile loads the Simplified Chinese face of one font file (a single
// font or a collection).
func FaceFile(p string, size float64) (font.Face, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	coll, err := opentype.ParseCollection(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	// The collection holds JP, KR, SC, TC and HK faces; take SC.
	pick := 0
	for i := 0; i < coll.NumFonts(); i++ {
		f, err := coll.Font(i)
		if err != nil {
			continue
		}
		var buf sfnt.Buffer
		if name, err := f.Name(&buf, sfnt.NameIDFull); err == nil && bytes.Contains([]byte(name), []byte(" SC")) {
			pick = i
			break
		}
	}
	f, err := coll.Font(pick)
	if err != nil {
		return nil, err
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
}

// Options shape one slip.
type Options struct {
	Size   float64 // font size in pixels
	Noise  float64 // share of pixels flipped to black or white (0.01 = 1%)
	Rotate float64 // degrees, counter-clockwise
	// Shadow darkens the page unevenly, as a hand or a phone over it
	// does: 0.5 takes the darkest corner to half its brightness.
	Shadow float64
	// Tilt is a photo taken at an angle: the top edge narrower than the
	// bottom by this share of the width (0.15 = 15%).
	Tilt float64
	Seed uint64
}

// Render draws lines on white and returns the PNG.
func Render(face font.Face, lines []string, o Options) ([]byte, error) {
	if o.Size == 0 {
		o.Size = 36
	}
	lineH := int(o.Size * 1.6)
	// "item\tqty" puts the quantity in a column, as slips are ruled.
	col, width := 0, 0
	for _, l := range lines {
		if item, _, ok := strings.Cut(l, "\t"); ok {
			col = max(col, font.MeasureString(face, item).Ceil()+int(o.Size*1.5))
		}
	}
	for _, l := range lines {
		w := font.MeasureString(face, l).Ceil()
		if _, qty, ok := strings.Cut(l, "\t"); ok {
			w = col + font.MeasureString(face, qty).Ceil()
		}
		width = max(width, w)
	}
	margin := int(o.Size * 2)
	w, h := width+2*margin, len(lines)*lineH+2*margin
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := &font.Drawer{Dst: img, Src: image.NewUniform(color.Gray{Y: 20}), Face: face}
	for i, l := range lines {
		y := margin + (i+1)*lineH - lineH/4
		item, qty, ok := strings.Cut(l, "\t")
		d.Dot = fixed.P(margin, y)
		d.DrawString(item)
		if ok {
			d.Dot = fixed.P(margin+col, y)
			d.DrawString(qty)
		}
	}
	out := tilt(rotate(img, o.Rotate), o.Tilt)
	shade(out, o.Shadow)
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	if o.Noise > 0 {
		n := int(float64(len(out.Pix)) * o.Noise)
		for i := 0; i < n; i++ {
			p := rng.IntN(len(out.Pix))
			if rng.IntN(2) == 0 {
				out.Pix[p] = 0
			} else {
				out.Pix[p] = 255
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// rotate turns img by deg around its centre (bilinear), white outside.
func rotate(img *image.Gray, deg float64) *image.Gray {
	if deg == 0 {
		return img
	}
	b := img.Bounds()
	out := image.NewGray(b)
	rad := deg * math.Pi / 180
	sin, cos := math.Sin(rad), math.Cos(rad)
	cx, cy := float64(b.Dx())/2, float64(b.Dy())/2
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= b.Dx() || y >= b.Dy() {
			return 255
		}
		return float64(img.Pix[y*img.Stride+x])
	}
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			// Where this output pixel comes from in the source.
			dx, dy := float64(x)-cx, float64(y)-cy
			sx := cos*dx - sin*dy + cx
			sy := sin*dx + cos*dy + cy
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			fx, fy := sx-float64(x0), sy-float64(y0)
			v := at(x0, y0)*(1-fx)*(1-fy) + at(x0+1, y0)*fx*(1-fy) + at(x0, y0+1)*(1-fx)*fy + at(x0+1, y0+1)*fx*fy
			out.Pix[y*out.Stride+x] = uint8(v + 0.5)
		}
	}
	return out
}

// shade multiplies the page by a light falling off from the top-left
// corner towards the bottom-right, with a soft dark band across the lower
// third where the hand holding the phone throws its shadow.
func shade(img *image.Gray, strength float64) {
	if strength <= 0 {
		return
	}
	b := img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			d := (float64(x)/w + float64(y)/h) / 2 // 0 at top-left, 1 at bottom-right
			band := math.Exp(-math.Pow((float64(y)/h-0.7)/0.12, 2))
			f := 1 - strength*(0.6*d+0.4*band)
			i := y*img.Stride + x
			img.Pix[i] = uint8(float64(img.Pix[i])*f + 0.5)
		}
	}
}

// tilt maps the page to a trapezium whose top edge is narrower by share
// of the width, as a photo taken from below the slip's bottom edge.
func tilt(img *image.Gray, share float64) *image.Gray {
	if share == 0 {
		return img
	}
	b := img.Bounds()
	out := image.NewGray(b)
	w, h := float64(b.Dx()), float64(b.Dy())
	cx := w / 2
	for y := 0; y < b.Dy(); y++ {
		// The row y of the photo shows the page narrowed by s around cx.
		s := 1 - share*(1-float64(y)/h)
		for x := 0; x < b.Dx(); x++ {
			sx := (float64(x)-cx)/s + cx
			v := 255.0
			if x0 := int(math.Floor(sx)); x0 >= 0 && x0+1 < b.Dx() {
				fx := sx - float64(x0)
				v = float64(img.Pix[y*img.Stride+x0])*(1-fx) + float64(img.Pix[y*img.Stride+x0+1])*fx
			}
			out.Pix[y*out.Stride+x] = uint8(v + 0.5)
		}
	}
	return out
}
