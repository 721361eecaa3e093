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

// dispatch runs the outbox once and returns how many rows it claimed.
func (h *harness) dispatch() int {
	h.t.Helper()
	n, err := h.outbox.DispatchOnce(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// delays runs the escalation scanner's delay check once, as serve does on
// every scan.
func (h *harness) delays() (int, error) {
	esc := service.NewEscalator(h.db, h.orders, h.tickets, h.cfg.Escalation, h.clock.Now, h.cfg.Location(), modeltest.Log())
	return esc.Delays(context.Background())
}

// outboxRows lists the outbox's messages to buyers (subscribe messages);
// pushes to staff are left out.
func (h *harness) outboxRows() []model.Outbox {
	h.t.Helper()
	var rows []model.Outbox
	if err := h.db.Where("msg_type = ?", service.MsgTypeSubscribe).Order("id").Find(&rows).Error; err != nil {
		h.t.Fatal(err)
	}
	return rows
}

func data(m map[string]any, key string) string {
	d, _ := m["data"].(map[string]any)
	item, _ := d[key].(map[string]any)
	v, _ := item["value"].(string)
	return v
}

func TestSubscribeMessages(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{wechat: true})
		alice := h.login("good-alice")
		r := h.do("POST", "/api/mp/v1/orders", alice, `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":2}],"subscribe":["shipped","delivered"]}`, "Idempotency-Key", "a1")
		if r.code != http.StatusCreated {
			t.Fatalf("order = %d %s", r.code, r.body)
		}
		no := orderOf(t, r)["no"].(string)
		// Nothing happens to tell about yet.
		h.advanceTo(no, "confirmed", "picking", "qc", "packed")
		if n := h.dispatch(); n != 0 || len(h.wx.sends()) != 0 {
			t.Fatalf("dispatched %d before shipping", n)
		}
		h.advance(no, "shipped")
		if n := h.dispatch(); n != 1 {
			t.Fatalf("dispatched %d on shipping, want 1", n)
		}
		sent := h.wx.sends()
		if len(sent) != 1 {
			t.Fatalf("%d sends", len(sent))
		}
		m := sent[0]
		if m["touser"] != "o-alice" || m["template_id"] != "tpl-shipped" || m["page"] != "pages/order/detail?no="+no || m["miniprogram_state"] != "formal" ||
			m["access_token"] != "tok-1" {
			t.Fatalf("sent %v", m)
		}
		if data(m, "character_string1") != no || data(m, "phrase2") != "已发货" || data(m, "thing3") != "顺丰 SF1234567890" || data(m, "time4") != "2026-11-24 09:30" {
			t.Fatalf("data %v", m["data"])
		}
		// Never twice: nothing is left to send, and shipping again is impossible.
		if n := h.dispatch(); n != 0 {
			t.Fatalf("second dispatch claimed %d", n)
		}
		r = h.do("POST", "/api/mp/v1/orders/"+no+"/confirm-receipt", alice, "")
		if r.code != 200 {
			t.Fatalf("confirm = %d", r.code)
		}
		h.dispatch()
		sent = h.wx.sends()
		if len(sent) != 2 || sent[1]["template_id"] != "tpl-delivered" || data(sent[1], "phrase2") != "已签收" {
			t.Fatalf("sends after delivery = %v", sent)
		}
		// The shared token came from Redis the second time.
		if sent[1]["access_token"] != "tok-1" || h.wx.tokenCalls != 1 {
			t.Fatalf("token %v after %d fetches", sent[1]["access_token"], h.wx.tokenCalls)
		}
		for _, row := range h.outboxRows() {
			if row.State != model.OutboxSent || row.Channel != "miniprogram" || row.MsgType != service.MsgTypeSubscribe {
				t.Fatalf("outbox row %+v", row)
			}
		}
		var subs []model.Subscription
		db.Find(&subs)
		if len(subs) != 2 || subs[0].State != model.SubscriptionQueued || subs[1].State != model.SubscriptionQueued || subs[0].OutboxID == nil {
			t.Fatalf("subscriptions %+v", subs)
		}
	})
}

