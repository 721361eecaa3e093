package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/internal/redislock"
	"orderhub/internal/testclock"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
	"orderhub/web"
)

const token = "test-admin-token-123"

type api struct {
	t   *testing.T
	srv *httptest.Server
}

func newAPI(t *testing.T, db *gorm.DB) *api {
	t.Helper()
	cfg := config.Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rdb, prefix := modeltest.Redis(t)
	log := modeltest.Log()
	reg := prometheus.NewRegistry()
	pipe := service.NewPipeline(cfg)
	// A fake clock: promises the tests give (2026-11-30) lie ahead of it
	// whatever day they run.
	clock := testclock.New(time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC)).Now
	cat := catalog.NewCatalog(db, cfg.Roles)
	stock := service.NewStock(db, clock)
	orders := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock, cfg.Location(), log, service.NewMetrics(reg))
	s := web.New(web.Deps{
		Catalog: cat, Stock: stock, Orders: orders, Transfers: service.NewTransfers(db, pipe, clock),
		AdminToken: token, Location: cfg.Location(), Log: log, Registry: reg,
		Ready:   func(ctx context.Context) error { return rdb.Ping(ctx).Err() },
		DataDir: t.TempDir(),
	})
	web.MountMasterData(s.Staff(), cat, service.NewStaffing(db, pipe, clock, cfg.Roles), log)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &api{t: t, srv: srv}
}

// call sends a request with the admin token and decodes the JSON answer.
func (a *api) call(method, path string, body any, hdr ...string) (int, map[string]any) {
	a.t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, a.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func (a *api) ok(method, path string, body any, want int) map[string]any {
	a.t.Helper()
	status, out := a.call(method, path, body)
	if status != want {
		a.t.Fatalf("%s %s = %d %v, want %d", method, path, status, out, want)
	}
	return out
}

func errCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestStaffAPI(t *testing.T) {
	t.Parallel()
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db)
		ctx := context.Background()
		cat := catalog.NewCatalog(db, config.DefaultRoles)
		for _, w := range []catalog.WarehouseInput{{Code: "A", Name: "上海仓", Region: "上海", Priority: 30}, {Code: "B", Name: "苏州仓", Region: "苏州", Priority: 20}, {Code: "C", Name: "杭州仓", Region: "杭州", Priority: 25}} {
			if _, err := cat.CreateWarehouse(ctx, w); err != nil {
				t.Fatal(err)
			}
		}

		ws := a.ok("GET", "/api/v1/warehouses", nil, 200)["items"].([]any)
		if len(ws) != 3 || ws[0].(map[string]any)["code"] != "A" || ws[1].(map[string]any)["code"] != "C" {
			t.Errorf("warehouses not in priority order: %v", ws)
		}
		a.ok("POST", "/api/v1/products", map[string]any{"sku": "bolt-m8", "name": "六角螺栓", "spec": "M8×30", "unit": "盒", "price_fen": 4500}, 201)
		a.ok("POST", "/api/v1/products", map[string]any{"sku": "NUT-M8", "name": "六角螺母", "price_fen": 2600}, 201)
		a.ok("POST", "/api/v1/customers", map[string]any{"code": "C1", "name": "宏达机电", "region": "上海"}, 201)
		a.ok("POST", "/api/v1/staff", map[string]any{"userid": "keeperB", "name": "李仓管", "roles": []string{"keeper"}, "warehouse": "B"}, 201)
		a.ok("POST", "/api/v1/staff", map[string]any{"userid": "picker", "name": "陈配货", "roles": []string{"picker"}, "warehouse": "A"}, 201)
		a.ok("POST", "/api/v1/stock/adjust", map[string]any{"warehouse": "A", "sku": "BOLT-M8", "delta": 6, "reason": "入库"}, 200)
		a.ok("POST", "/api/v1/stock/adjust", map[string]any{"warehouse": "B", "sku": "BOLT-M8", "delta": 10, "reason": "入库"}, 200)

		order := map[string]any{"customer": "C1", "lines": []map[string]any{{"sku": "BOLT-M8", "qty": 8}}, "address": "上海", "promised_at": "2026-11-30T18:00:00+08:00"}
		status, out := a.call("POST", "/api/v1/orders", order, "Idempotency-Key", "phone-1")
		if status != 201 {
			t.Fatalf("create order = %d %v", status, out)
		}
		o := out["order"].(map[string]any)
		no := o["no"].(string)
		if o["stage"] != "submitted" || o["stage_name"] != "待确认" || len(o["transfers"].([]any)) != 1 || o["promised_at"] != "2026-11-30T18:00:00+08:00" {
			t.Errorf("order = %v", o)
		}
		status, out = a.call("POST", "/api/v1/orders", order, "Idempotency-Key", "phone-1")
		if status != 200 || out["order"].(map[string]any)["no"] != no {
			t.Errorf("replay = %d %v", status, out)
		}
		stock := a.ok("GET", "/api/v1/stock?sku=bolt-m8", nil, 200)["items"].([]any)
		var locked float64
		for _, s := range stock {
			locked += s.(map[string]any)["locked"].(float64)
		}
		if locked != 8 {
			t.Errorf("locked after a replayed order = %v, want 8", locked)
		}

		list := a.ok("GET", "/api/v1/orders?stage=submitted&customer=C1", nil, 200)
		if list["total"].(float64) != 1 || list["items"].([]any)[0].(map[string]any)["customer"] != "C1" {
			t.Errorf("list = %v", list)
		}
		trs := a.ok("GET", "/api/v1/transfers?order="+no, nil, 200)["items"].([]any)
		tr := trs[0].(map[string]any)
		if tr["from"] != "B" || tr["to"] != "A" || tr["qty"].(float64) != 2 || tr["status"] != "pending" || tr["assignee"] != "李仓管" {
			t.Errorf("transfer = %v", tr)
		}
		id := int(tr["id"].(float64))
		a.ok("POST", "/api/v1/transfers/"+strconv.Itoa(id)+"/receive", map[string]any{"by": "keeperB"}, 200)

		// Moving it along, with refusals that say what is wrong.
		status, out = a.call("POST", "/api/v1/orders/"+no+"/advance", map[string]any{"to": "confirmed", "by": "picker"})
		if status != 403 || errCode(out) != "forbidden" {
			t.Errorf("picker confirming = %d %v", status, out)
		}
		a.ok("POST", "/api/v1/orders/"+no+"/advance", map[string]any{"to": "confirmed"}, 200)
		a.ok("POST", "/api/v1/orders/"+no+"/advance", map[string]any{"to": "picking"}, 200)
		status, out = a.call("POST", "/api/v1/orders/"+no+"/advance", map[string]any{"to": "qc"})
		if status != 422 || errCode(out) != "missing_fields" || out["error"].(map[string]any)["missing"].([]any)[0] != "qc_inspector" {
			t.Errorf("qc without inspector = %d %v", status, out)
		}
		status, out = a.call("POST", "/api/v1/orders/"+no+"/advance", map[string]any{"to": "shipped"})
		if status != 409 || errCode(out) != "invalid_transition" {
			t.Errorf("skip to shipped = %d %v", status, out)
		}
		got := a.ok("GET", "/api/v1/orders/"+no, nil, 200)["order"].(map[string]any)
		if got["stage"] != "picking" || len(got["timeline"].([]any)) != 5 {
			t.Errorf("detail = %v", got)
		}
		cancelled := a.ok("POST", "/api/v1/orders/"+no+"/cancel", map[string]any{"reason": "客户取消"}, 200)["order"].(map[string]any)
		if cancelled["stage"] != "cancelled" {
			t.Errorf("cancelled = %v", cancelled)
		}
		for _, s := range a.ok("GET", "/api/v1/stock?sku=BOLT-M8", nil, 200)["items"].([]any) {
			if s.(map[string]any)["locked"].(float64) != 0 {
				t.Errorf("stock after cancel = %v", s)
			}
		}
	})
}

