package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"orderhub/config"
	"orderhub/internal/testtool"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

// TestBuyersOnRedisCluster: with Redis Cluster (three masters, keys
// spread over slots) a buyer logs in (the login rate limit's MULTI), orders
// (the reservation locks and their release script), is answered from the
// buyer cache (one MGET of the cache entry and the session's revocation
// mark, which share the buyer's hash tag) and logs out (the mark refuses
// the token). A command that spanned two slots would fail with CROSSSLOT
// and the cache would never be filled.
func TestBuyersOnRedisCluster(t *testing.T) {
	addrs := os.Getenv("ORDERHUB_TEST_REDIS_CLUSTER_ADDRS")
	if addrs == "" {
		if modeltest.RedisAddr() == "" {
			t.Skip("the Cluster test runs with the real Redis (ORDERHUB_TEST_REDIS_ADDR)")
		}
		testtool.Missing(t, "Redis Cluster (ORDERHUB_TEST_REDIS_CLUSTER_ADDRS; .ci/services.sh starts it)", fmt.Errorf("not set"))
	}
	nodes := strings.Split(addrs, ",")
	apps, srvs := testAppsWith(t, modeltest.MySQLDSN() != "", "", 1, func(c *config.Config) {
		c.Redis.Cluster = config.RedisCluster{Addrs: nodes}
	})
	a, base := apps[0], srvs[0].URL
	ctx := context.Background()
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: nodes})
	t.Cleanup(func() { _ = cluster.Close() })
	if _, err := a.catalog.CreateWarehouse(ctx, catalog.WarehouseInput{Code: "A", Name: "上海仓", Region: "上海", Priority: 30}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.catalog.CreateProduct(ctx, catalog.ProductInput{SKU: "HOT", Name: "六角螺栓", PriceFen: 100}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.stock.Adjust(ctx, service.Adjustment{Warehouse: "A", SKU: "HOT", Delta: 100}); err != nil {
		t.Fatal(err)
	}
	status, out := mpPost(base+"/api/mp/v1/login", "", "", map[string]any{"code": "dev:cluster"})
	if status != 200 && status != 201 {
		t.Fatalf("login = %d %v", status, out)
	}
	token := out["token"].(string)
	var b model.Buyer
	if err := a.db.Where("open_id = ?", "dev:cluster").Take(&b).Error; err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		status, out := mpPost(base+"/api/mp/v1/orders", token, fmt.Sprintf("k%d", i),
			map[string]any{"lines": []any{map[string]any{"sku": "HOT", "qty": 1}}, "address": "上海市嘉定区安亭镇"})
		if status != 201 && status != 200 {
			t.Fatalf("order %d = %d %v", i, status, out)
		}
	}
	me := func() int {
		req, _ := http.NewRequest("GET", base+"/api/mp/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	key := a.cfg.Redis.Prefix + "buyer:v1:" + service.BuyerKeyTag(b.ID)
	// A fence set by the order's writes may hold the entry for a moment.
	waitFor(t, 10*time.Second, "the buyer cache entry on the cluster", func() bool {
		if me() != 200 {
			t.Fatal("GET /me refused a live session")
		}
		v, err := cluster.Get(ctx, key).Result()
		return err == nil && strings.HasPrefix(v, "{")
	})
	if status, out := mpPost(base+"/api/mp/v1/logout", token, "", map[string]any{}); status >= 300 {
		t.Fatalf("logout = %d %v", status, out)
	}
	if got := me(); got != http.StatusUnauthorized {
		t.Errorf("GET /me after logout = %d, want 401", got)
	}
	slot, err := cluster.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	var marks []string
	err = cluster.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		keys, err := node.Keys(ctx, a.cfg.Redis.Prefix+"mp:revoked:*").Result()
		for _, k := range keys {
			if s, _ := node.ClusterKeySlot(ctx, k).Result(); s == slot {
				marks = append(marks, k)
			}
		}
		return err
	})
	if err != nil || len(marks) != 1 {
		t.Errorf("revocation marks in the slot of the buyer's cache entry = %v (%v), want one", marks, err)
	}
}
