package web_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

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

const kdSalt = "kuaidi100-salt-0123"

// kuaidi100 posts a tracking push as 快递100 does: a form with param (the
// tracking, JSON) and sign = upper(md5(param + salt)).
func kuaidi100(t *testing.T, base, nu, state, ftime, salt string) (int, map[string]any) {
	t.Helper()
	param, _ := json.Marshal(map[string]any{"status": "polling", "message": "", "lastResult": map[string]any{
		"message": "ok", "nu": nu, "ischeck": "1", "com": "shunfeng", "state": state,
		"data": []map[string]string{{"context": "已签收，签收人：前台", "ftime": ftime, "time": ftime}, {"context": "派件中", "ftime": "2026-12-02 08:00:00"}}}})
	sum := md5.Sum(append(param, salt...))
	form := url.Values{"param": {string(param)}, "sign": {strings.ToUpper(hex.EncodeToString(sum[:]))}}
	res, err := http.PostForm(base+"/api/v1/carriers/kuaidi100/callback", form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// TestKuaidi100Push: a signed 签收 push records the delivery at the
// carrier's time; a wrong signature, a push on the way and an unknown
// waybill do not.
func TestKuaidi100Push(t *testing.T) {
	t.Parallel()
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		cfg := config.Default()
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		rdb, prefix := modeltest.Redis(t)
		log := modeltest.Log()
		reg := prometheus.NewRegistry()
		pipe := service.NewPipeline(cfg)
		// A fake clock on the day the test promises for (10:00 Shanghai),
		// so the promise lies ahead whatever day the test runs.
		fake := testclock.New(time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC))
		clock := fake.Now
		cat := catalog.NewCatalog(db, cfg.Roles)
		orders := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock, cfg.Location(), log, service.NewMetrics(reg))
		s := web.New(web.Deps{Catalog: cat, Stock: service.NewStock(db, clock), Orders: orders, Transfers: service.NewTransfers(db, pipe, clock),
			AdminToken: token, Location: cfg.Location(), Log: log, Registry: reg, Ready: func(ctx context.Context) error { return nil }, DataDir: t.TempDir()})
		s.MountCarriers(orders, kdSalt)
		srv := httptest.NewServer(s.Handler())
		t.Cleanup(srv.Close)
		a := &api{t: t, srv: srv}
		ctx := context.Background()
		must := func(err error) {
			if err != nil {
				t.Fatal(err)
			}
		}
		_, err := cat.CreateWarehouse(ctx, catalog.WarehouseInput{Code: "SH", Name: "上海仓", Priority: 10})
		must(err)
		_, err = cat.CreateCustomer(ctx, catalog.CustomerInput{Code: "C1", Name: "宏达机电", Region: "上海", Address: "上海市嘉定区安亭镇"})
		must(err)
		_, err = cat.CreateProduct(ctx, catalog.ProductInput{SKU: "BOLT-M8", Name: "六角螺栓", Spec: "M8", PriceFen: 100})
		must(err)
		if st, out := a.call("POST", "/api/v1/stock/adjust", map[string]any{"warehouse": "SH", "sku": "BOLT-M8", "delta": 5, "reason": "t"}); st >= 300 {
			t.Fatalf("stock: %d %v", st, out)
		}
		st, out := a.call("POST", "/api/v1/orders", map[string]any{"customer": "C1", "lines": []map[string]any{{"sku": "BOLT-M8", "qty": 1}}})
		if st != 201 {
			t.Fatalf("order: %d %v", st, out)
		}
		no := out["order"].(map[string]any)["no"].(string)
		photo := a.uploadWaybill(no, "", jpegPhoto(t, 640, 480))
		for _, mv := range []map[string]any{
			{"to": "confirmed", "fields": map[string]string{"promised_at": "2026-12-03 18:00"}}, {"to": "picking"},
			{"to": "qc", "fields": map[string]string{"qc_inspector": "刘洋"}}, {"to": "packed"},
			{"to": "shipped", "fields": map[string]string{"carrier": "顺丰", "tracking_no": "SF1000000001", "waybill_photo": photo}},
		} {
			if st, out := a.call("POST", "/api/v1/orders/"+no+"/advance", mv); st != 200 {
				t.Fatalf("advance %v: %d %v", mv["to"], st, out)
			}
		}
		fake.Add(3 * time.Hour) // 签收 after shipping, before the push
		signed := fake.Now().In(cfg.Location()).Truncate(time.Second)
		ftime := signed.Format("2006-01-02 15:04:05")
		if st, out := kuaidi100(t, srv.URL, "SF1000000001", "3", ftime, "not-the-salt"); st != 401 || out["returnCode"] != "500" {
			t.Errorf("wrong salt: %d %v", st, out)
		}
		if st, out := kuaidi100(t, srv.URL, "SF1000000001", "5", ftime, kdSalt); st != 200 || out["result"] != true {
			t.Errorf("派件中: %d %v", st, out)
		}
		d, _ := orders.Get(ctx, no)
		if d.Order.Stage != "shipped" {
			t.Fatalf("a wrong salt or a push on the way moved the order to %s", d.Order.Stage)
		}
		if st, out := kuaidi100(t, srv.URL, "SF1000000001", "3", ftime, kdSalt); st != 200 || out["result"] != true {
			t.Fatalf("签收: %d %v", st, out)
		}
		d, _ = orders.Get(ctx, no)
		if d.Order.Stage != "delivered" || !d.Order.StageEnteredAt.Equal(signed) {
			t.Errorf("after 签收: %s at %s, want delivered at %s", d.Order.Stage, d.Order.StageEnteredAt, signed)
		}
		if st, _ := kuaidi100(t, srv.URL, "SF404", "3", ftime, kdSalt); st != 404 {
			t.Errorf("unknown waybill: %d", st)
		}
	})
}
