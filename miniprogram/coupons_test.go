package miniprogram_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestCouponsSeenAndUsed: the coupon a late order earned is listed for
// the buyer as usable, comes off their next order (the detail says which
// and how much), is then listed as used on that order, and is never shown
// to another company's buyer.
func TestCouponsSeenAndUsed(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		ctx := context.Background()
		tok := h.login("dev:张伟")
		if r := h.do("POST", "/api/v1/buyers/dev:张伟/link", adminToken, `{"customer":"C001"}`); r.code != 200 {
			t.Fatalf("link = %d %s", r.code, r.body)
		}
		must(h.catalog.CreateCustomer(ctx, serviceCustomer()))
		other := h.login("dev:李四")
		if r := h.do("POST", "/api/v1/buyers/dev:李四/link", adminToken, `{"customer":"C002"}`); r.code != 200 {
			t.Fatalf("link = %d %s", r.code, r.body)
		}
		r := h.do("GET", "/api/mp/v1/coupons", tok, "")
		if r.code != http.StatusOK || r.json(t)["usable"] != 0.0 {
			t.Fatalf("coupons before = %d %s", r.code, r.body)
		}
		late := h.order(tok, "late", `[{"sku":"NUT-M8","qty":1}]`)
		h.advance(late, "confirmed") // promised 11-27 18:00
		h.clock.Add(4 * 24 * time.Hour)
		esc := h.cfg.Escalation
		esc.DelayCouponFen = 2000
		if n, err := service.NewEscalator(db, h.orders, h.tickets, esc, h.clock.Now, h.cfg.Location(), modeltest.Log()).Delays(ctx); err != nil || n != 1 {
			t.Fatalf("delays = %d, %v", n, err)
		}
		body := h.do("GET", "/api/mp/v1/coupons", tok, "").json(t)
		items := body["items"].([]any)
		c := items[0].(map[string]any)
		if body["usable"] != 1.0 || len(items) != 1 || c["state"] != "usable" || c["state_name"] != "可使用" || c["amount_fen"] != 2000.0 || c["for_order_no"] != late {
			t.Fatalf("coupons after the delay = %v", body)
		}
		if b := h.do("GET", "/api/mp/v1/coupons", other, "").json(t); len(b["items"].([]any)) != 0 {
			t.Fatalf("another company's buyer sees %v", b)
		}
		// The public tracking page (anyone with the link) tells of the
		// coupon, but its code only reaches the buyer, logged in.
		page := string(h.do("GET", "/t/"+h.tracking.Token(late), "", "").body)
		if !strings.Contains(page, "补偿券") || !strings.Contains(page, "¥20") || strings.Contains(page, c["code"].(string)) {
			t.Errorf("the public page shows the coupon code %s, or no coupon:\n%s", c["code"], page)
		}
		next := orderOf(t, h.do("POST", "/api/mp/v1/orders", tok, `{"lines":[{"sku":"BOLT-M8-30","qty":2}],"address":"上海市嘉定区"}`, "Idempotency-Key", "next"))
		used, _ := next["coupon_used"].(map[string]any)
		if next["total_fen"] != 7000.0 || used["code"] != c["code"] || used["off_fen"] != 2000.0 {
			t.Fatalf("next order = total %v, coupon %v", next["total_fen"], next["coupon_used"])
		}
		detail := orderOf(t, h.do("GET", "/api/mp/v1/orders/"+next["no"].(string), tok, ""))
		found := false
		for _, ev := range detail["timeline"].([]any) {
			found = found || ev.(map[string]any)["text"] == "已使用补偿券 "+c["code"].(string)+"，减 ¥20.00"
		}
		if !found || detail["total_fen"] != 7000.0 {
			t.Fatalf("detail of the next order = %v", detail)
		}
		c = h.do("GET", "/api/mp/v1/coupons", tok, "").json(t)["items"].([]any)[0].(map[string]any)
		if c["state"] != "used" || c["used_on_no"] != next["no"] || c["used_at"] == nil {
			t.Fatalf("coupon after use = %v", c)
		}
		again := orderOf(t, h.do("POST", "/api/mp/v1/orders", tok, `{"lines":[{"sku":"BOLT-M8-30","qty":2}],"address":"上海市嘉定区"}`, "Idempotency-Key", "again"))
		if again["total_fen"] != 9000.0 || again["coupon_used"] != nil {
			t.Fatalf("the order after = %v %v", again["total_fen"], again["coupon_used"])
		}
	})
}
