package miniprogram_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

// stockingHistory gives C001 a busy window on the 22nd: an order in each
// of the last four months' windows (BOLT-M8-30 ×10 and NUT-M8 ×20; FM-SS-80
// once, a one-off), delivered but the one-off's (open: it waits for a
// transfer); then the clock comes back to today
// (2026-11-24), so the next window is 2026-12-20 (the 20th–23rd hold them all), sent on
// 12-16.
func (h *harness) stockingHistory() {
	h.t.Helper()
	ctx := context.Background()
	now := h.clock.Now()
	for i, day := range []time.Time{
		time.Date(2026, 7, 22, 2, 0, 0, 0, time.UTC), time.Date(2026, 8, 22, 2, 0, 0, 0, time.UTC),
		time.Date(2026, 9, 23, 2, 0, 0, 0, time.UTC), time.Date(2026, 10, 22, 2, 0, 0, 0, time.UTC),
	} {
		h.clock.Set(day)
		lines := []service.LineInput{{SKU: "BOLT-M8-30", Qty: 10}, {SKU: "NUT-M8", Qty: 20}}
		if i == 1 {
			lines = append(lines, service.LineInput{SKU: "FM-SS-80", Qty: 1})
		}
		d, _, err := h.orders.Create(ctx, service.NewOrder{Channel: service.ChannelAPI, Customer: "C001", Lines: lines, Address: "上海市嘉定区安亭镇"})
		if err != nil {
			h.t.Fatal(err)
		}
		if i != 1 { // the one with a transfer stays open
			h.advanceTo(d.Order.No, "confirmed", "picking", "qc", "packed", "shipped", "delivered")
		}
	}
	h.clock.Set(now)
}

// TestStockingListEndpoints: the buyer opens their company's list as a
// prefilled cart, places it (edited) as a planned order with an
// Idempotency-Key — a retry answers the same order, a second order is
// refused — and bad input is refused naming the field, in Chinese.
func TestStockingListEndpoints(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		h.stockingHistory()
		must(h.catalog.CreateCustomer(context.Background(), catalog.CustomerInput{Code: "C002", Name: "新客户", Address: "苏州"}))
		tok := h.login("dev:zhang")
		other := h.login("dev:li")
		admin := func(method, path, body string) resp { return h.do(method, path, adminToken, body) }
		if r := admin("POST", "/api/v1/buyers/dev:zhang/link", `{"customer":"C001"}`); r.code != http.StatusOK {
			t.Fatalf("link: %d %s", r.code, r.body)
		}

		r := h.do("GET", "/api/mp/v1/stocking-list", tok, "")
		if r.code != http.StatusOK {
			t.Fatalf("list: %d %s", r.code, r.body)
		}
		l := r.json(t)["list"].(map[string]any)
		lines := l["lines"].([]any)
		if l["window_from"] != "2026-12-20" || l["send_on"] != "2026-12-16" || len(lines) != 2 || l["order_no"] != "" || l["address"] != "上海市嘉定区安亭镇" {
			t.Fatalf("list %s", r.body)
		}
		first := lines[0].(map[string]any)
		if first["sku"] != "BOLT-M8-30" || first["qty"] != 10.0 || first["name"] != "六角螺栓" || first["price_fen"] != 4500.0 {
			t.Fatalf("line %v", first)
		}
		if r := h.do("GET", "/api/mp/v1/stocking-list", other, ""); r.code != http.StatusNotFound || r.errCode(t) != "stocking_list_not_found" ||
			!strings.Contains(string(r.body), "暂无备货清单") {
			t.Fatalf("no list: %d %s", r.code, r.body)
		}
		if r := h.do("GET", "/api/mp/v1/stocking-list", "", ""); r.code != http.StatusUnauthorized {
			t.Fatalf("no token: %d", r.code)
		}

		for _, tc := range []struct {
			name, key, body string
			status          int
			code, field     string
		}{
			{"no key", "", `{"lines":[{"sku":"BOLT-M8-30","qty":10}]}`, 400, "idempotency_key_required", ""},
			{"no lines", "k", `{"lines":[]}`, 422, "no_lines", "lines"},
			{"qty text", "k", `{"lines":[{"sku":"BOLT-M8-30","qty":"十"}]}`, 422, "invalid_qty", "lines[0].qty"},
			{"qty zero", "k", `{"lines":[{"sku":"BOLT-M8-30","qty":0}]}`, 422, "invalid_qty", "lines[0].qty"},
			{"off the list", "k", `{"lines":[{"sku":"BOLT-M8-30","qty":5},{"sku":"FM-SS-80","qty":1}]}`, 422, "not_on_list", "lines[1].sku"},
			{"unknown field", "k", `{"lines":[{"sku":"BOLT-M8-30","qty":5}],"coupon":"x"}`, 400, "", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var hd []string
				if tc.key != "" {
					hd = []string{"Idempotency-Key", tc.key}
				}
				r := h.do("POST", "/api/mp/v1/stocking-list/order", tok, tc.body, hd...)
				e, _ := r.json(t)["error"].(map[string]any)
				msg, _ := e["message"].(string)
				if r.code != tc.status || (tc.code != "" && r.errCode(t) != tc.code) || (tc.field != "" && e["field"] != tc.field) || !hasHan(msg) {
					t.Fatalf("%d %s", r.code, r.body)
				}
			})
		}
		base := h.locked("BOLT-M8-30")
		if n := h.locked("BOLT-M8-30"); n != 10 {
			t.Fatalf("refused requests locked %d", n)
		}

		body := `{"lines":[{"sku":"BOLT-M8-30","qty":12},{"sku":"NUT-M8","qty":20}],"address":"上海市嘉定区安亭镇","subscribe":true}`
		r = h.do("POST", "/api/mp/v1/stocking-list/order", tok, body, "Idempotency-Key", "plan-1")
		if r.code != http.StatusCreated || r.json(t)["planned"] != true {
			t.Fatalf("place: %d %s", r.code, r.body)
		}
		o := orderOf(t, r)
		no := o["no"].(string)
		if o["promised_at"] != "2026-12-19T18:00:00+08:00" || h.locked("BOLT-M8-30") != base+12 {
			t.Fatalf("order %v, locked %d", o, h.locked("BOLT-M8-30"))
		}
		r = h.do("POST", "/api/mp/v1/stocking-list/order", tok, body, "Idempotency-Key", "plan-1")
		if r.code != http.StatusOK || r.header.Get("Idempotent-Replayed") != "true" || orderOf(t, r)["no"] != no {
			t.Fatalf("retry: %d %s", r.code, r.body)
		}
		r = h.do("POST", "/api/mp/v1/stocking-list/order", tok, body, "Idempotency-Key", "plan-2")
		if r.code != http.StatusConflict || r.errCode(t) != "stocking_ordered" || !strings.Contains(string(r.body), no) {
			t.Fatalf("second: %d %s", r.code, r.body)
		}
		if h.locked("BOLT-M8-30") != base+12 {
			t.Fatalf("locked %d after the refusals", h.locked("BOLT-M8-30"))
		}
		if l := h.do("GET", "/api/mp/v1/stocking-list", tok, "").json(t)["list"].(map[string]any); l["order_no"] != no || l["sent_at"] == nil {
			t.Fatalf("list after ordering: %v", l)
		}
		var row model.StockingSend
		db.Take(&row)
		var ord model.Order
		db.Where("no = ?", no).Take(&ord)
		if row.OrderID == nil || *row.OrderID != ord.ID {
			t.Fatalf("row %+v, order %d", row, ord.ID)
		}
		var sub model.Subscription
		if err := db.Where("event = ? AND order_id = 0", service.EventStocking).Take(&sub).Error; err != nil || sub.OpenID != "dev:zhang" {
			t.Fatalf("subscription %+v %v", sub, err)
		}
	})
}

