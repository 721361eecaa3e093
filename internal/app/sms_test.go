package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"orderhub/config"
	"orderhub/internal/tcsms/smstest"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestDelayTextWired: with sms.* configured, a late demo order of a
// customer without the mini-program is texted through the outbox to the
// configured SMS API (a local server checking the TC3 signature), with the
// coupon the demo gives by default, and the coupon comes off the
// customer's next order.
func TestDelayTextWired(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		srv := smstest.New(t, "AKIDdemo", "demo-secret-key")
		d := startDemo(t, mysql, service.SystemClock, func(c *config.Config) {
			c.SMS.APIBase, c.SMS.SDKAppID, c.SMS.SecretID, c.SMS.SecretKey = srv.URL, "1400000001", "AKIDdemo", "demo-secret-key"
			c.SMS.SignName, c.SMS.DelayTemplate, c.SMS.DelayCouponTemplate = "五金订货", "1001", "1002"
		})
		ctx := context.Background()
		a := d.app
		var cu model.Customer
		if err := a.db.Where("code = ?", "C003").Take(&cu).Error; err != nil {
			t.Fatal(err)
		}
		ord, _, err := a.orders.Create(ctx, service.NewOrder{Customer: "C003", Lines: []service.LineInput{{SKU: "VBELT-A1000", Qty: 1}}, Actor: service.Admin})
		if err != nil {
			t.Fatal(err)
		}
		promised := time.Now().Add(3 * time.Hour).In(a.cfg.Location()).Format("2006-01-02 15:04")
		if _, err := a.orders.Advance(ctx, service.Move{No: ord.Order.No, To: "confirmed", Actor: service.Admin, Fields: map[string]string{"promised_at": promised}}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.esc.Delays(ctx); err != nil {
			t.Fatal(err)
		}
		d.dispatch(t)
		var texts []smstest.Text
		for _, x := range srv.Texts() {
			if x.Phone == "+8613900000003" {
				texts = append(texts, x)
			}
		}
		if srv.Rejected != 0 || len(texts) != 1 || texts[0].TemplateID != "1002" || texts[0].Params[0] != ord.Order.No || texts[0].Params[3] != "20" {
			t.Fatalf("texts %+v (rejected %d)", texts, srv.Rejected)
		}
		var row model.Outbox
		if err := a.db.Where("channel = ? AND order_id = ?", service.ChannelOutboxSMS, ord.Order.ID).Take(&row).Error; err != nil || row.State != model.OutboxSent {
			t.Fatalf("outbox row %+v: %v", row, err)
		}
		code := texts[0].Params[4]
		next, _, err := a.orders.Create(ctx, service.NewOrder{Channel: service.ChannelMiniProgram, Customer: "C003", Lines: []service.LineInput{{SKU: "VBELT-A1000", Qty: 1}}, Actor: service.Admin})
		if err != nil {
			t.Fatal(err)
		}
		if next.CouponUsed == nil || next.CouponUsed.Code != code || next.Order.TotalFen != 0 || next.CouponUsed.OffFen != 1500 {
			t.Fatalf("next order: total %d, coupon %+v; want the text's %s taking all ¥15.00 (worth ¥20.00)", next.Order.TotalFen, next.CouponUsed, code)
		}
		if !strings.HasPrefix(code, "YQ") {
			t.Fatalf("coupon code %q", code)
		}
	})
}