func TestSubscribeOnlyWhatWasAllowed(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{wechat: true})
		alice, bob := h.login("good-alice"), h.login("good-bob")
		no := h.order(alice, "a1", `[{"sku":"NUT-M8","qty":1}]`)
		// Bob's permission for Alice's order is refused like her order is hidden.
		if r := h.do("POST", "/api/mp/v1/orders/"+no+"/subscriptions", bob, `{"events":["shipped"]}`); r.code != 404 {
			t.Fatalf("bob subscribing to alice's order = %d", r.code)
		}
		for _, tc := range []struct {
			name, body string
			status     int
			code       string
		}{
			{"unknown event", `{"events":["paid"]}`, 422, "template_not_configured"},
			{"no events", `{"events":[]}`, 422, "invalid_events"},
			{"malformed", `{"events":`, 400, "malformed_json"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := h.do("POST", "/api/mp/v1/orders/"+no+"/subscriptions", alice, tc.body)
				if r.code != tc.status || r.errCode(t) != tc.code {
					t.Fatalf("= %d %s, want %d %s", r.code, r.body, tc.status, tc.code)
				}
			})
		}
		if r := h.do("POST", "/api/mp/v1/orders/"+no+"/subscriptions", alice, `{"events":["delivered"]}`); r.code != 200 {
			t.Fatalf("subscribe = %d %s", r.code, r.body)
		}
		// Alice allowed only "delivered": shipping tells nobody.
		h.advanceTo(no, "confirmed", "picking", "qc", "packed", "shipped")
		if n := h.dispatch(); n != 0 {
			t.Fatalf("dispatched %d for an event nobody allowed", n)
		}
		h.advance(no, "delivered")
		h.dispatch()
		if s := h.wx.sends(); len(s) != 1 || s[0]["template_id"] != "tpl-delivered" {
			t.Fatalf("sends = %v", s)
		}
		tpl := h.do("GET", "/api/mp/v1/subscriptions/templates", alice, "").json(t)["templates"].(map[string]any)
		if tpl["shipped"] != "tpl-shipped" || tpl["delivered"] != "tpl-delivered" || tpl["delay"] != "tpl-delay" {
			t.Fatalf("templates = %v", tpl)
		}
	})
}

func TestSubscribeRefusedAndRetried(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{wechat: true})
		alice, bob := h.login("good-alice"), h.login("good-bob")
		a := h.order(alice, "a", `[{"sku":"NUT-M8","qty":1}]`)
		b := h.order(bob, "b", `[{"sku":"NUT-M8","qty":1}]`)
		for _, x := range []struct{ tok, no string }{{alice, a}, {bob, b}} {
			if r := h.do("POST", "/api/mp/v1/orders/"+x.no+"/subscriptions", x.tok, `{"events":["shipped"]}`); r.code != 200 {
				t.Fatal(r.code)
			}
		}
		// WeChat says Bob no longer allows it (43101): recorded, never retried.
		h.wx.set(func(f *fakeWeChat) { f.refuse["o-bob"] = 43101 })
		h.advanceTo(b, "confirmed", "picking", "qc", "packed", "shipped")
		h.dispatch()
		rows := h.outboxRows()
		if len(rows) != 1 || rows[0].State != model.OutboxFailed || rows[0].Attempts != 1 || !strings.Contains(rows[0].LastError, "43101") {
			t.Fatalf("refused row = %+v", rows[0])
		}
		h.clock.Add(48 * time.Hour)
		if n := h.dispatch(); n != 0 || len(h.wx.sends()) != 1 {
			t.Fatalf("a 43101 was retried: claimed %d, %d sends", n, len(h.wx.sends()))
		}

		// An invalid access token: dropped from the cache, retried later
		// with a fresh one, and sent once.
		h.wx.set(func(f *fakeWeChat) { f.failNext = 40001 })
		h.advanceTo(a, "confirmed", "picking", "qc", "packed", "shipped")
		h.dispatch()
		var row model.Outbox
		db.Where("to_user = ?", "o-alice").Take(&row)
		if row.State != model.OutboxPending || row.Attempts != 1 || !strings.Contains(row.LastError, "40001") {
			t.Fatalf("after a bad token: %+v", row)
		}
		// WeChat down for a while: still pending, retried with backoff.
		h.wx.set(func(f *fakeWeChat) { f.down = true })
		h.clock.Add(time.Minute)
		h.dispatch()
		db.Where("to_user = ?", "o-alice").Take(&row)
		if row.State != model.OutboxPending || row.Attempts != 2 {
			t.Fatalf("while WeChat is down: %+v", row)
		}
		h.wx.set(func(f *fakeWeChat) { f.down = false })
		h.clock.Add(2 * time.Minute)
		h.dispatch()
		db.Where("to_user = ?", "o-alice").Take(&row)
		var delivered []map[string]any
		for _, s := range h.wx.sends() {
			if s["touser"] == "o-alice" && s["access_token"] == "tok-2" {
				delivered = append(delivered, s)
			}
		}
		if row.State != model.OutboxSent || len(delivered) != 1 {
			t.Fatalf("row %+v; %d sends with the fresh token", row, len(delivered))
		}
		h.clock.Add(time.Hour)
		if n := h.dispatch(); n != 0 {
			t.Fatalf("claimed %d after it was sent", n)
		}
	})
}

