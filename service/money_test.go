package service_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

// TestMoneyCannotWrap: prices and quantities are capped so that no order
// total can wrap around int64 — a price of 2^63−1 fen is refused naming
// price_fen, and lines of one SKU merged past the quantity cap are refused
// naming the line.
func TestMoneyCannotWrap(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		ctx := context.Background()
		for _, price := range []int64{math.MaxInt64, service.MaxPriceFen + 1} {
			_, err := e.catalog.CreateProduct(ctx, catalog.ProductInput{SKU: "GOLD-1", Name: "金条", Unit: "根", PriceFen: price})
			var inv *service.InvalidError
			if !errors.As(err, &inv) || inv.Field != "price_fen" {
				t.Errorf("price %d fen = %v, want refused naming price_fen", price, err)
			}
		}
		if _, err := e.catalog.CreateProduct(ctx, catalog.ProductInput{SKU: "GOLD-2", Name: "金条", Unit: "根", PriceFen: service.MaxPriceFen}); err != nil {
			t.Errorf("the highest price = %v", err)
		}
		e.put(t, "A", "BOLT-M8", 100)
		_, _, err := e.orders.Create(ctx, service.NewOrder{Customer: "C1", Actor: service.System, Lines: []service.LineInput{
			{SKU: "BOLT-M8", Qty: service.MaxLineQty}, {SKU: "bolt-m8", Qty: service.MaxLineQty},
		}})
		var inv *service.InvalidError
		if !errors.As(err, &inv) || inv.Field != "lines[1].qty" {
			t.Errorf("two lines of one SKU past the cap = %v, want refused naming lines[1].qty", err)
		}
	})
}
