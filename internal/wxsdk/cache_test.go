package wxsdk_test

import (
	"context"
	"testing"
	"time"

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