func TestStaffAPIRefusals(t *testing.T) {
	t.Parallel()
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db)
		ctx := context.Background()
		cat := catalog.NewCatalog(db, config.DefaultRoles)
		if _, err := cat.CreateWarehouse(ctx, catalog.WarehouseInput{Code: "A", Name: "上海仓", Priority: 1}); err != nil {
			t.Fatal(err)
		}
		a.ok("POST", "/api/v1/products", map[string]any{"sku": "BOLT-M8", "name": "六角螺栓"}, 201)
		a.ok("POST", "/api/v1/customers", map[string]any{"code": "C1", "name": "宏达机电", "address": "上海市嘉定区安亭镇"}, 201)
		a.ok("POST", "/api/v1/stock/adjust", map[string]any{"warehouse": "A", "sku": "BOLT-M8", "delta": 5}, 200)

		tests := []struct {
			name, method, path string
			body               any
			status             int
			code               string
		}{
			{"malformed json", "POST", "/api/v1/orders", `{"customer":`, 400, "malformed_json"},
			{"empty body", "POST", "/api/v1/orders", ``, 400, "malformed_json"},
			{"qty not an integer", "POST", "/api/v1/orders", `{"customer":"C1","lines":[{"sku":"BOLT-M8","qty":1.5}]}`, 422, "invalid_qty"},
			{"qty a string (one rule with the mini-program)", "POST", "/api/v1/orders", `{"customer":"C1","lines":[{"sku":"BOLT-M8","qty":"3"}]}`, 422, "invalid_qty"},
			{"unknown field (a typo)", "POST", "/api/v1/orders", `{"customer":"C1","line":[]}`, 400, "malformed_json"},
			{"no lines", "POST", "/api/v1/orders", map[string]any{"customer": "C1", "lines": []any{}}, 422, "no_lines"},
			{"zero qty", "POST", "/api/v1/orders", map[string]any{"customer": "C1", "lines": []any{map[string]any{"sku": "BOLT-M8", "qty": 0}}}, 422, "invalid_qty"},
			{"unknown sku", "POST", "/api/v1/orders", map[string]any{"customer": "C1", "lines": []any{map[string]any{"sku": "X", "qty": 1}}}, 422, "unknown_sku"},
			{"insufficient stock", "POST", "/api/v1/orders", map[string]any{"customer": "C1", "lines": []any{map[string]any{"sku": "BOLT-M8", "qty": 6}}}, 409, "insufficient_stock"},
			{"unknown order", "GET", "/api/v1/orders/SO20990101-000001", nil, 404, "order_not_found"},
			{"unknown stage filter", "GET", "/api/v1/orders?stage=flying", nil, 422, "unknown_stage"},
			{"bad page", "GET", "/api/v1/orders?page=zero", nil, 400, "invalid_page"},
			{"duplicate sku", "POST", "/api/v1/products", map[string]any{"sku": "bolt-m8", "name": "x"}, 409, "sku_exists"},
			{"bad sku", "POST", "/api/v1/products", map[string]any{"sku": "has space", "name": "x"}, 422, "invalid_sku"},
			{"unknown role", "POST", "/api/v1/staff", map[string]any{"userid": "u", "name": "n", "roles": []string{"boss"}}, 422, "unknown_role"},
			{"below locked", "POST", "/api/v1/stock/adjust", map[string]any{"warehouse": "A", "sku": "BOLT-M8", "delta": -6}, 409, "below_locked"},
			{"unknown staff as by", "POST", "/api/v1/stock/adjust", map[string]any{"warehouse": "A", "sku": "BOLT-M8", "delta": 1, "by": "ghost"}, 422, "unknown_staff"},
			{"transfer id not a number", "POST", "/api/v1/transfers/abc/receive", nil, 400, "invalid_id"},
			{"unknown transfer", "POST", "/api/v1/transfers/999/receive", nil, 404, "transfer_not_found"},
			{"no such endpoint", "GET", "/api/v1/nothing", nil, 404, "not_found"},
			{"advance without to", "POST", "/api/v1/orders/SO1/advance", map[string]any{}, 422, "required"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				status, out := a.call(tc.method, tc.path, tc.body)
				if status != tc.status || errCode(out) != tc.code {
					t.Errorf("= %d %v, want %d %s", status, out, tc.status, tc.code)
				}
				// Staff read the message: Chinese, the code English.
				if msg := errMsg(out); !chineseMessage(msg) {
					t.Errorf("message %q is not Chinese", msg)
				}
			})
		}
		// Nothing refused above locked anything.
		if s := a.ok("GET", "/api/v1/stock?sku=BOLT-M8", nil, 200)["items"].([]any)[0].(map[string]any); s["locked"].(float64) != 0 || s["on_hand"].(float64) != 5 {
			t.Errorf("stock after refusals = %v", s)
		}
		// The insufficient_stock answer says what is there.
		_, out := a.call("POST", "/api/v1/orders", map[string]any{"customer": "C1", "lines": []any{map[string]any{"sku": "BOLT-M8", "qty": 6}}})
		av := out["error"].(map[string]any)["available"].([]any)[0].(map[string]any)
		if av["sku"] != "BOLT-M8" || av["available"].(float64) != 5 || av["want"].(float64) != 6 {
			t.Errorf("available = %v", av)
		}
	})
}