// TestStockingSubscribeMessage: a buyer who allowed it is sent the list's
// subscribe message on send_on, with the stocking template, opening the
// stocking page; a template the server lacks is refused.
func TestStockingSubscribeMessage(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{wechat: true})
		h.stockingHistory()
		tok := h.login("good-alice")
		if r := h.do("POST", "/api/v1/buyers/o-alice/link", adminToken, `{"customer":"C001"}`); r.code != http.StatusOK {
			t.Fatalf("link: %d %s", r.code, r.body)
		}
		if r := h.do("POST", "/api/mp/v1/stocking-list/subscriptions", tok, ""); r.code != http.StatusOK {
			t.Fatalf("subscribe: %d %s", r.code, r.body)
		}
		h.clock.Set(time.Date(2026, 12, 17, 1, 0, 0, 0, time.UTC))
		sent := must(h.stocking.SendDue(context.Background()))
		if sent.Sent != 1 || sent.Buyers != 1 {
			t.Fatalf("sent %+v", sent)
		}
		h.dispatch()
		s := h.wx.sends()
		if len(s) != 1 || s[0]["touser"] != "o-alice" || s[0]["template_id"] != "tpl-stocking" || s[0]["page"] != "pages/stocking/index" ||
			data(s[0], "phrase2") != "备货提醒" || data(s[0], "character_string1") != "2026-12-20" || !strings.Contains(data(s[0], "thing3"), "2种") ||
			data(s[0], "time4") != "2026-12-20 00:00" {
			t.Fatalf("sent %v", s)
		}
		if again := must(h.stocking.SendDue(context.Background())); again.Sent != 0 {
			t.Fatalf("sent again %+v", again)
		}
	})
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
