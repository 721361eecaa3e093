package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestCarrierSignedIsTheDeliveryTime: the carrier's 签收 push records the
// delivery at the carrier's time, once; the buyer's later 确认收货 changes
// nothing; an unknown waybill is not found.
func TestCarrierSignedIsTheDeliveryTime(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x, _ := hoursEnv(t, db, "2026-12-02 10:00")
		ctx := context.Background()
		no := x.order(t)
		for _, mv := range []service.Move{
			{To: "confirmed", Fields: map[string]string{"promised_at": "2026-12-03 18:00"}},
			{To: "picking"}, {To: "qc", Fields: map[string]string{"qc_inspector": "刘质检"}}, {To: "packed"},
			{To: "shipped", Fields: map[string]string{"carrier": "顺丰", "tracking_no": "SF1000000001", "waybill_photo": attachWaybill(t, x.orders, no)}},
		} {
			mv.No, mv.Actor = no, service.Admin
			if _, err := x.orders.Advance(ctx, mv); err != nil {
				t.Fatal(err)
			}
		}
		signed := x.clock.Now().Add(20 * time.Hour)
		x.clock.Add(21 * time.Hour) // the push arrives an hour after 签收
		moved, err := x.orders.CarrierSigned(ctx, "快递100", "SF1000000001", signed, "已签收，签收人：前台")
		if err != nil || !moved {
			t.Fatalf("push: moved %v, %v", moved, err)
		}
		d, err := x.orders.Get(ctx, no)
		if err != nil {
			t.Fatal(err)
		}
		if d.Order.Stage != "delivered" || !d.Order.StageEnteredAt.Equal(signed) {
			t.Fatalf("after the push: %s at %s, want delivered at the carrier's %s", d.Order.Stage, d.Order.StageEnteredAt, signed)
		}
		if moved, err := x.orders.CarrierSigned(ctx, "快递100", "SF1000000001", signed.Add(time.Hour), ""); err != nil || moved {
			t.Errorf("the same push again: moved %v, %v", moved, err)
		}
		if _, err := x.orders.ConfirmReceipt(ctx, no, service.Admin, ""); err == nil {
			t.Error("确认收货 after 签收 moved the order again")
		}
		d, _ = x.orders.Get(ctx, no)
		if !d.Order.StageEnteredAt.Equal(signed) {
			t.Errorf("delivery time moved to %s", d.Order.StageEnteredAt)
		}
		_, err = x.orders.CarrierSigned(ctx, "快递100", "SF9999", signed, "")
		if !errors.Is(err, service.ErrNotFound) {
			t.Errorf("unknown waybill: %v", err)
		}
	})
}
