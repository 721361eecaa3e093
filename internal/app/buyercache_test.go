package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"orderhub/config"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/movein"
)

// TestBuyerCacheWired: the wired app caches the mini-program's buyer
// look-up, and every staff write that changes a buyer's answer — a link,
// a customer edit, a customer import — made on one instance is seen by
// the buyer's next request on the other at once.
func TestBuyerCacheWired(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		apps, srvs := testApps(t, mysql, "", 2)
		ctx := context.Background()
		if _, err := apps[0].SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		call := func(i int, method, path, token, body string) (int, map[string]any) {
			t.Helper()
			req, _ := http.NewRequest(method, srvs[i].URL+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			var m map[string]any
			_ = json.Unmarshal(raw, &m)
			if res.StatusCode >= 300 {
				t.Fatalf("%s %s = %d %s", method, path, res.StatusCode, raw)
			}
			return res.StatusCode, m
		}
		_, m := call(0, "POST", "/api/mp/v1/login", "", `{"code":"dev:qian"}`)
		tok := m["token"].(string)
		var b model.Buyer
		if err := apps[0].db.Where("open_id = ?", "dev:qian").Take(&b).Error; err != nil {
			t.Fatal(err)
		}
		// key is the entry service.BuyerCache keeps for the buyer.
		key := apps[0].cfg.Redis.Prefix + "buyer:v1:" + service.BuyerKeyTag(b.ID)
		customer := func() map[string]any {
			t.Helper()
			_, m := call(0, "GET", "/api/mp/v1/me", tok, "")
			return m["buyer"].(map[string]any)["customer"].(map[string]any)
		}
		// warm lets the last write's fence pass and fills the entry.
		warm := func() {
			t.Helper()
			apps[0].rdb.Del(ctx, key)
			customer()
			if n, err := apps[0].rdb.Exists(ctx, key).Result(); err != nil || n != 1 {
				t.Fatalf("entry after /me: %d, %v", n, err)
			}
		}
		warm()
		call(1, "POST", "/api/v1/buyers/dev:qian/link", testToken, `{"customer":"C001"}`)
		if c := customer(); c["code"] != "C001" {
			t.Fatalf("after the link /me shows %v", c)
		}
		warm()
		call(1, "PATCH", "/api/v1/customers/C001", testToken, `{"contact":"缓存测试"}`)
		if c := customer(); c["contact"] != "缓存测试" {
			t.Fatalf("after the edit /me shows %v", c)
		}
		warm()
		var c1 model.Customer
		if err := apps[0].db.Where("code = ?", "C001").Take(&c1).Error; err != nil {
			t.Fatal(err)
		}
		if code, out := importFile(t, srvs[1].URL, movein.ImportCustomers, "c.csv", []byte(csvOf([][]string{
			{"客户编码", "客户名称", "联系人"}, {"C001", c1.Name, "导入联系人"}}))); code != http.StatusOK {
			t.Fatalf("import = %d %v", code, out)
		}
		if c := customer(); c["contact"] != "导入联系人" {
			t.Fatalf("after the import /me shows %v", c)
		}
	})
}

// TestEmbeddedRedisExpires: the in-process Redis of the embedded mode
// expires keys as time passes (miniredis does only when told).
func TestEmbeddedRedisExpires(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	a, err := OpenStores(context.Background(), cfg, modeltest.Log())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.mini == nil {
		t.Fatal("no embedded redis with no redis address")
	}
	ctx := context.Background()
	if err := a.rdb.Set(ctx, "k", "v", 100*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	if err := a.rdb.Set(ctx, "kept", "v", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		n, err := a.rdb.Exists(ctx, "k").Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a key set to expire after 100 ms still exists after 10 s")
		}
	}
	if n, _ := a.rdb.Exists(ctx, "kept").Result(); n != 1 {
		t.Fatal("a key with an hour left expired")
	}
}
