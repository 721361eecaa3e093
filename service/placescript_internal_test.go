package service

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// TestScriptWritesWhatTransactionWrites: on MySQL and MariaDB an
// optimistic batch is written as a script (applyBatchScript: two round
// trips, three with transfers), anything else statement by statement (applyBatch). Both must
// leave exactly the same rows — orders and their numbers, lines,
// allocations, transfers, ledger, timeline, idempotency keys, stock — for
// a batch with a transfer, a shortage and keys, on two fresh databases
// with the same clock. On SQLite both runs take the statement path; the
// comparison still holds them to the same rows.
func TestScriptWritesWhatTransactionWrites(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		fresh := func() *gorm.DB {
			if mysql {
				return modeltest.MySQL(t)
			}
			return modeltest.SQLite(t)
		}
		run := func(contended bool) map[string][]map[string]any {
			db := fresh()
			o := groupWorld(t, db, 3)
			b := model.Warehouse{Code: "B", Name: "苏州仓", Region: "江苏", Priority: 20}
			nut := model.Product{SKU: "NUT", Name: "螺母", Unit: "袋", PriceFen: 10, Active: true}
			for _, row := range []any{&b, &nut} {
				if err := db.Create(row).Error; err != nil {
					t.Fatal(err)
				}
			}
			var a model.Warehouse
			var bolt model.Product
			db.Where("code = ?", "A").Take(&a)
			db.Where("sku = ?", "BOLT").Take(&bolt)
			keeper := model.Staff{UserID: "keeper-b", Name: "苏州仓管", Roles: "keeper", WarehouseID: &b.ID, Active: true}
			stocks := []model.Stock{{WarehouseID: b.ID, ProductID: bolt.ID, OnHand: 10}, {WarehouseID: a.ID, ProductID: nut.ID, OnHand: 5}}
			for _, row := range []any{&keeper, &stocks} {
				if err := db.Create(row).Error; err != nil {
					t.Fatal(err)
				}
			}
			batch := groupBatch(t, 2, "k1")
			batch = append(batch, groupBatch(t, 4, "k2")...) // 1 from A, 3 moved from B
			batch = append(batch, groupBatch(t, 1, "")...)
			batch[2].in.Lines = []LineInput{{SKU: "NUT", Qty: 9}} // short
			batch[2].merged, _ = mergeLines(batch[2].in.Lines)
			batch[0].in.Lines = append(batch[0].in.Lines, LineInput{SKU: "NUT", Qty: 1})
			batch[0].merged, _ = mergeLines(batch[0].in.Lines)
			ctx := context.Background()
			data, err := o.loadBatch(ctx, batch)
			if err != nil {
				t.Fatal(err)
			}
			if err := resolveOrders(batch, data); err != nil {
				t.Fatal(err)
			}
			if err := o.writeBatch(ctx, batch, data, contended); err != nil {
				t.Fatal(err)
			}
			var short *ShortError
			if batch[0].err != nil || batch[1].err != nil || !errors.As(batch[2].err, &short) {
				t.Fatalf("errors %v, %v, %v; want two placed, the third short", batch[0].err, batch[1].err, batch[2].err)
			}
			if n := len(batch[1].d.Transfers); n != 1 || batch[1].d.Transfers[0].ID == 0 {
				t.Fatalf("order 2's transfers %+v, want one with its id", batch[1].d.Transfers)
			}
			out := map[string][]map[string]any{}
			for _, table := range []string{"orders", "order_lines", "allocations", "transfers", "stock_movements", "order_events", "idempotency_keys", "stocks"} {
				var rows []map[string]any
				if err := db.Table(table).Order("id").Find(&rows).Error; err != nil {
					t.Fatal(err)
				}
				for _, r := range rows {
					if table == "stocks" {
						delete(r, "updated_at") // seeded by the wall clock
					}
					for k, v := range r {
						r[k] = fmt.Sprint(v) // drivers differ in the Go types of a map scan
					}
				}
				out[table] = rows
			}
			// What the callers got back is what was written.
			if got := batch[1].d.Order.No; got != fmt.Sprint(out["orders"][1]["no"]) || got == "" {
				t.Fatalf("order 2's number %q, stored %v", got, out["orders"][1]["no"])
			}
			return out
		}
		byStatement, byScript := run(true), run(false)
		if len(byScript["orders"]) != 2 || len(byScript["transfers"]) != 1 || len(byScript["idempotency_keys"]) != 2 {
			t.Fatalf("wrote %d orders, %d transfers, %d keys; want 2, 1, 2", len(byScript["orders"]), len(byScript["transfers"]), len(byScript["idempotency_keys"]))
		}
		for table, want := range byStatement {
			if !reflect.DeepEqual(byScript[table], want) {
				t.Errorf("%s differ:\nscript    %v\nstatement %v", table, byScript[table], want)
			}
		}
	})
}
