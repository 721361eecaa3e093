package web_test

import (
	"strings"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

func errMessage(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

// TestMasterDataAPI: a company sets up its warehouses, products (with
// channel aliases, then retiring one), customers and staff through the
// API; every field over its column limit is a 422 naming field and limit.
func TestMasterDataAPI(t *testing.T) {
	t.Parallel()
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db)
		long := func(n int) string { return strings.Repeat("长", n) }

		// Warehouses.
		for _, tc := range []struct {
			name  string
			body  map[string]any
			field string
			limit string
		}{
			{"name over 64", map[string]any{"code": "SH", "name": long(65)}, "name", "64"},
			{"code over 32", map[string]any{"code": strings.Repeat("X", 33), "name": "仓"}, "code", "32"},
			{"region over 32", map[string]any{"code": "SH", "name": "仓", "region": long(33)}, "region", "32"},
			{"priority out of range", map[string]any{"code": "SH", "name": "仓", "priority": 10000}, "priority", "9999"},
			{"unknown keeper", map[string]any{"code": "SH", "name": "仓", "keeper": "nobody"}, "keeper", "nobody"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, out := a.call("POST", "/api/v1/warehouses", tc.body)
				msg := errMessage(out)
				if status != 422 || !strings.HasPrefix(msg, tc.field+":") || !strings.Contains(msg, tc.limit) {
					t.Errorf("POST /warehouses %v = %d %v, want 422 naming %s and %s", tc.name, status, out, tc.field, tc.limit)
				}
			})
		}
		a.ok("POST", "/api/v1/warehouses", map[string]any{"code": "sh", "name": "上海嘉定仓", "region": "上海", "priority": 30}, 201)
		a.ok("POST", "/api/v1/warehouses", map[string]any{"code": "SZ", "name": "苏州仓", "region": "苏州", "priority": 20}, 201)
		if status, out := a.call("POST", "/api/v1/warehouses", map[string]any{"code": "SH", "name": "again"}); status != 409 {
			t.Errorf("duplicate warehouse = %d %v", status, out)
		}
		a.ok("POST", "/api/v1/staff", map[string]any{"userid": "wang", "name": "王仓管", "roles": []string{"keeper"}, "warehouse": "SH"}, 201)
		a.ok("POST", "/api/v1/staff", map[string]any{"userid": "zhao", "name": "赵仓管", "roles": []string{"keeper"}, "warehouse": "SH"}, 201)
		a.ok("POST", "/api/v1/staff", map[string]any{"userid": "lead", "name": "钱主管", "roles": []string{"keeper_lead"}, "warehouse": "SH"}, 201)
		w := a.ok("PATCH", "/api/v1/warehouses/SZ", map[string]any{"priority": 40, "keeper": "wang"}, 200)["warehouse"].(map[string]any)
		if w["keeper"] != "wang" || w["priority"] != float64(40) || w["name"] != "苏州仓" {
			t.Errorf("patched warehouse = %v", w)
		}
		ws := a.ok("GET", "/api/v1/warehouses", nil, 200)["items"].([]any)
		if ws[0].(map[string]any)["code"] != "SZ" || ws[0].(map[string]any)["keeper"] != "wang" {
			t.Errorf("warehouses after patch = %v", ws)
		}
		if status, _ := a.call("PATCH", "/api/v1/warehouses/NOPE", map[string]any{"priority": 1}); status != 404 {
			t.Errorf("patch unknown warehouse = %d", status)
		}

		// Products: update, aliases per channel, retire.
		a.ok("POST", "/api/v1/products", map[string]any{"sku": "BOLT-M8", "name": "六角螺栓", "price_fen": 4500}, 201)
		a.ok("POST", "/api/v1/products", map[string]any{"sku": "NUT-M8", "name": "六角螺母", "price_fen": 2600}, 201)
		p := a.ok("PATCH", "/api/v1/products/bolt-m8", map[string]any{"price_fen": 4800, "aliases": []map[string]any{{"channel": "JD", "alias": "JD-1001"}, {"channel": "customer:C1", "alias": "螺栓M8"}}}, 200)["product"].(map[string]any)
		if p["price_fen"] != float64(4800) || len(p["aliases"].([]any)) != 2 || p["name"] != "六角螺栓" {
			t.Errorf("patched product = %v", p)
		}
		if status, out := a.call("PATCH", "/api/v1/products/NUT-M8", map[string]any{"aliases": []map[string]any{{"channel": "jd", "alias": "JD-1001"}}}); status != 409 || errCode(out) != "alias_taken" || !strings.Contains(errMessage(out), "BOLT-M8") {
			t.Errorf("alias taken = %d %v", status, out)
		}
		if status, out := a.call("PATCH", "/api/v1/products/NUT-M8", map[string]any{"unit": long(17)}); status != 422 || !strings.Contains(errMessage(out), "unit") || !strings.Contains(errMessage(out), "16") {
			t.Errorf("unit too long = %d %v", status, out)
		}
		var n int64
		db.Model(&model.ProductAlias{}).Count(&n)
		if n != 2 {
			t.Errorf("aliases stored = %d, want 2", n)
		}
		a.ok("POST", "/api/v1/stock/adjust", map[string]any{"warehouse": "SH", "sku": "NUT-M8", "delta": 50, "reason": "期初"}, 200)
		a.ok("PATCH", "/api/v1/products/NUT-M8", map[string]any{"active": false}, 200)

		// Customers: update contacts, region, nearest warehouse, address, tags; list, search.
		a.ok("POST", "/api/v1/customers", map[string]any{"code": "C1", "name": "宏达机电"}, 201)
		a.ok("POST", "/api/v1/customers", map[string]any{"code": "C2", "name": "华东五金"}, 201)
		cu := a.ok("PATCH", "/api/v1/customers/c1", map[string]any{"contact": "刘经理", "phone": "13800000001", "region": "上海", "warehouse": "SH", "address": "上海市嘉定区曹安公路 1 号", "tags": []string{"大客户", "月结", "大客户"}}, 200)["customer"].(map[string]any)
		if cu["warehouse"] != "SH" || cu["address"] != "上海市嘉定区曹安公路 1 号" || len(cu["tags"].([]any)) != 2 {
			t.Errorf("patched customer = %v", cu)
		}
		if status, out := a.call("PATCH", "/api/v1/customers/C1", map[string]any{"address": long(256)}); status != 422 || !strings.Contains(errMessage(out), "address") || !strings.Contains(errMessage(out), "255") {
			t.Errorf("address too long = %d %v", status, out)
		}
		if status, _ := a.call("PATCH", "/api/v1/customers/C1", map[string]any{"warehouse": "XX"}); status != 422 {
			t.Errorf("unknown warehouse = %d", status)
		}
		for q, want := range map[string]int{"?q=宏达": 1, "?tag=月结": 1, "?tag=月": 0, "?warehouse=SH": 1, "": 2, "?q=13800000001": 1} {
			got := a.ok("GET", "/api/v1/customers"+q, nil, 200)
			if int(got["total"].(float64)) != want {
				t.Errorf("GET /customers%s total = %v, want %d", q, got["total"], want)
			}
		}

		// An order without an address ships to the address on file; a
		// retired product is refused.
		a.ok("POST", "/api/v1/stock/adjust", map[string]any{"warehouse": "SH", "sku": "BOLT-M8", "delta": 20, "reason": "期初"}, 200)
		o := a.ok("POST", "/api/v1/orders", map[string]any{"customer": "C1", "lines": []map[string]any{{"sku": "BOLT-M8", "qty": 2}}}, 201)["order"].(map[string]any)
		if o["address"] != "上海市嘉定区曹安公路 1 号" {
			t.Errorf("order address = %v, want the address on file", o["address"])
		}
		if status, out := a.call("POST", "/api/v1/orders", map[string]any{"customer": "C1", "lines": []map[string]any{{"sku": "NUT-M8", "qty": 2}}}); status != 422 || errCode(out) != "inactive_sku" {
			t.Errorf("order for retired product = %d %v", status, out)
		}

		// Staff: list, roles checked, deactivate hands work over and tells the lead.
		if status, out := a.call("PATCH", "/api/v1/staff/zhao", map[string]any{"roles": []string{"keeper", "janitor"}}); status != 422 || !strings.Contains(errMessage(out), "janitor") {
			t.Errorf("unknown role = %d %v", status, out)
		}
		if status, out := a.call("PATCH", "/api/v1/staff/zhao", map[string]any{"name": long(65)}); status != 422 || !strings.Contains(errMessage(out), "64") {
			t.Errorf("name too long = %d %v", status, out)
		}
		s := a.ok("PATCH", "/api/v1/staff/zhao", map[string]any{"roles": []string{"keeper", "customer_service"}, "phone": "13900000002"}, 200)["staff"].(map[string]any)
		if len(s["roles"].([]any)) != 2 || s["phone"] != "13900000002" || s["warehouse"] != "SH" {
			t.Errorf("patched staff = %v", s)
		}
		if got := a.ok("GET", "/api/v1/staff?role=keeper", nil, 200); got["total"] != float64(2) {
			t.Errorf("keepers = %v", got)
		}
		if status, _ := a.call("GET", "/api/v1/staff?role=janitor", nil); status != 422 {
			t.Errorf("list by unknown role = %d", status)
		}
		// The order's first stage is customer_service's: zhao holds it now.
		var ord model.Order
		db.Where("no = ?", o["no"]).Take(&ord)
		db.Model(&model.Order{}).Where("id = ?", ord.ID).Update("owner_staff_id", mustStaffID(t, db, "zhao"))
		h := a.ok("POST", "/api/v1/staff/zhao/deactivate", nil, 200)["handover"].(map[string]any)
		if h["told"] != "lead" || h["orders"].(float64)+h["unassigned"].(float64) != 1 {
			t.Errorf("handover = %v", h)
		}
		db.Where("id = ?", ord.ID).Take(&ord)
		if ord.OwnerStaffID != nil && *ord.OwnerStaffID == mustStaffID(t, db, "zhao") {
			t.Errorf("order still owned by the leaver")
		}
		var told int64
		db.Model(&model.Outbox{}).Where("to_user = ? AND body LIKE ?", "lead", "%赵仓管%").Count(&told)
		if told != 1 {
			t.Errorf("lead told %d times, want 1", told)
		}
		if got := a.ok("GET", "/api/v1/staff?active=false", nil, 200); got["total"] != float64(1) {
			t.Errorf("inactive staff = %v", got)
		}
		if got := a.ok("GET", "/api/v1/staff/zhao", nil, 200)["staff"].(map[string]any); got["active"] != false {
			t.Errorf("zhao = %v", got)
		}
	})
}

func mustStaffID(t *testing.T, db *gorm.DB, userID string) uint64 {
	t.Helper()
	var s model.Staff
	if err := db.Where("user_id = ?", userID).Take(&s).Error; err != nil {
		t.Fatal(err)
	}
	return s.ID
}
