package web_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

// hardWorld is one warehouse with stock, a product and a customer.
func hardWorld(t *testing.T, db *gorm.DB) *api {
	t.Helper()
	a := newAPI(t, db)
	cat := catalog.NewCatalog(db, config.DefaultRoles)
	if _, err := cat.CreateWarehouse(context.Background(), catalog.WarehouseInput{Code: "A", Name: "上海仓", Region: "上海", Priority: 30}); err != nil {
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
	t.Parallel()
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

// Input the database would refuse is refused first, at the service
// boundary: 422 naming the field and its limit, never a 500.
func TestFieldLimits(t *testing.T) {
	t.Parallel()
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := hardWorld(t, db)
		long := func(n int) string { return strings.Repeat("长", n) }
		for _, tc := range []struct {
			name, method, path string
			body               map[string]any
			field, limit       string
		}{
			{"customer contact", "POST", "/api/v1/customers", map[string]any{"code": "C2", "name": "精工", "contact": long(65)}, "contact", "64"},
			{"customer phone", "POST", "/api/v1/customers", map[string]any{"code": "C3", "name": "精工", "phone": strings.Repeat("1", 33)}, "phone", "32"},
			{"customer region", "POST", "/api/v1/customers", map[string]any{"code": "C4", "name": "精工", "region": long(33)}, "region", "32"},
			{"staff phone", "POST", "/api/v1/staff", map[string]any{"userid": "u1", "name": "张", "roles": []string{"keeper"}, "phone": strings.Repeat("1", 33)}, "phone", "32"},
			{"stock delta", "POST", "/api/v1/stock/adjust", map[string]any{"warehouse": "A", "sku": "BOLT-M8", "delta": int64(math.MaxInt64), "reason": "x"}, "delta", "1000000000"},
			{"carrier", "POST", "/api/v1/orders/SO1/advance", map[string]any{"to": "shipped", "fields": map[string]string{"carrier": long(33), "tracking_no": "1"}}, "carrier", "32"},
			{"tracking_no", "POST", "/api/v1/orders/SO1/advance", map[string]any{"to": "shipped", "fields": map[string]string{"carrier": "顺丰", "tracking_no": strings.Repeat("9", 65)}}, "tracking_no", "64"},
		} {
			status, out := a.call(tc.method, tc.path, tc.body)
			msg := errMsg(out)
			if status != 422 || !strings.Contains(msg, tc.field) || !strings.Contains(msg, tc.limit) {
				t.Errorf("%s: %d %v, want 422 naming %s and %s", tc.name, status, out, tc.field, tc.limit)
			}
		}
		// 100 roles (the same one) are one role, not a 500.
		roles := make([]string, 100)
		for i := range roles {
			roles[i] = "keeper"
		}
		if status, out := a.call("POST", "/api/v1/staff", map[string]any{"userid": "u2", "name": "李", "roles": roles}); status != 201 {
			t.Errorf("100 roles = %d %v", status, out)
		}
		// Paging is bounded: a page past the last is refused, naming the
		// limit, rather than wrapping round to page 1.
		status, out := a.call("GET", "/api/v1/products?page=9223372036854775807", nil)
		if msg := errMsg(out); status != 400 || !strings.Contains(msg, "page") || !strings.Contains(msg, "100000") {
			t.Errorf("huge page = %d %v", status, out)
		}
		items, _, err := catalog.NewCatalog(db, config.DefaultRoles).ListProducts(context.Background(), "", math.MaxInt, 50)
		if err != nil || len(items) != 0 {
			t.Errorf("service page MaxInt = %d items, %v; want none", len(items), err)
		}
	})
}

// A staff member with a 40-character userid and a 30-character name can
// write: their label in the ledger fits its column.
func TestLongActorWrites(t *testing.T) {
	t.Parallel()
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := hardWorld(t, db)
		uid := strings.Repeat("u", 40)
		a.ok("POST", "/api/v1/staff", map[string]any{"userid": uid, "name": strings.Repeat("名", 30), "roles": []string{"keeper"}}, 201)
		a.ok("POST", "/api/v1/stock/adjust", map[string]any{"warehouse": "A", "sku": "BOLT-M8", "delta": 5, "reason": "入库", "by": uid}, 200)
		var m model.StockMovement
		if err := db.Order("id DESC").Take(&m).Error; err != nil {
			t.Fatal(err)
		}
		if n := utf8.RuneCountInString(m.Actor); n > service.MaxLabel || !strings.HasSuffix(m.Actor, "("+uid+")") {
			t.Fatalf("actor label %q (%d characters)", m.Actor, n)
		}
	})
}

func errMsg(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

// A body that does not decode is answered naming the field and the JSON
// it expects, in Chinese with English, never a Go type.
func TestDecodeErrorsNameTheField(t *testing.T) {
	t.Parallel()
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := hardWorld(t, db)
		for _, tc := range []struct {
			body string
			want []string
		}{
			{`[]`, []string{"请求体", "对象", "数组"}},
			{`{"customer":5,"lines":[]}`, []string{"customer", "字符串", "数字"}},
			{`{"customer":"C1","lines":{}}`, []string{"lines", "数组", "对象"}},
			{`{"customer":"C1","lines":[],"promised_at":7}`, []string{"promised_at"}},
		} {
			code, out := a.call("POST", "/api/v1/orders", tc.body)
			msg := errMsg(out)
			if (code != 400 && code != 422) || strings.Contains(msg, "Go ") || strings.Contains(msg, "web.") || strings.Contains(msg, "time.Time") || strings.Contains(msg, "int64") {
				t.Errorf("%s = %d %q: leaks Go types", tc.body, code, msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%s = %q, lacks %q", tc.body, msg, w)
				}
			}
		}
	})
}
