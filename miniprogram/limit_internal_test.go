package miniprogram

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"orderhub/model/modeltest"
)

// With Redis unreachable the limit is counted in the instance's memory:
// not refused for everyone (a 500), not lifted for anyone.
func TestLimiterWithoutRedis(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond, MaxRetries: -1})
	defer rdb.Close()
	l := newLimiter(rdb, "t:", 3, time.Minute, modeltest.Log())
	for i := 1; i <= 5; i++ {
		ok, left := l.allow(context.Background(), "10.0.0.1")
		if ok != (i <= 3) || left <= 0 || left > time.Minute {
			t.Fatalf("hit %d: ok %v, left %v", i, ok, left)
		}
	}
	if ok, _ := l.allow(context.Background(), "10.0.0.2"); !ok {
		t.Fatal("another key was limited")
	}
}
