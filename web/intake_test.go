package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/internal/redislock"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
	"orderhub/web"
)

const webSecret = "channel-secret-0123456789"

func newIntakeAPI(t *testing.T, db *gorm.DB) *api {
	t.Helper()
	cfg := config.Default()
	cfg.Channels = map[string]config.Channel{"pos": {Secret: webSecret, Preset: "pos"}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rdb, prefix := modeltest.Redis(t)
	log := modeltest.Log()
	reg := prometheus.NewRegistry()
	pipe := service.NewPipeline(cfg)
	clock := service.SystemClock
	cat := catalog.NewCatalog(db, cfg.Roles)
	stock := service.NewStock(db, clock)
	orders := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock, cfg.Location(), log, service.NewMetrics(reg))
	s := web.New(web.Deps{
		Catalog: cat, Stock: stock, Orders: orders, Transfers: service.NewTransfers(db, pipe, clock),
		AdminToken: token, Location: cfg.Location(), Log: log, Registry: reg,
		Ready: func(ctx context.Context) error { return rdb.Ping(ctx).Err() },
	})
	s.MountIntake(service.NewIntakes(db, orders, clock, service.NewChannels(cfg.Channels), cfg.Intake.ReviewRole, cfg.Intake.DraftTTL.D()), t.TempDir())
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &api{t: t, srv: srv}
}

// signed posts body to a channel with a signature made at ts, without the
// admin token (channels never have it).
func (a *api) signed(channel, body string, ts int64, secret string) (int, map[string]any) {
	a.t.Helper()
	tss := strconv.FormatInt(ts, 10)
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/api/v1/channels/"+channel+"/orders", bytes.NewReader([]byte(body)))
	req.Header.Set("X-Orderhub-Timestamp", tss)
	req.Header.Set("X-Orderhub-Signature", service.Sign([]byte(secret), tss, []byte(body)))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func TestChannelEndpoint(t *testing.T) {
	t.Parallel()
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newIntakeAPI(t, db)
		if _, err := catalog.NewCatalog(db, config.DefaultRoles).CreateWarehouse(context.Background(), catalog.WarehouseInput{Code: "SH", Name: "上海仓", Priority: 10}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			path string
			body any
		}{
			{"/api/v1/customers", map[string]any{"code": "C1", "name": "宏达机电", "address": "上海市嘉定区安亭镇"}},
			{"/api/v1/products", map[string]any{"sku": "BOLT-M8", "name": "六角螺栓", "spec": "M8×30", "price_fen": 100}},
			{"/api/v1/products", map[string]any{"sku": "NUT-M8", "name": "六角螺母", "spec": "M8", "price_fen": 50}},
			{"/api/v1/stock/adjust", map[string]any{"warehouse": "SH", "sku": "BOLT-M8", "delta": 50, "reason": "t"}},
		} {
			if st, out := a.call("POST", c.path, c.body); st >= 300 {
				t.Fatalf("%s = %d %v", c.path, st, out)
			}
		}
		now := time.Now().Unix()
		good := `{"ticket_no":"T1","member":{"code":"C1"},"items":[{"item_code":"BOLT-M8","qty":2}]}`
		tests := []struct {
			name, channel, body, secret string
			ts                          int64
			status                      int
			code                        string
		}{
			{"unknown channel", "nope", good, webSecret, now, 404, "channel_not_found"},
			{"wrong secret", "pos", good, "not-the-secret-at-all", now, 401, "bad_signature"},
			{"stale", "pos", good, webSecret, now - 400, 401, "stale_timestamp"},
			{"malformed", "pos", `{"ticket_no":`, webSecret, now, 400, "malformed_json"},
			{"no lines", "pos", `{"ticket_no":"T0","member":{"code":"C1"},"items":[]}`, webSecret, now, 422, "no_lines"},
			{"placed", "pos", good, webSecret, now, 201, ""},
			{"retry", "pos", good, webSecret, now, 200, ""},
			{"id reused", "pos", `{"ticket_no":"T1","member":{"code":"C1"},"items":[{"item_code":"BOLT-M8","qty":3}]}`, webSecret, now, 409, "external_id_reused"},
			{"held", "pos", `{"ticket_no":"T2","member":{"code":"C1"},"items":[{"item_name":"六角","qty":1}]}`, webSecret, now, 202, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				st, out := a.signed(tc.channel, tc.body, tc.ts, tc.secret)
				if st != tc.status {
					t.Fatalf("status %d, want %d: %v", st, tc.status, out)
				}
				if tc.code != "" {
					if e, _ := out["error"].(map[string]any); e["code"] != tc.code {
						t.Errorf("error = %v, want %s", out["error"], tc.code)
					}
				}
			})
		}
		var n int64
		db.Model(&model.Order{}).Count(&n)
		if n != 1 {
			t.Errorf("%d orders, want 1", n)
		}
		st, out := a.call("GET", "/api/v1/intakes?state=needs_review", nil)
		items, _ := out["items"].([]any)
		if st != 200 || len(items) != 1 {
			t.Fatalf("review list = %d %v", st, out)
		}
		id := int(items[0].(map[string]any)["id"].(float64))
		probs := items[0].(map[string]any)["problems"].([]any)
		if len(probs) != 1 || len(probs[0].(map[string]any)["candidates"].([]any)) != 2 {
			t.Errorf("problems = %v", probs)
		}
		st, out = a.call("POST", "/api/v1/intakes/"+strconv.Itoa(id)+"/resolve", map[string]any{"lines": []any{map[string]any{"index": 0, "sku": "BOLT-M8"}}})
		if st != 200 || out["order"] == nil {
			t.Fatalf("resolve = %d %v", st, out)
		}
		no := out["order"].(map[string]any)["no"].(string)
		st, out = a.call("GET", "/api/v1/orders/"+no, nil)
		ord := out["order"].(map[string]any)
		if st != 200 || ord["channel"] != "pos" || ord["intake"].(map[string]any)["external_id"] != "T2" {
			t.Errorf("order detail = %d %v", st, out)
		}
		st, out = a.call("GET", "/api/v1/orders?channel=pos", nil)
		if st != 200 || out["total"].(float64) != 2 {
			t.Errorf("orders of pos = %v", out)
		}
	})
}
