package service_test

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestAdvancePromiseOutOfRange (issue 25 #12): a promised time the
// databases cannot store — year 0001 through the staff advance API or
// chat — is refused naming the field (422), on SQLite as on MariaDB
// (where it was a 500 from the driver), and nothing moves.
func TestAdvancePromiseOutOfRange(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 60)
		ctx := context.Background()
		d, _, err := e.orders.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 5}}, Address: "上海市嘉定区", Actor: service.Admin})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{"0001-01-01 18:00", "0000-01-01", "1999-12-31 18:00"} {
			_, err := e.orders.Advance(ctx, service.Move{No: d.Order.No, To: "confirmed", Fields: map[string]string{"promised_at": v}, Actor: staff(t, e, "cs")})
			var inv *service.InvalidError
			if !errors.As(err, &inv) || inv.Field != "fields.promised_at" || inv.Code() != service.CodeInvalidRange {
				t.Errorf("promised_at %s: %v", v, err)
			}
		}
		got := must(e.orders.Get(ctx, d.Order.No))
		if got.Order.Stage != "submitted" || got.Order.PromisedAt != nil {
			t.Fatalf("after the refusals: %s, promised %v", got.Order.Stage, got.Order.PromisedAt)
		}
		if _, err := e.orders.Advance(ctx, service.Move{No: d.Order.No, To: "confirmed", Fields: map[string]string{"promised_at": "2026-11-26 18:00"}, Actor: staff(t, e, "cs")}); err != nil {
			t.Fatal(err)
		}
	})
}
