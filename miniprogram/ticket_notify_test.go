package miniprogram_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

// TestTicketUpdatesTellTheReporter: a buyer who reported a problem and
// allowed ticket updates hears, once per permission, that it was taken up,
// what was done, or that it was closed; allowing again after a message is a
// new permission; a buyer of the same company who did not report it hears
// nothing; a rolled-back change sends nothing; WeChat's 43101 is recorded
// and not retried.
func TestTicketUpdatesTellTheReporter(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{wechat: true})
		ctx := context.Background()
		must(h.catalog.CreateStaff(ctx, catalog.StaffInput{UserID: "cslead", Name: "钱主管", Phone: "13900000000", Roles: []string{"cs_lead"}}))
		alice, bob := h.login("good-alice"), h.login("good-bob")
		for _, openid := range []string{"o-alice", "o-bob"} {
			if r := h.do("POST", "/api/v1/buyers/"+openid+"/link", adminToken, `{"customer":"C001"}`); r.code != 200 {
				t.Fatalf("link %s = %d %s", openid, r.code, r.body)
			}
		}
		subscribe := func(tok, no string) {
			t.Helper()
			if r := h.do("POST", "/api/mp/v1/orders/"+no+"/subscriptions", tok, `{"events":["ticket"]}`); r.code != 200 {
				t.Fatalf("subscribe = %d %s", r.code, r.body)
			}
		}
		report := func(tok, no string) string {
			t.Helper()
			r := h.do("POST", "/api/mp/v1/orders/"+no+"/problems", tok, `{"kind":"missing_items","description":"少了一盒螺母"}`)
			if r.code != 201 {
				t.Fatalf("report = %d %s", r.code, r.body)
			}
			return r.json(t)["ticket"].(map[string]any)["no"].(string)
		}
		pending := func(openid, no string) bool {
			t.Helper()
			var n int64
			db.Model(&model.Subscription{}).Joins("JOIN orders ON orders.id = subscriptions.order_id").
				Where("subscriptions.open_id = ? AND orders.no = ? AND subscriptions.event = ? AND subscriptions.state = ?", openid, no, service.EventTicket, model.SubscriptionPending).
				Count(&n)
			return n == 1
		}

		// Alice reports a problem on her company's order; both buyers
		// allowed ticket updates on it.
		o1 := h.order(alice, "a1", `[{"sku":"NUT-M8","qty":2}]`)
		subscribe(alice, o1)
		subscribe(bob, o1)
		tk1 := report(alice, o1)
		// Reporting pushes the ticket's holder in WeCom; no buyer is told.
		if h.dispatch(); len(h.wx.sends()) != 0 || len(h.outboxRows()) != 0 {
			t.Fatalf("reporting sent %d subscribe messages", len(h.wx.sends()))
		}

		// An ack that rolls back (its chat message was handled meanwhile)
		// queues nothing and leaves the permission unused.
		_, err := service.NewInbox(db, h.clock.Now).Write(ctx, service.Reply{InboundID: 987654}, func(ctx context.Context) error {
			_, err := h.tickets.Ack(ctx, tk1, service.Admin, nil)
			return err
		})
		if !errors.Is(err, service.ErrHandled) {
			t.Fatalf("ack in a rolled-back tx = %v", err)
		}
		if n := h.dispatch(); n != 0 || !pending("o-alice", o1) {
			t.Fatalf("rolled-back ack dispatched %d", n)
		}

		// Acknowledged: Alice, who reported it, is told; Bob is not.
		must(h.tickets.Ack(ctx, tk1, service.Admin, nil))
		if n := h.dispatch(); n != 1 {
			t.Fatalf("dispatched %d on ack, want 1", n)
		}
		sent := h.wx.sends()
		if len(sent) != 1 || sent[0]["touser"] != "o-alice" || sent[0]["template_id"] != "tpl-ticket" || sent[0]["page"] != "pages/order/detail?no="+o1 {
			t.Fatalf("sent %v", sent)
		}
		if data(sent[0], "character_string1") != o1 || data(sent[0], "phrase2") != "已受理" || data(sent[0], "time4") != "2026-11-24 09:30" {
			t.Fatalf("ack data %v", sent[0]["data"])
		}
		if pending("o-alice", o1) || !pending("o-bob", o1) {
			t.Fatal("the ack used the wrong permission")
		}
		// One permission, one message: resolving sends no more.
		h.clock.Add(time.Hour)
		must(h.tickets.Resolve(ctx, tk1, "已补发一盒螺母", service.Admin, nil))
		if n := h.dispatch(); n != 0 || len(h.wx.sends()) != 1 {
			t.Fatalf("a used permission sent again: claimed %d", n)
		}
		// Allowing again is a new permission, for the next update only.
		subscribe(alice, o1)
		subscribe(alice, o1)
		must(h.tickets.Close(ctx, tk1, service.Admin))
		if n := h.dispatch(); n != 1 {
			t.Fatalf("dispatched %d on close after allowing again", n)
		}
		sent = h.wx.sends()
		if len(sent) != 2 || sent[1]["touser"] != "o-alice" || data(sent[1], "phrase2") != "已完结" || data(sent[1], "thing3") != "已补发一盒螺母" {
			t.Fatalf("close sent %v", sent[len(sent)-1])
		}
		if pending("o-alice", o1) || !pending("o-bob", o1) {
			t.Fatal("permissions after the close")
		}

		// Resolved, with what was done.
		o2 := h.order(alice, "a2", `[{"sku":"NUT-M8","qty":1}]`)
		subscribe(alice, o2)
		tk2 := report(alice, o2)
		must(h.tickets.Resolve(ctx, tk2, "已补发一盒螺母，明天送到", service.Admin, nil))
		h.dispatch()
		sent = h.wx.sends()
		if len(sent) != 3 || data(sent[2], "phrase2") != "已处理" || data(sent[2], "thing3") != "已补发一盒螺母，明天送到" || data(sent[2], "time4") != "2026-11-24 10:30" {
			t.Fatalf("resolve sent %v", sent[len(sent)-1])
		}

		// Closed, after she allowed it once the ticket was resolved: the
		// message carries the resolution.
		o3 := h.order(alice, "a3", `[{"sku":"NUT-M8","qty":1}]`)
		tk3 := report(alice, o3)
		must(h.tickets.Resolve(ctx, tk3, "错发的已换", service.Admin, nil))
		subscribe(alice, o3)
		must(h.tickets.Close(ctx, tk3, service.Admin))
		h.dispatch()
		sent = h.wx.sends()
		if len(sent) != 4 || data(sent[3], "phrase2") != "已完结" || data(sent[3], "thing3") != "错发的已换" {
			t.Fatalf("close sent %v", sent[len(sent)-1])
		}

		// Bob reports on his own; WeChat says he no longer allows it
		// (43101): recorded on the row, never retried.
		o4 := h.order(bob, "b1", `[{"sku":"NUT-M8","qty":1}]`)
		subscribe(bob, o4)
		tk4 := report(bob, o4)
		h.wx.set(func(f *fakeWeChat) { f.refuse["o-bob"] = 43101 })
		must(h.tickets.Ack(ctx, tk4, service.Admin, nil))
		h.dispatch()
		var row model.Outbox
		if err := db.Where("to_user = ?", "o-bob").Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		if row.State != model.OutboxFailed || row.Attempts != 1 || !strings.Contains(row.LastError, "43101") {
			t.Fatalf("refused row %+v", row)
		}
		h.clock.Add(48 * time.Hour)
		if n := h.dispatch(); n != 0 || len(h.wx.sends()) != 5 {
			t.Fatalf("a 43101 was retried: claimed %d, %d sends", n, len(h.wx.sends()))
		}
	})
}
