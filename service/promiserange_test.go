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

// TestPromiseOutOfRangeIsRefused: a promised time outside what the
// databases store (past year 9999 as unix seconds, year 0000/0001) is a
// 422 naming promised_at, never a driver error.
func TestPromiseOutOfRangeIsRefused(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 100)
		for _, at := range []time.Time{time.Unix(253402300800, 0), time.Unix(1<<40, 0), {}, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)} {
			_, _, err := e.orders.Create(context.Background(), service.NewOrder{Customer: "C1", Actor: service.System, PromisedAt: &at,
				Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}})
			var inv *service.InvalidError
			if !errors.As(err, &inv) || inv.Field != "promised_at" {
				t.Errorf("promised %v = %v, want refused naming promised_at", at, err)
			}
		}
		checkInvariants(t, db)
	})
}
