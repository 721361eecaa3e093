package wxsdk_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"orderhub/internal/wxsdk"
	"orderhub/model/modeltest"
)

func TestCache(t *testing.T) {
	rdb, prefix := modeltest.Redis(t)
	c := wxsdk.New(rdb, prefix)
	if c.Get("tok") != nil || c.IsExist("tok") {
		t.Fatal("empty cache has tok")
	}
	if err := c.Set("tok", "abc", time.Hour); err != nil {
		t.Fatal(err)
	}
	if v := c.Get("tok"); v != "abc" || !c.IsExist("tok") {
		t.Fatalf("get = %v", v)
	}
	// The key lives under the prefix, with the expiry the library asked for.
	if ttl := rdb.TTL(context.Background(), prefix+"tok").Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("ttl = %v", ttl)
	}
	if err := c.Delete("tok"); err != nil || c.IsExist("tok") {
		t.Fatalf("delete: %v", err)
	}
}

// With Redis unreachable the token is kept in the instance's memory: the
// library can store and read it, so sends go on.
func TestCacheWithoutRedis(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond, MaxRetries: -1})
	defer rdb.Close()
	c := wxsdk.New(rdb, "t:")
	if c.Get("tok") != nil {
		t.Fatal("empty cache has tok")
	}
	if err := c.Set("tok", "abc", time.Hour); err != nil {
		t.Fatalf("set with redis down: %v", err)
	}
	if v := c.Get("tok"); v != "abc" || !c.IsExist("tok") {
		t.Fatalf("get with redis down = %v", v)
	}
	_ = c.Delete("tok")
	if c.Get("tok") != nil {
		t.Fatal("deleted token still served")
	}
}
