package service_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/servicetest"
)

// attachWaybill records a waybill photo of the order as an upload does
// (the staff API's POST …/waybill_photo, chat's 附件 and a photo: the file
// under the data dir, then Orders.Attach) and returns its path, what a
// move to shipped may give as waybill_photo (servicetest.AttachWaybill).
func attachWaybill(t testing.TB, o *service.Orders, no string) string {
	t.Helper()
	return servicetest.AttachWaybill(t, o, no)
}

// refusedAs fails unless err is an InvalidError naming field with code.
func refusedAs(t *testing.T, what string, err error, field, code string) {
	t.Helper()
	var inv *service.InvalidError
	if !errors.As(err, &inv) || inv.Field != field || inv.Code() != code {
		t.Errorf("%s = %v, want refused %s naming %s", what, err, code, field)
	}
}

// TestPromiseInThePastIsRefused (issue 25 #12): a promised time already
// past (beyond PromiseSkew of clock skew) is refused naming the field the
// sender wrote — an order placed with promised_at, a stage advance's
// fields.promised_at, a channel's own field (Douyin's exp_ship_time) —
// and nothing is written; a retry of an order placed while its promise lay
// ahead still finds it, and an order held for review is placed with the
// promise it came with however long the review took.
func TestPromiseInThePastIsRefused(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 100)
		ctx := context.Background()
		loc := e.cfg.Location()
		place := func(at time.Time, key string) (service.Detail, bool, error) {
			return e.orders.Create(ctx, service.NewOrder{Customer: "C1", Actor: service.Admin, PromisedAt: &at, IdempotencyKey: key,
				Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}})
		}

		// Orders.Create (the staff API's POST /orders, the mini-program).
		_, _, err := place(e.clock.Now().Add(-time.Hour), "")
		refusedAs(t, "an order promised an hour ago", err, "promised_at", service.CodePromiseInPast)
		_, _, err = place(e.clock.Now().Add(-service.PromiseSkew-time.Second), "")
		refusedAs(t, "an order promised just past the skew", err, "promised_at", service.CodePromiseInPast)
		if n := count(t, db, &model.Order{}); n != 0 {
			t.Fatalf("the refusals wrote %d orders", n)
		}
		if _, _, err := place(e.clock.Now().Add(-service.PromiseSkew+time.Second), ""); err != nil {
			t.Errorf("a promise within the clock skew: %v", err)
		}
		d, created, err := place(e.clock.Now().Add(2*time.Hour), "K-1")
		if err != nil || !created {
			t.Fatalf("an order promised in two hours = %v, %v", created, err)
		}
		e.clock.Add(3 * time.Hour) // its promise is past now: a retry still finds it
		again, created, err := place(e.clock.Now().Add(-time.Hour), "K-1")
		if err != nil || created || again.Order.ID != d.Order.ID {
			t.Fatalf("retry after the promise passed = %v, created %v, order %d want %d", err, created, again.Order.ID, d.Order.ID)
		}

		// Orders.Advance (the staff API's and the board's advance, chat 推进 … 交期=…).
		d = must3(e.orders.Create(ctx, service.NewOrder{Customer: "C1", Actor: service.Admin, Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}}))
		yesterday := e.clock.Now().In(loc).AddDate(0, 0, -1).Format("2006-01-02 15:04")
		today := e.clock.Now().In(loc).Format("2006-01-02") // 18:00 today, ahead of 12:30
		for _, v := range []string{yesterday, e.clock.Now().Add(-10 * time.Minute).Format(time.RFC3339)} {
			_, err := e.orders.Advance(ctx, service.Move{No: d.Order.No, To: "confirmed", Fields: map[string]string{"promised_at": v}, Actor: staff(t, e, "cs")})
			refusedAs(t, "advance promising "+v, err, "fields.promised_at", service.CodePromiseInPast)
		}
		if got := must(e.orders.Get(ctx, d.Order.No)); got.Order.Stage != "submitted" || got.Order.PromisedAt != nil {
			t.Fatalf("after the refusals: %s, promised %v", got.Order.Stage, got.Order.PromisedAt)
		}
		if _, err := e.orders.Advance(ctx, service.Move{No: d.Order.No, To: "confirmed", Fields: map[string]string{"promised_at": today}, Actor: staff(t, e, "cs")}); err != nil {
			t.Fatalf("promising 18:00 today: %v", err)
		}

		// Channels: the refusal names the channel's own field.
		in := newIntakes(e)
		past, ahead := e.clock.Now().Add(-2*time.Hour), e.clock.Now().Add(48*time.Hour)
		_, _, err = send(t, e, in, "shop", fmt.Sprintf(`{"external_id":"N-PAST","customer":{"code":"C1"},"lines":[{"sku":"BOLT-M8","qty":1}],"promised_at":%q}`, past.Format(time.RFC3339)))
		refusedAs(t, "a native channel's past promise", err, "promised_at", service.CodePromiseInPast)
		dy := func(id string, at time.Time, sku string) string {
			return fmt.Sprintf(`{"order_id":%q,"post_receiver":"宏达机电","post_tel":"","exp_ship_time":%d,"sku_order_list":[{"code":%q,"item_num":1}]}`, id, at.Unix(), sku)
		}
		_, _, err = send(t, e, in, "dy", dy("DY-PAST", past, "BOLT-M8"))
		refusedAs(t, "Douyin's past exp_ship_time", err, "exp_ship_time", service.CodePromiseInPast)
		if n := count(t, db, &model.Intake{}); n != 0 {
			t.Fatalf("the refused channel orders left %d intakes", n)
		}
		v, _, err := send(t, e, in, "dy", dy("DY-OK", ahead, "BOLT-M8"))
		if err != nil || v.Order == nil {
			t.Fatalf("Douyin promising in two days = %v", err)
		}
		held, _, err := send(t, e, in, "dy", dy("DY-HELD", e.clock.Now().Add(time.Hour), "NO-SUCH"))
		if err != nil || held.State != model.IntakeReview {
			t.Fatalf("Douyin with an unknown SKU = %v, %s", err, held.State)
		}
		e.clock.Add(50 * time.Hour) // both promises have passed
		if again, replayed, err := send(t, e, in, "dy", dy("DY-OK", ahead, "BOLT-M8")); err != nil || !replayed || again.Order == nil || again.Order.Order.ID != v.Order.Order.ID {
			t.Errorf("Douyin's retry after the promise passed = %v, replayed %v", err, replayed)
		}
		placed, err := in.Resolve(ctx, held.ID, service.Resolution{Lines: map[int]string{0: "BOLT-M8"}, Actor: staff(t, e, "cs")})
		if err != nil || placed.Order == nil || placed.Order.Order.PromisedAt == nil {
			t.Fatalf("resolving an order held past its promise = %v", err)
		}
		checkInvariants(t, db)
	})
}

