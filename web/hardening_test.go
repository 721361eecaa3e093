package web_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// hardWorld is one warehouse with stock, a product and a customer.
func hardWorld(t *testing.T, db *gorm.DB) *api {
	t.Helper()
	a := newAPI(t, db)
	cat := service.NewCatalog(db, config.DefaultRoles)
	if _, err := cat.CreateWarehouse(context.Background(), service.WarehouseInput{Code: "A", Name: "上海仓", Region: "上海", Priority: 30}); err != nil {
		t.Fatal(err)
	}
	a.ok("POST", "/api/v1/products", map[string]any{"sku": "BOLT-M8", "name": "六角螺栓", "price_fen": 4500}, 201)
	a.ok("POST", "/api/v1/customers", map[string]any{"code": "C1", "name": "宏达机电", "region": "上海"}, 201)
	a.ok("POST", "/api/v1/stock/adjust", map[string]any{"warehouse": "A", "sku": "BOLT-M8", "delta": 100, "reason": "入库"}, 200)
	return a
}

// Two bodies whose fields join to the same text are different requests:
// the second use of the key is a 409, not a replay of the first order.
func TestIdempotencyFieldsDoNotJoin(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := hardWorld(t, db)
		body := map[string]any{"customer": "C1", "lines": []map[string]any{{"sku": "BOLT-M8", "qty": 1}}, "address": "a|b"}
		if status, out := a.call("POST", "/api/v1/orders", body, "Idempotency-Key", "k"); status != 201 {
			t.Fatalf("create = %d %v", status, out)
		}
		body["address"], body["remark"] = "a", "b|"
		if status, out := a.call("POST", "/api/v1/orders", body, "Idempotency-Key", "k"); status != 409 || errCode(out) != "idempotency_key_reused" {
			t.Fatalf("a different body whose fields join alike = %d %v, want 409 idempotency_key_reused", status, out)
		}
	})
}