func TestAuthAndLimits(t *testing.T) {
	t.Parallel()
	a := newAPI(t, modeltest.SQLite(t))
	for _, h := range []string{"", "Bearer wrong-token-xxxxx", "Basic " + token, token} {
		req, _ := http.NewRequest("GET", a.srv.URL+"/api/v1/warehouses", nil)
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 401 {
			t.Errorf("Authorization %q: %d, want 401", h, res.StatusCode)
		}
	}
	big := `{"customer":"C1","remark":"` + strings.Repeat("x", web.MaxBody) + `"}`
	if status, out := a.call("POST", "/api/v1/orders", big); status != 413 || errCode(out) != "body_too_large" {
		t.Errorf("big body = %d %v", status, out)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		res, err := http.Get(a.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("%s = %d", p, res.StatusCode)
		}
	}
	res, _ := http.Get(a.srv.URL + "/metrics")
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	res.Body.Close()
	for _, want := range []string{"orderhub_http_requests_total", "orderhub_orders_refused_total", `route="/api/v1/orders",status="413"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// chineseMessage: a message has Chinese and no English sentence (four
// English words in a row).
func chineseMessage(msg string) bool {
	han := false
	for _, r := range msg {
		han = han || unicode.Is(unicode.Han, r)
	}
	return han && !regexp.MustCompile(`[A-Za-z]+ [a-z]+ [a-z]+ [a-z]+`).MatchString(msg)
}
