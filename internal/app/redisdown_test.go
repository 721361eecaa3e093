package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"orderhub/config"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

// TestBuyersOrderThroughRedisOutage: 32 buyers, logged in through two
// instances, place 8 orders each through the mini-program API, alternating
// instances, while Redis is killed a third of the way in. A client retries
// a failed request with the same Idempotency-Key (at most 3 tries). Then:
// no accepted order is lost (each is in the database, once), at least 95%
// of the orders are accepted, and the latencies are logged
// (docs/benchmarks.md records a run).
func TestBuyersOrderThroughRedisOutage(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		rd := startRedis(t)
		apps, srvs := testAppsWith(t, mysql, rd.Addr, 2, func(c *config.Config) { c.MiniProgram.LoginLimit = 1000 })
		a := apps[0]
		ctx := context.Background()
		if _, err := a.catalog.CreateWarehouse(ctx, catalog.WarehouseInput{Code: "A", Name: "上海仓", Region: "上海", Priority: 30}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.catalog.CreateProduct(ctx, catalog.ProductInput{SKU: "HOT", Name: "六角螺栓", PriceFen: 100}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.stock.Adjust(ctx, service.Adjustment{Warehouse: "A", SKU: "HOT", Delta: 100000}); err != nil {
			t.Fatal(err)
		}
		const buyers, each = 32, 8
		tokens := make([]string, buyers)
		for i := range tokens {
			status, out := mpPost(srvs[i%2].URL+"/api/mp/v1/login", "", "", map[string]any{"code": fmt.Sprintf("dev:buyer%02d", i)})
			if status != 200 && status != 201 {
				t.Fatalf("login %d = %d %v", i, status, out)
			}
			tokens[i] = out["token"].(string)
		}
		var mu sync.Mutex
		var lat []time.Duration
		accepted := map[string]string{} // idempotency key → order number
		var done, failed atomic.Int32
		var kill sync.Once
		start := time.Now()
		var wg sync.WaitGroup
		for b := 0; b < buyers; b++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					key := fmt.Sprintf("b%02d-o%d", b, i)
					body := map[string]any{"lines": []any{map[string]any{"sku": "HOT", "qty": 1}}, "address": "上海市嘉定区安亭镇"}
					ok := false
					for try := 0; try < 3 && !ok; try++ {
						t0 := time.Now()
						status, out := mpPost(srvs[(b+i+try)%2].URL+"/api/mp/v1/orders", tokens[b], key, body)
						d := time.Since(t0)
						mu.Lock()
						lat = append(lat, d)
						if status == 200 || status == 201 {
							ok = true
							accepted[key] = out["order"].(map[string]any)["no"].(string)
						}
						mu.Unlock()
					}
					if !ok {
						failed.Add(1)
					}
					if done.Add(1) == buyers*each/3 {
						kill.Do(rd.stop)
					}
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		if err := apps[1].rdb.Ping(ctx).Err(); err == nil {
			t.Fatal("redis still answers: the kill did not happen")
		}
		var rows []model.Order
		if err := a.db.Where("channel = ?", service.ChannelMiniProgram).Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		inDB := map[string]int{}
		for _, o := range rows {
			inDB[o.No]++
		}
		lost := 0
		for _, no := range accepted {
			if inDB[no] != 1 {
				lost++
			}
		}
		total := buyers * each
		slices.Sort(lat)
		p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
		t.Logf("backend mysql=%v: %d orders, %d accepted (%.1f%%), %d failed after 3 tries, %d lost, %d in the database; %d requests in %v; latency p50 %v p95 %v p99 %v max %v",
			mysql, total, len(accepted), 100*float64(len(accepted))/float64(total), failed.Load(), lost, len(rows), len(lat), elapsed.Round(time.Millisecond),
			p(0.50).Round(time.Millisecond), p(0.95).Round(time.Millisecond), p(0.99).Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
		if lost != 0 || len(rows) != len(accepted) {
			t.Errorf("%d accepted orders lost; %d orders in the database for %d accepted", lost, len(rows), len(accepted))
		}
		if float64(len(accepted)) < 0.95*float64(total) {
			t.Errorf("accepted %d of %d, under 95%%", len(accepted), total)
		}
	})
}

// mpPost posts JSON to the mini-program API as a buyer.
func mpPost(url, token, key string, body any) (int, map[string]any) {
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}
