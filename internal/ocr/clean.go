package ocr

import (
	"bytes"
	"image"
	"image/color"
	_ "image/jpeg" // phone photos
	"image/png"
	"sort"
)

// clean prepares a photo for tesseract: grey, a 3×3 median filter (it
// removes the specks of a phone photo or a fax, which tesseract otherwise
// reads as punctuation or glues into words), then black on white by a
// threshold that follows the light (binarize). An image that does not
// decode is passed through as it is.
func clean(b []byte) []byte {
	src, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return b
	}
	r := src.Bounds()
	w, h := r.Dx(), r.Dy()
	if w < 3 || h < 3 || w*h > 40_000_000 {
		return b
	}
	gray := make([]uint8, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			gray[y*w+x] = color.GrayModel.Convert(src.At(r.Min.X+x, r.Min.Y+y)).(color.Gray).Y
		}
	}
	med := make([]uint8, w*h)
	var win [9]uint8
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := 0
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := min(max(x+dx, 0), w-1), min(max(y+dy, 0), h-1)
					win[n] = gray[yy*w+xx]
					n++
				}
			}
			s := win[:]
			sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
			med[y*w+x] = s[4]
		}
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	binarize(med, w, h, out.Pix)
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		return b
	}
	return buf.Bytes()
}

// binarize writes px (w×h grey) as black on white into out. Otsu's single
// threshold splits ink from paper on an evenly lit page; where a hand or
// the phone throws a shadow, the shadowed paper is darker than the ink of
// the lit part and whole lines vanish. So a pixel is ink when it is
// darker than Otsu's level and also clearly darker (by 15%) than the mean
// of its neighbourhood (an eighth of the page wide: Bradley and Roth's
// adaptive threshold, by an integral image) — or, in shadow, when the
// neighbourhood test alone says so and the pixel is not lit paper.
func binarize(px []uint8, w, h int, out []uint8) {
	t := otsu(px)
	// Sum of the pixels above and left of (x, y), one row and column of
	// zeros first.
	integ := make([]int64, (w+1)*(h+1))
	for y := 0; y < h; y++ {
		var row int64
		for x := 0; x < w; x++ {
			row += int64(px[y*w+x])
			integ[(y+1)*(w+1)+x+1] = integ[y*(w+1)+x+1] + row
		}
	}
	r := max(w, h) / 16
	for y := 0; y < h; y++ {
		y0, y1 := max(y-r, 0), min(y+r+1, h)
		for x := 0; x < w; x++ {
			x0, x1 := max(x-r, 0), min(x+r+1, w)
			n := int64((x1 - x0) * (y1 - y0))
			sum := integ[y1*(w+1)+x1] - integ[y0*(w+1)+x1] - integ[y1*(w+1)+x0] + integ[y0*(w+1)+x0]
			v := px[y*w+x]
			ink := int64(v)*n*100 < sum*85
			if ink && (v <= t || sum < int64(t)*n) {
				out[y*w+x] = 0
			} else {
				out[y*w+x] = 255
			}
		}
	}
}

// otsu picks the grey level that best splits ink from paper.
func otsu(px []uint8) uint8 {
	var hist [256]int
	for _, v := range px {
		hist[v]++
	}
	total := len(px)
	sum := 0.0
	for i, n := range hist {
		sum += float64(i * n)
	}
	var sumB, best float64
	wB, t := 0, 0
	for i := 0; i < 256; i++ {
		wB += hist[i]
		if wB == 0 {
			continue
		}
		wF := total - wB
		if wF == 0 {
			break
		}
		sumB += float64(i * hist[i])
		mB, mF := sumB/float64(wB), (sum-sumB)/float64(wF)
		if v := float64(wB) * float64(wF) * (mB - mF) * (mB - mF); v > best {
			best, t = v, i
		}
	}
	return uint8(t)
}
