package app

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// postMultipart posts a multipart form: the values, and file as the
// field fileField when data is not nil.
func postMultipart(t *testing.T, c *http.Client, u string, v url.Values, fileField string, data []byte) *http.Response {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range v {
		for _, s := range vs {
			_ = mw.WriteField(k, s)
		}
	}
	if data != nil {
		fw, _ := mw.CreateFormFile(fileField, "waybill.png")
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, u, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestBoardShipsWithAnUploadedWaybill (issue 25 #12): on the board the
// waybill photo is a file chosen on the advance form, stored and attached
// like the staff API's upload; typed text for it is refused naming the
// field, and the stored photo is shown on the order's page.
func TestBoardShipsWithAnUploadedWaybill(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		apps, srvs := testApps(t, mysql, "", 1)
		a, base := apps[0], srvs[0].URL
		ctx := context.Background()
		if _, err := a.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		var ord model.Order
		if err := a.db.Where("stage = ?", "qc").Order("id").First(&ord).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := a.orders.Advance(ctx, service.Move{No: ord.No, To: "packed", Actor: service.Admin}); err != nil {
			t.Fatal(err)
		}
		ts, err := a.transfers.List(ctx, service.TransferFilter{OrderNo: ord.No, Status: model.TransferPending})
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range ts {
			if _, err := a.transfers.Receive(ctx, tr.ID, service.Admin); err != nil {
				t.Fatal(err)
			}
		}
		c := boardClient(t)
		if resp, _ := postForm(t, c, base+"/dashboard/login", url.Values{"token": {testToken}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", resp.StatusCode)
		}
		_, body := get(t, c, base+"/dashboard/orders/"+ord.No)
		m := csrfField.FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, `enctype="multipart/form-data"`) || !strings.Contains(body, `type="file" name="waybill_photo"`) {
			t.Fatalf("the advance form asks for no photo file:\n%s", body)
		}
		form := url.Values{"csrf": {m[1]}, "to": {"shipped"}, "field.carrier": {"顺丰"}, "field.tracking_no": {"SF1234567890"}}
		typed := url.Values{"field.waybill_photo": {"wb.jpg"}}
		for k, v := range form {
			typed[k] = v
		}
		resp := postMultipart(t, c, base+"/dashboard/orders/"+ord.No+"/advance", typed, "", nil)
		if loc, _ := url.QueryUnescape(resp.Header.Get("Location")); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "waybill_photo") || !strings.Contains(loc, "不是这张订单上传过的照片") {
			t.Fatalf("typed waybill_photo: %d %s", resp.StatusCode, loc)
		}
		var photo bytes.Buffer
		_ = png.Encode(&photo, image.NewGray(image.Rect(0, 0, 64, 48)))
		resp = postMultipart(t, c, base+"/dashboard/orders/"+ord.No+"/advance", form, "waybill_photo", photo.Bytes())
		if loc, _ := url.QueryUnescape(resp.Header.Get("Location")); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "done=") {
			t.Fatalf("advance with the photo: %d %s", resp.StatusCode, loc)
		}
		d, err := a.orders.Get(ctx, ord.No)
		if err != nil || d.Order.Stage != "shipped" || !strings.HasPrefix(d.Fields()["waybill_photo"], "waybills/"+ord.No+"/") {
			t.Fatalf("after shipping: %s, fields %v, %v", d.Order.Stage, d.Fields(), err)
		}
		resp, img := get(t, c, base+"/dashboard/orders/"+ord.No+"/waybill")
		if resp.StatusCode != http.StatusOK || img != photo.String() {
			t.Fatalf("the stored photo: %d, %d bytes, want %d", resp.StatusCode, len(img), photo.Len())
		}
	})
}
