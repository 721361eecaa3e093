package bot_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// countingOCR reads every photo as one line, counting the photos.
type countingOCR struct{ calls atomic.Int32 }

func (c *countingOCR) Name() string { return "test" }
func (c *countingOCR) Text(context.Context, []byte) (string, error) {
	c.calls.Add(1)
	return "客户：C001\nNUT-M8 10", nil
}

// bigPNG is the header of a PNG saying it is w×h grey pixels.
func bigPNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8] = 8
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.WriteString("IHDR")
	b.Write(ihdr)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte("IHDR"), ihdr...)))
	return b.Bytes()
}

// TestSlipPhotoOverPixelCap: a slip photo whose header says 30000×30000
// is answered in Chinese with its size and the way to type the order,
// and never reaches the OCR engine nor becomes a draft (before: it was
// stored and handed to the engine, which decoded it).
func TestSlipPhotoOverPixelCap(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		eng := &countingOCR{}
		e := newEnvOCR(t, db, 1, eng)
		before := len(e.wecom.Sent())
		m := e.text("sunli", "")
		m.MsgType, m.MediaID = "image", e.wecom.PutMedia(bigPNG(30000, 30000))
		if rec := e.post(0, m); rec.Code != 200 {
			t.Fatal(rec.Code)
		}
		e.settle()
		contains(t, e.repliesTo("sunli", before), "照片太大", "30000×30000", "下单 <客户> <SKU或名称> <数量>")
		if n := eng.calls.Load(); n != 0 {
			t.Errorf("the engine read the photo %d times, want 0", n)
		}
		if n := e.count(db.Model(&model.Intake{})); n != 0 {
			t.Errorf("%d drafts, want 0", n)
		}
	})
}
