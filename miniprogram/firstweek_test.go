package miniprogram_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

var englishSentence = regexp.MustCompile(`[a-z]{3,} [a-z]{2,}`)

// What a buyer tripped over in the first week: staff mobiles on a public
// page, internal actors in the timeline, a delay coupon nobody could see,
// no cancel reason, problems and their resolutions out of sight, orders
// with no address, and refusals in English.
func TestFirstWeekBuyer(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{wechat: true, servicePhone: "400-820-1234"})
		ctx := context.Background()
		tok := h.login("good-zhang")

		// 16: no address on the order and none on file: refused, in
		// Chinese; linked to C001, whose address is on file, it is used
		// and the answer says where it came from.
		r := h.do("POST", "/api/mp/v1/orders", tok, `{"lines":[{"sku":"NUT-M8","qty":1}]}`, "Idempotency-Key", "no-addr")
		if r.code != http.StatusUnprocessableEntity || r.errCode(t) != "address_required" || !strings.Contains(string(r.body), "请填写收货地址") {
			t.Fatalf("no address = %d %s", r.code, r.body)
		}
		if r := h.do("POST", "/api/v1/buyers/o-zhang/link", adminToken, `{"customer":"C001"}`); r.code != 200 {
			t.Fatalf("link = %d %s", r.code, r.body)
		}
		r = h.do("POST", "/api/mp/v1/orders", tok, `{"lines":[{"sku":"NUT-M8","qty":2}],"subscribe":["delay"]}`, "Idempotency-Key", "on-file")
		o := orderOf(t, r)
		if r.code != 201 || o["address"] != "上海市嘉定区安亭镇" || o["address_source"] != "customer" {
			t.Fatalf("order with the address on file = %d %v", r.code, o)
		}
		no := o["no"].(string)

		// 5: refusals a buyer reads are Chinese.
		for _, tc := range []struct{ method, path, body, code, want string }{
			{"POST", "/api/mp/v1/orders/" + no + "/confirm-receipt", "", "not_shipped", "发货后才能确认收货"},
			{"POST", "/api/mp/v1/orders", `{"address":"上海","lines":[{"sku":"FM-SS-80","qty":99}]}`, "insufficient_stock", "库存不足"},
		} {
			r := h.do(tc.method, tc.path, tok, tc.body, "Idempotency-Key", "refused-"+tc.code)
			msg := string(r.body)
			if r.errCode(t) != tc.code || !strings.Contains(msg, tc.want) || englishSentence.MatchString(msg) {
				t.Errorf("%s = %d %s", tc.path, r.code, msg)
			}
		}

		// 14: late, the delay scan issues a coupon: in the detail (amount,
		// code, expiry, new estimate), on the page and in the message.
		staff := must(h.catalog.StaffActor(ctx, "cs"))
		if _, err := h.orders.Advance(ctx, service.Move{No: no, To: "confirmed", Fields: map[string]string{"promised_at": "2026-12-10 18:00"}, Actor: staff}); err != nil {
			t.Fatal(err)
		}
		h.clock.Add(16 * 24 * time.Hour)
		esc := h.cfg.Escalation
		esc.DelayCouponFen = 2000
		if n, err := service.NewEscalator(db, h.orders, h.tickets, esc, h.clock.Now, h.cfg.Location(), modeltest.Log()).Delays(ctx); err != nil || n != 1 {
			t.Fatalf("delays = %d, %v", n, err)
		}
		o = orderOf(t, h.do("GET", "/api/mp/v1/orders/"+no, tok, ""))
		delay, _ := o["delay"].(map[string]any)
		coupon, _ := delay["coupon"].(map[string]any)
		code, _ := coupon["code"].(string)
		if coupon["amount_fen"] != 2000.0 || code == "" || !strings.HasSuffix(coupon["expires_at"].(string), "+08:00") ||
			delay["promised_at"] != "2026-12-10T18:00:00+08:00" || delay["eta"] == nil {
			t.Fatalf("delay in the detail = %v", delay)
		}
		h.dispatch()
		var msg map[string]any
		for _, m := range h.wx.sends() {
			if m["template_id"] == "tpl-delay" {
				msg = m
			}
		}
		if msg == nil || !strings.Contains(data(msg, "thing3"), code) || !strings.Contains(data(msg, "thing3"), "¥20.00") {
			t.Fatalf("delay message = %v", msg)
		}
		page := string(h.do("GET", "/t/"+h.tracking.Token(no), "", "").body)
		for _, want := range []string{"延误说明", "¥20.00", "前有效", "12月10日 18:00"} {
			if !strings.Contains(page, want) {
				t.Errorf("tracking page lacks %q", want)
			}
		}
		// The code is the buyer's: the public page never shows it.
		if strings.Contains(page, code) {
			t.Errorf("the public tracking page shows the coupon code %s", code)
		}

		// 12: the page shows role and name with a masked mobile and the
		// service line to call; the logged-in buyer sees the full number.
		for _, want := range []string{"仓库 · 王建国", "138****0001", `href="tel:400-820-1234"`} {
			if !strings.Contains(page, want) {
				t.Errorf("tracking page lacks %q", want)
			}
		}
		if strings.Contains(page, "13800000001") {
			t.Error("the public page shows the keeper's full mobile number")
		}
		if owner := o["owner"].(map[string]any); owner["phone"] != "13800000001" || owner["role"] != "仓库" {
			t.Errorf("owner in the mini-program = %v", owner)
		}

		// 13: the timeline in the buyer's words, no internal actor.
		for _, ev := range o["timeline"].([]any) {
			e := ev.(map[string]any)
			for _, bad := range []string{"系统", "管理员", "演示数据", "zhang", "admin", "system"} {
				if strings.Contains(e["by"].(string)+e["text"].(string), bad) {
					t.Errorf("timeline event names %q: %v", bad, e)
				}
			}
		}
		if tl := o["timeline"].([]any); tl[0].(map[string]any)["text"] != "您在小程序下单" || tl[1].(map[string]any)["by"] != "客服 · 孙丽" {
			t.Errorf("timeline = %v", tl)
		}

		// 15: delivered with an open problem says so; the resolution is
		// shown to the buyer who reported it.
		h.advanceTo(no, "picking", "qc", "packed", "shipped")
		if r := h.do("POST", "/api/mp/v1/orders/"+no+"/confirm-receipt", tok, ""); r.code != 200 {
			t.Fatalf("confirm = %d %s", r.code, r.body)
		}
		r = h.do("POST", "/api/mp/v1/orders/"+no+"/problems", tok, `{"kind":"少发","description":"少了一盒 M8 螺母"}`)
		if r.code != 201 {
			t.Fatalf("problem = %d %s", r.code, r.body)
		}
		o = orderOf(t, h.do("GET", "/api/mp/v1/orders/"+no, tok, ""))
		if o["open_problems"] != 1.0 || len(o["problems"].([]any)) != 1 {
			t.Fatalf("delivered order with an open problem = %v", o)
		}
		if page := string(h.do("GET", "/t/"+h.tracking.Token(no), "", "").body); !strings.Contains(page, "您反馈的问题正在处理") {
			t.Errorf("tracking page does not mention the open problem")
		}
		var tk model.Ticket
		if err := db.Order("id DESC").Take(&tk).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := h.tickets.Resolve(ctx, tk.No, "已补发一盒，顺丰 SF999", service.Admin, nil); err != nil {
			t.Fatal(err)
		}
		o = orderOf(t, h.do("GET", "/api/mp/v1/orders/"+no, tok, ""))
		p := o["problems"].([]any)[0].(map[string]any)
		if p["state_name"] != "已处理" || p["resolution"] != "已补发一盒，顺丰 SF999" || o["open_problems"] != nil {
			t.Fatalf("resolved problem = %v (open %v)", p, o["open_problems"])
		}
		if page := string(h.do("GET", "/t/"+h.tracking.Token(no), "", "").body); !strings.Contains(page, "处理结果：已补发一盒，顺丰 SF999") {
			t.Errorf("tracking page lacks the resolution")
		}

		// 15: a cancelled order says why, in the detail and on the page.
		r = h.do("POST", "/api/mp/v1/orders", tok, `{"lines":[{"sku":"NUT-M8","qty":1}]}`, "Idempotency-Key", "to-cancel")
		no2 := orderOf(t, r)["no"].(string)
		o = orderOf(t, h.do("POST", "/api/mp/v1/orders/"+no2+"/cancel", tok, `{"reason":"买重了"}`))
		if o["cancel_reason"] != "买重了" {
			t.Fatalf("cancelled order = %v", o)
		}
		if page := string(h.do("GET", "/t/"+h.tracking.Token(no2), "", "").body); !strings.Contains(page, "取消原因：买重了") {
			t.Errorf("tracking page lacks the cancel reason")
		}
		r = h.do("POST", "/api/mp/v1/orders/"+no+"/cancel", tok, "")
		if r.errCode(t) != "not_cancellable" || !strings.Contains(string(r.body), "不能在小程序取消") {
			t.Errorf("cancel a delivered order = %d %s", r.code, r.body)
		}
	})
}