func TestDelayMessage(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{wechat: true})
		// The message without a coupon (TestFirstWeekBuyer has one with it).
		h.cfg.Escalation.DelayCouponFen = 0
		alice := h.login("good-alice")
		no := h.order(alice, "a", `[{"sku":"NUT-M8","qty":1}]`)
		h.do("POST", "/api/mp/v1/orders/"+no+"/subscriptions", alice, `{"events":["delay"]}`)
		// Promised for 11-27 18:00; confirmed now (11-24 09:30): on time.
		h.advance(no, "confirmed")
		if n := must(h.delays()); n != 0 {
			t.Fatalf("on-time order reported late (%d)", n)
		}
		h.dispatch()
		if len(h.wx.sends()) != 0 {
			t.Fatal("told of a delay on time")
		}
		// Three days in confirmed: picking, QC, packing and 48 h on the road
		// can no longer make it.
		h.clock.Add(72 * time.Hour)
		if n := must(h.delays()); n != 1 {
			t.Fatalf("delay scan = %d, want 1", n)
		}
		// A second scan, or a second instance, finds the permission used.
		if n := must(h.delays()); n != 0 {
			t.Fatalf("second scan = %d", n)
		}
		h.advance(no, "picking")
		h.dispatch()
		s := h.wx.sends()
		if len(s) != 1 || s[0]["template_id"] != "tpl-delay" || data(s[0], "phrase2") != "可能延迟" || !strings.Contains(data(s[0], "thing3"), "原定11月27日18:00") {
			t.Fatalf("sends = %v", s)
		}
		// time4 is the new estimate: confirmed's own SLA ran out long ago,
		// so 11-27 09:30 plus picking 4, QC 2, packing 4 and the road 48 h.
		if data(s[0], "time4") != "2026-11-29 19:30" {
			t.Fatalf("estimate = %s", data(s[0], "time4"))
		}
	})
}

func TestDemoNotifierLogs(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		tok := h.login("dev:zhang")
		tpl := h.do("GET", "/api/mp/v1/subscriptions/templates", tok, "").json(t)["templates"].(map[string]any)
		if len(tpl) != 5 || tpl["ticket"] != "tpl-ticket" || tpl["stocking"] != "tpl-stocking" {
			t.Fatalf("templates = %v", tpl)
		}
		r := h.do("POST", "/api/mp/v1/orders", tok, `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":1}],"subscribe":["shipped"]}`, "Idempotency-Key", "d")
		no := orderOf(t, r)["no"].(string)
		h.advanceTo(no, "confirmed", "picking", "qc", "packed", "shipped")
		h.dispatch()
		rows := h.outboxRows()
		if len(rows) != 1 || rows[0].State != model.OutboxSent || rows[0].ToUser != "dev:zhang" || len(h.wx.sends()) != 0 {
			t.Fatalf("demo: rows %+v, %d sends to WeChat", rows, len(h.wx.sends()))
		}
	})
}

func TestProblems(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		must(h.catalog.CreateStaff(context.Background(), catalog.StaffInput{UserID: "cslead", Name: "钱主管", Phone: "13900000000", Roles: []string{"cs_lead"}}))
		zhang, li := h.login("dev:zhang"), h.login("dev:li")
		no := h.order(zhang, "z", `[{"sku":"NUT-M8","qty":2}]`)
		path := "/api/mp/v1/orders/" + no + "/problems"
		// The order waits for customer service: its holder (孙丽, not the
		// lead) owns the buyer's problem and is pushed at once.
		r := h.do("POST", path, zhang, `{"kind":"少发","description":"少了一盒螺母"}`)
		if r.code != http.StatusCreated {
			t.Fatalf("report = %d %s", r.code, r.body)
		}
		tk := r.json(t)["ticket"].(map[string]any)
		if !strings.HasPrefix(tk["no"].(string), "TK") || tk["kind"] != "missing_items" || tk["kind_name"] != "少发" || tk["state"] != "open" ||
			tk["description"] != "少了一盒螺母" || tk["order_no"] != no || tk["assignee"].(map[string]any)["name"] != "孙丽" {
			t.Fatalf("ticket = %v", tk)
		}
		var saved model.Ticket
		db.Take(&saved)
		if saved.Kind != model.TicketCustomerProblem || saved.Description != "【少发】少了一盒螺母" || !strings.HasPrefix(saved.Reporter, "zhang(") {
			t.Fatalf("stored ticket %+v", saved)
		}
		for _, tc := range []struct {
			name, tok, body string
			status          int
			code            string
		}{
			{"unknown kind", zhang, `{"kind":"lost","description":"x"}`, 422, "invalid_kind"},
			{"no description", zhang, `{"kind":"damaged","description":"  "}`, 422, "invalid_description"},
			{"malformed", zhang, `{"kind":`, 400, "malformed_json"},
			{"another buyer's order", li, `{"kind":"damaged","description":"破了"}`, 404, "order_not_found"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := h.do("POST", path, tc.tok, tc.body)
				if r.code != tc.status || r.errCode(t) != tc.code {
					t.Fatalf("= %d %s, want %d %s", r.code, r.body, tc.status, tc.code)
				}
			})
		}
		list := h.do("GET", path, zhang, "")
		if items := list.json(t)["items"].([]any); list.code != 200 || len(items) != 1 {
			t.Fatalf("problems = %d %s", list.code, list.body)
		}
		if r := h.do("GET", path, li, ""); r.code != 404 {
			t.Fatalf("li listing zhang's problems = %d", r.code)
		}
		var n int64
		db.Model(&model.Ticket{}).Count(&n)
		if n != 1 {
			t.Fatalf("%d tickets after refusals", n)
		}
	})
}
