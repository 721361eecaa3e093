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
// reads as punctuation or glues into words), then black on white by Otsu's
// threshold. An image that does not decode is passed through as it is.
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
	t := otsu(med)
	out := image.NewGray(image.Rect(0, 0, w, h))
	for i, v := range med {
		if v > t {
			out.Pix[i] = 255
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		return b
	}
	return buf.Bytes()
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
