package app

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestMiniProgramAcrossInstances runs a buyer's journey through two wired
// instances sharing one database and Redis: a session made on one works on
// the other, the write limit counts both, a tracking link made by one opens
// on the other, and the subscribe message queued by a stage change is sent
// by the one outbox dispatcher through its mini-program route.
func TestMiniProgramAcrossInstances(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		apps, srvs := testApps(t, mysql, "", 2)
		ctx := context.Background()
		if _, err := apps[0].SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		call := func(i int, method, path, token, body string, hdr ...string) (int, map[string]any, http.Header) {
			t.Helper()
			req, _ := http.NewRequest(method, srvs[i].URL+path, strings.NewReader(body))
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			for j := 0; j+1 < len(hdr); j += 2 {
				req.Header.Set(hdr[j], hdr[j+1])
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			var m map[string]any
			_ = json.Unmarshal(raw, &m)
			return res.StatusCode, m, res.Header
		}
		code, m, _ := call(0, "POST", "/api/mp/v1/login", "", `{"code":"dev:zhang"}`)
		if code != http.StatusCreated {
			t.Fatalf("login = %d %v", code, m)
		}
		tok := m["token"].(string)
		if code, _, _ := call(1, "GET", "/api/mp/v1/me", tok, ""); code != http.StatusOK {
			t.Fatalf("a session made on instance 0 = %d on instance 1", code)
		}
		if code, m, _ := call(1, "POST", "/api/v1/buyers/dev:zhang/link", testToken, `{"customer":"C001"}`); code != http.StatusOK {
			t.Fatalf("link = %d %v", code, m)
		}
		code, m, _ = call(0, "POST", "/api/mp/v1/orders", tok, `{"lines":[{"sku":"NUT-M8","qty":2}],"subscribe":["shipped"]}`, "Idempotency-Key", "j-1")
		if code != http.StatusCreated {
			t.Fatalf("order = %d %v", code, m)
		}
		no := m["order"].(map[string]any)["no"].(string)
		// A retry that lands on the other instance gets the same order.
		if code, m, _ := call(1, "POST", "/api/mp/v1/orders", tok, `{"lines":[{"sku":"NUT-M8","qty":2}],"subscribe":["shipped"]}`, "Idempotency-Key", "j-1"); code != 200 || m["order"].(map[string]any)["no"] != no {
			t.Fatalf("retry on instance 1 = %d %v", code, m)
		}
		_, link, _ := call(0, "GET", "/api/v1/orders/"+no+"/tracking-link", testToken, "")
		if code, _, _ := call(1, "GET", link["url"].(string), "", ""); code != http.StatusOK {
			t.Fatalf("tracking link from instance 0 = %d on instance 1", code)
		}
		// The waybill photo is an upload (instance 0); the move naming it
		// lands on instance 1, which finds it attached to the order.
		var form bytes.Buffer
		mw := multipart.NewWriter(&form)
		_ = mw.WriteField("by", "zhoumin")
		fw, _ := mw.CreateFormFile("photo", "waybill.png")
		_ = png.Encode(fw, image.NewGray(image.Rect(0, 0, 40, 30)))
		_ = mw.Close()
		code, m, _ = call(0, "POST", "/api/v1/orders/"+no+"/waybill_photo", testToken, form.String(), "Content-Type", mw.FormDataContentType())
		photo, _ := m["waybill_photo"].(string)
		if code != http.StatusCreated || photo == "" {
			t.Fatalf("waybill photo upload = %d %v", code, m)
		}
		for _, mv := range []string{
			`{"to":"confirmed","by":"sunli","fields":{"promised_at":"2030-12-01 18:00"}}`,
			`{"to":"picking","by":"wangjg"}`, `{"to":"qc","by":"chenjie","fields":{"qc_inspector":"刘洋"}}`,
			`{"to":"packed","by":"liuyang"}`,
			`{"to":"shipped","by":"zhoumin","fields":{"carrier":"顺丰","tracking_no":"SF100","waybill_photo":"` + photo + `"}}`,
		} {
			if code, m, _ := call(1, "POST", "/api/v1/orders/"+no+"/advance", testToken, mv); code != 200 {
				t.Fatalf("advance %s = %d %v", mv, code, m)
			}
		}
		if _, err := apps[0].outbox.DispatchOnce(ctx); err != nil {
			t.Fatal(err)
		}
		var rows []model.Outbox
		apps[0].db.Where("msg_type = ?", service.MsgTypeSubscribe).Find(&rows)
		if len(rows) != 1 || rows[0].State != model.OutboxSent || rows[0].ToUser != "dev:zhang" || rows[0].Channel != "miniprogram" {
			t.Fatalf("subscribe rows = %+v", rows)
		}
		// 30 writes per minute by default, counted across both instances:
		// two were made above (the order and its retry).
		var last int
		var hdr http.Header
		for i := 0; i < 29; i++ {
			last, _, hdr = call(i%2, "POST", "/api/mp/v1/orders/"+no+"/subscriptions", tok, `{"events":["delivered"]}`)
		}
		if last != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" {
			t.Fatalf("the 31st write = %d (Retry-After %q), want 429", last, hdr.Get("Retry-After"))
		}
	})
}