// TestWaybillPhotoMustBeUploaded (issue 25 #12): a move's waybill_photo
// must be a photo attached to that order (an upload, or chat's 附件 and a
// photo); a made-up name, or another order's photo, is refused naming
// fields.waybill_photo and nothing moves. An attached photo counts given
// again or not given at all.
func TestWaybillPhotoMustBeUploaded(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 100)
		ctx := context.Background()
		promised := e.clock.Now().Add(48 * time.Hour).Format(time.RFC3339)
		packed := func() string {
			d := must3(e.orders.Create(ctx, service.NewOrder{Customer: "C1", Actor: service.Admin, Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}}))
			for _, mv := range []service.Move{{To: "confirmed", Fields: map[string]string{"promised_at": promised}}, {To: "picking"},
				{To: "qc", Fields: map[string]string{"qc_inspector": "刘质检"}}, {To: "packed"}} {
				mv.No, mv.Actor = d.Order.No, service.Admin
				if _, err := e.orders.Advance(ctx, mv); err != nil {
					t.Fatalf("%s: %v", mv.To, err)
				}
			}
			return d.Order.No
		}
		ship := func(no, photo string) error {
			f := map[string]string{"carrier": "顺丰", "tracking_no": "SF1234567890"}
			if photo != "" {
				f["waybill_photo"] = photo
			}
			_, err := e.orders.Advance(ctx, service.Move{No: no, To: "shipped", Fields: f, Actor: staff(t, e, "disp")})
			return err
		}
		a, b, c := packed(), packed(), packed()
		other := attachWaybill(t, e.orders, c)
		for _, photo := range []string{"p.jpg", "waybills/" + a + "/never-sent.jpg", other} {
			refusedAs(t, "shipping with waybill_photo "+photo, ship(a, photo), "fields.waybill_photo", service.CodePhotoNotUploaded)
		}
		if got := must(e.orders.Get(ctx, a)); got.Order.Stage != "packed" {
			t.Fatalf("after the refusals %s is %s", a, got.Order.Stage)
		}
		first := attachWaybill(t, e.orders, a)
		if _, err := e.orders.Attach(ctx, a, service.FieldWaybillPhoto, "waybills/"+a+"/second.jpg", service.Admin); err != nil {
			t.Fatal(err)
		}
		if err := ship(a, first); err != nil { // an earlier photo of the order counts too
			t.Fatalf("shipping with its uploaded photo: %v", err)
		}
		attachWaybill(t, e.orders, b)
		if err := ship(b, ""); err != nil {
			t.Fatalf("shipping after the upload, naming no photo: %v", err)
		}
		if err := ship(c, ""); err != nil {
			t.Fatalf("shipping c: %v", err)
		}
		checkInvariants(t, db)
	})
}
