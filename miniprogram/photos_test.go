package miniprogram_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
	"orderhub/service/catalog"
)

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload posts data as the multipart field "photo", the way wx.uploadFile does.
func (h *harness) upload(path, token, field string, data []byte) resp {
	h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile(field, "tmp_wx.png")
	if err != nil {
		h.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, req)
	return resp{code: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

func TestProblemPhotos(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{writeLimit: 100})
		must(h.catalog.CreateStaff(context.Background(), catalog.StaffInput{UserID: "cslead", Name: "钱主管", Phone: "13900000000", Roles: []string{"cs_lead"}}))
		zhang, li := h.login("dev:zhang"), h.login("dev:li")
		no := h.order(zhang, "z", `[{"sku":"NUT-M8","qty":2}]`)
		liNo := h.order(li, "l", `[{"sku":"NUT-M8","qty":1}]`)
		r := h.do("POST", "/api/mp/v1/orders/"+no+"/problems", zhang, `{"kind":"damaged","description":"外箱破损"}`)
		if r.code != http.StatusCreated {
			t.Fatalf("report = %d %s", r.code, r.body)
		}
		tk := r.json(t)["ticket"].(map[string]any)["no"].(string)
		path := "/api/mp/v1/orders/" + no + "/problems/" + tk + "/photos"
		img := pngBytes(t)

		r = h.upload(path, zhang, "photo", img)
		if r.code != http.StatusCreated {
			t.Fatalf("upload = %d %s", r.code, r.body)
		}
		if m := r.json(t); m["count"] != float64(1) || m["photo"].(map[string]any)["name"] != "1.png" {
			t.Fatalf("upload answer %s", r.body)
		}

		// A phone photo is bigger than the server's 1 MiB cap on other bodies.
		big := append(append([]byte{}, img...), make([]byte, 3<<20)...)
		if r := h.upload(path, zhang, "photo", big); r.code != http.StatusCreated {
			t.Fatalf("3 MiB photo = %d %s", r.code, r.body)
		}

		for _, tc := range []struct {
			name, path, tok, field string
			data                   []byte
			status                 int
			code                   string
		}{
			{"not an image", path, zhang, "photo", []byte("just some text, not a picture"), 422, "not_an_image"},
			{"no photo field", path, zhang, "file", img, 400, "photo_required"},
			{"too large", path, zhang, "photo", append(append([]byte{}, img...), make([]byte, 6<<20)...), 413, "body_too_large"},
			{"over 5 MiB in a body the cap lets in", path, zhang, "photo", append(append([]byte{}, img...), make([]byte, 5<<20)...), 413, "photo_too_large"},
			{"another buyer", "/api/mp/v1/orders/" + no + "/problems/" + tk + "/photos", li, "photo", img, 404, "order_not_found"},
			{"ticket of another order", "/api/mp/v1/orders/" + liNo + "/problems/" + tk + "/photos", li, "photo", img, 404, "ticket_not_found"},
			{"no such ticket", "/api/mp/v1/orders/" + no + "/problems/TK20261124-999999/photos", zhang, "photo", img, 404, "ticket_not_found"},
			{"not a ticket number", "/api/mp/v1/orders/" + no + "/problems/TK..x/photos", zhang, "photo", img, 404, "ticket_not_found"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := h.upload(tc.path, tc.tok, tc.field, tc.data)
				if r.code != tc.status || r.errCode(t) != tc.code {
					t.Fatalf("= %d %s, want %d %s", r.code, r.body, tc.status, tc.code)
				}
			})
		}

		// Racing uploads get distinct names, and the cap holds.
		var wg sync.WaitGroup
		codes := make([]int, 8)
		for i := range codes {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				codes[i] = h.upload(path, zhang, "photo", img).code
			}(i)
		}
		wg.Wait()
		created := 0
		for _, c := range codes {
			switch c {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
			default:
				t.Fatalf("racing uploads answered %v", codes)
			}
		}
		if created != 4 {
			t.Fatalf("%d racing uploads stored after 2, want 4 (cap 6): %v", created, codes)
		}

		// Staff see them.
		list := h.do("GET", "/api/v1/tickets/"+tk+"/photos", adminToken, "")
		items, _ := list.json(t)["items"].([]any)
		if list.code != 200 || len(items) != 6 || items[0].(map[string]any)["name"] != "1.png" ||
			items[0].(map[string]any)["url"] != "/api/v1/tickets/"+tk+"/photos/1.png" {
			t.Fatalf("staff list = %d %s", list.code, list.body)
		}
		got := h.do("GET", "/api/v1/tickets/"+tk+"/photos/1.png", adminToken, "")
		if got.code != 200 || !bytes.Equal(got.body, img) || !strings.HasPrefix(got.header.Get("Content-Type"), "image/png") {
			t.Fatalf("staff get = %d %q %d bytes", got.code, got.header.Get("Content-Type"), len(got.body))
		}
		if r := h.do("GET", "/api/v1/tickets/"+tk+"/photos/1.png", "", ""); r.code != http.StatusUnauthorized {
			t.Fatalf("photo without the admin token = %d", r.code)
		}
		if r := h.do("GET", "/api/v1/tickets/"+tk+"/photos/7.png", adminToken, ""); r.code != http.StatusNotFound {
			t.Fatalf("missing photo = %d", r.code)
		}
		if r := h.do("GET", "/api/v1/tickets/"+tk+"/photos/..%2F..%2Forderhub.db", adminToken, ""); r.code != http.StatusNotFound {
			t.Fatalf("path escape = %d %s", r.code, r.body)
		}
	})
}
