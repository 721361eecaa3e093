package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/model/modeltest"
	"orderhub/service/catalog"
)

// jpegPhoto is a w×h JPEG, a stand-in for a phone's waybill photo.
func jpegPhoto(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x += 7 {
		img.Set(x, x%h, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// postPhoto uploads data as the form field photo (and by, when given) to
// the order's waybill photo route, answering status and JSON.
func (a *api) postPhoto(no, by string, data []byte) (int, map[string]any) {
	a.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if by != "" {
		_ = mw.WriteField("by", by)
	}
	fw, _ := mw.CreateFormFile("photo", "waybill.jpg")
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", a.srv.URL+"/api/v1/orders/"+no+"/waybill_photo", &body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// uploadWaybill uploads a waybill photo and returns its path, what the
// order's waybill_photo then holds.
func (a *api) uploadWaybill(no, by string, data []byte) string {
	a.t.Helper()
	st, out := a.postPhoto(no, by, data)
	path, _ := out["waybill_photo"].(string)
	if st != http.StatusCreated || path == "" {
		a.t.Fatalf("upload waybill of %s: %d %v", no, st, out)
	}
	return path
}

func errOf(out map[string]any) (code, field string) {
	e, _ := out["error"].(map[string]any)
	code, _ = e["code"].(string)
	field, _ = e["field"].(string)
	return code, field
}

// TestWaybillPhotoUpload (issue 25 #12): through the staff API the waybill
// photo is an upload, as in chat: a real photo is stored and attached; a
// made-up waybill_photo, a file that is not an image or a header over the
// pixel cap is refused 422 naming the field; a promise already past is
// refused naming fields.promised_at.
func TestWaybillPhotoUpload(t *testing.T) {
	t.Parallel()
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db)
		if _, err := catalog.NewCatalog(db, config.DefaultRoles).CreateWarehouse(context.Background(), catalog.WarehouseInput{Code: "A", Name: "上海仓", Priority: 10}); err != nil {
			t.Fatal(err)
		}
		a.ok("POST", "/api/v1/products", map[string]any{"sku": "BOLT-M8", "name": "六角螺栓", "price_fen": 4500}, 201)
		a.ok("POST", "/api/v1/customers", map[string]any{"code": "C1", "name": "宏达机电", "region": "上海"}, 201)
		a.ok("POST", "/api/v1/stock/adjust", map[string]any{"warehouse": "A", "sku": "BOLT-M8", "delta": 6, "reason": "入库"}, 200)
		st, out := a.call("POST", "/api/v1/orders", map[string]any{"customer": "C1", "lines": []map[string]any{{"sku": "BOLT-M8", "qty": 1}}, "address": "上海"})
		if st != 201 {
			t.Fatalf("order: %d %v", st, out)
		}
		no := out["order"].(map[string]any)["no"].(string)
		advance := func(to string, fields map[string]string) (int, map[string]any) {
			return a.call("POST", "/api/v1/orders/"+no+"/advance", map[string]any{"to": to, "fields": fields})
		}
		st, out = advance("confirmed", map[string]string{"promised_at": "2026-11-23 18:00"}) // the day before the clock
		if code, field := errOf(out); st != 422 || code != "promise_in_past" || field != "fields.promised_at" {
			t.Errorf("a promise yesterday: %d %v", st, out)
		}
		for _, mv := range []struct {
			to     string
			fields map[string]string
		}{{"confirmed", map[string]string{"promised_at": "2026-11-30 18:00"}}, {"picking", nil}, {"qc", map[string]string{"qc_inspector": "刘洋"}}, {"packed", nil}} {
			if st, out := advance(mv.to, mv.fields); st != 200 {
				t.Fatalf("advance to %s: %d %v", mv.to, st, out)
			}
		}
		ship := map[string]string{"carrier": "顺丰", "tracking_no": "SF1234567890", "waybill_photo": "p.jpg"}
		st, out = advance("shipped", ship)
		if code, field := errOf(out); st != 422 || code != "photo_not_uploaded" || field != "fields.waybill_photo" {
			t.Errorf("shipping with a made-up photo: %d %v", st, out)
		}

		// A PNG whose header says 30000×30000: refused before decoding.
		var huge bytes.Buffer
		huge.WriteString("\x89PNG\r\n\x1a\n")
		ihdr := make([]byte, 13)
		binary.BigEndian.PutUint32(ihdr[0:], 30000)
		binary.BigEndian.PutUint32(ihdr[4:], 30000)
		ihdr[8] = 8
		_ = binary.Write(&huge, binary.BigEndian, uint32(len(ihdr)))
		huge.WriteString("IHDR")
		huge.Write(ihdr)
		_ = binary.Write(&huge, binary.BigEndian, crc32.ChecksumIEEE(append([]byte("IHDR"), ihdr...)))
		b := huge.Bytes()
		for _, tc := range []struct {
			name, code string
			data       []byte
		}{{"text", "photo_not_image", []byte("not a photo at all")}, {"30000×30000", "photo_too_large", b}} {
			st, out := a.postPhoto(no, "", tc.data)
			if code, field := errOf(out); st != 422 || code != tc.code || field != "photo" {
				t.Errorf("upload %s: %d %v", tc.name, st, out)
			}
		}
		if st, out := a.postPhoto("SO20260101-999999", "", jpegPhoto(t, 64, 48)); st != 404 {
			t.Errorf("upload to no order: %d %v", st, out)
		}
		if st, out := a.postPhoto(no, "nobody", jpegPhoto(t, 64, 48)); st != 422 {
			t.Errorf("upload by an unknown userid: %d %v", st, out)
		}

		path := a.uploadWaybill(no, "", jpegPhoto(t, 640, 480))
		if !strings.HasPrefix(path, "waybills/"+no+"/") || !strings.HasSuffix(path, ".jpg") {
			t.Errorf("stored as %q", path)
		}
		ship["waybill_photo"] = path
		if st, out := advance("shipped", ship); st != 200 {
			t.Fatalf("shipping with the uploaded photo: %d %v", st, out)
		}
		st, out = a.call("GET", "/api/v1/orders/"+no, nil)
		if f, _ := out["order"].(map[string]any)["fields"].(map[string]any); st != 200 || f["waybill_photo"] != path {
			t.Errorf("the order's fields after shipping: %d %v", st, out)
		}
	})
}
