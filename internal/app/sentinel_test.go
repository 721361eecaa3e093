package app

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
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

// sentinelUnderTest returns the sentinels and master name of
// ORDERHUB_TEST_REDIS_SENTINEL_ADDRS / _MASTER (.ci/services.sh starts
// them). The test runs with the real Redis (ORDERHUB_TEST_REDIS_ADDR), and
// there, with CI set, missing sentinels fail it.
func sentinelUnderTest(t *testing.T) ([]string, string) {
	t.Helper()
	addrs, master := os.Getenv("ORDERHUB_TEST_REDIS_SENTINEL_ADDRS"), os.Getenv("ORDERHUB_TEST_REDIS_SENTINEL_MASTER")
	if addrs != "" && master != "" {
		return strings.Split(addrs, ","), master
	}
	if modeltest.RedisAddr() == "" {
		t.Skip("the Sentinel test runs with the real Redis (ORDERHUB_TEST_REDIS_ADDR)")
	}
	testtool.Missing(t, "Redis Sentinel (ORDERHUB_TEST_REDIS_SENTINEL_ADDRS and ORDERHUB_TEST_REDIS_SENTINEL_MASTER; .ci/services.sh starts it)", fmt.Errorf("not set"))
	return nil, ""
}

// TestOrdersThroughSentinelFailover: two instances reach Redis through
// Sentinel; 32 buyers place 8 orders each through the mini-program API
// (a failed request is retried with the same Idempotency-Key, at most 3
// tries), and a third of the way in the master is failed over (SENTINEL
// FAILOVER: the replica is promoted). Nothing is lost and nothing doubled:
// every order is accepted and is in the database once; and the instances'
// Redis client writes to the new master afterwards.
func TestOrdersThroughSentinelFailover(t *testing.T) {
	sentinels, masterName := sentinelUnderTest(t)
	ctx := context.Background()
	sentinel := redis.NewSentinelClient(&redis.Options{Addr: sentinels[0]})
	t.Cleanup(func() { _ = sentinel.Close() })
	masterAddr := func() string {
		a, err := sentinel.GetMasterAddrByName(ctx, masterName).Result()
		if err != nil || len(a) != 2 {
			return ""
		}
		return net.JoinHostPort(a[0], a[1])
	}
	// A failover needs a replica the sentinel finds healthy. Right after
	// an earlier run's failover the old master is still to be turned into
	// one, which the sentinels do within a minute; on CI's fresh servers
	// it is there at once.
	failoverReady := func() bool {
		reps, err := sentinel.Replicas(ctx, masterName).Result()
		if err != nil {
			return false
		}
		for _, r := range reps {
			if r["flags"] == "slave" && r["master-link-status"] == "ok" {
				return true
			}
		}
		return false
	}
	t0 := time.Now()
	waitFor(t, 90*time.Second, "a replica the sentinel could promote", failoverReady)
	t.Logf("a promotable replica after %v", time.Since(t0).Round(time.Millisecond))
	before := masterAddr()

	apps, srvs := testAppsWith(t, modeltest.MySQLDSN() != "", "", 2, func(c *config.Config) {
		c.MiniProgram.LoginLimit = 1000
		c.Redis.Sentinel = config.RedisSentinel{Addrs: sentinels, Master: masterName}
	})
	a := apps[0]
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
	accepted := map[string]string{} // idempotency key → order number
	var failed, tries atomic.Int32
	place := func(b, i int) {
		key := fmt.Sprintf("b%02d-o%d", b, i)
		body := map[string]any{"lines": []any{map[string]any{"sku": "HOT", "qty": 1}}, "address": "上海市嘉定区安亭镇"}
		for try := range 3 {
			tries.Add(1)
			status, out := mpPost(srvs[(b+i+try)%2].URL+"/api/mp/v1/orders", tokens[b], key, body)
			if status == 200 || status == 201 {
				no := out["order"].(map[string]any)["no"].(string)
				mu.Lock()
				if prev, seen := accepted[key]; seen && prev != no {
					t.Errorf("key %s answered with two orders: %s and %s", key, prev, no)
				}
				accepted[key] = no
				mu.Unlock()
				return
			}
		}
		failed.Add(1)
	}
	// Three phases, so orders are placed before the failover, while it
	// happens and after the new master is in place: each buyer's orders
	// 0-2, then 3-5 paced out while the sentinel promotes the replica, then
	// 6-7 once it names the new master.
	phase := func(from, to int, pace time.Duration) *sync.WaitGroup {
		var wg sync.WaitGroup
		for b := range buyers {
			wg.Go(func() {
				for i := from; i < to; i++ {
					place(b, i)
					time.Sleep(pace)
				}
			})
		}
		return &wg
	}
	first := time.Now()
	phase(0, 3, 0).Wait()
	if err := sentinel.Failover(ctx, masterName).Err(); err != nil {
		t.Fatalf("SENTINEL FAILOVER: %v", err)
	}
	during := phase(3, 6, 300*time.Millisecond)
	var after string
	waitFor(t, 30*time.Second, "the sentinel to name a new master", func() bool {
		after = masterAddr()
		return after != "" && after != before
	})
	during.Wait()
	phase(6, each, 0).Wait()

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
	t.Logf("master %s -> %s (%v after the first order); %d orders, %d accepted in %d requests, %d failed after 3 tries, %d in the database",
		before, after, time.Since(first).Round(time.Millisecond), buyers*each, len(accepted), tries.Load(), failed.Load(), len(rows))
	if lost != 0 || len(rows) != len(accepted) {
		t.Errorf("%d accepted orders lost or doubled; %d orders in the database for %d accepted", lost, len(rows), len(accepted))
	}
	if len(accepted) != buyers*each {
		t.Errorf("accepted %d of %d orders: a failover must not refuse a buyer", len(accepted), buyers*each)
	}

	// Each instance's client follows the sentinel to the new master: what
	// it writes is on the server now named master.
	newMaster := redis.NewClient(&redis.Options{Addr: after})
	t.Cleanup(func() { _ = newMaster.Close() })
	for i, app := range apps {
		key := fmt.Sprintf("%sprobe:%d", app.cfg.Redis.Prefix, i)
		waitFor(t, 20*time.Second, fmt.Sprintf("instance %d writing to the new master %s", i, after), func() bool {
			if app.rdb.Set(ctx, key, "1", time.Minute).Err() != nil {
				return false
			}
			n, err := newMaster.Exists(ctx, key).Result()
			return err == nil && n == 1
		})
	}
}

// waitFor polls ok every 100ms until it holds, or fails t after within.
func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
