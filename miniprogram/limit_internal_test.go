package miniprogram

import (
	"context"
	"strconv"
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

// TestLimiter: the first hit starts a window of the configured length,
// hits over the limit are refused with the time left, other keys count
// apart, and a counter found without an expiry is given one (it would
// otherwise refuse its buyer for good).
func TestLimiter(t *testing.T) {
	rdb, prefix := modeltest.Redis(t)
	ctx := context.Background()
	l := newLimiter(rdb, prefix+"rl:", 3, time.Minute, modeltest.Log())
	for i := 1; i <= 5; i++ {
		ok, left := l.allow(ctx, "b1")
		if ok != (i <= 3) || left <= 0 || left > time.Minute {
			t.Fatalf("hit %d: ok %v, left %v", i, ok, left)
		}
	}
	if n, _ := rdb.Get(ctx, prefix+"rl:b1").Int(); n != 5 {
		t.Errorf("counter = %d, want 5", n)
	}
	if ok, _ := l.allow(ctx, "b2"); !ok {
		t.Error("another key was limited")
	}
	if err := rdb.Set(ctx, prefix+"rl:stuck", 7, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if ok, left := l.allow(ctx, "stuck"); ok || left != time.Minute {
		t.Errorf("stuck counter: ok %v, left %v; want refused, a minute", ok, left)
	}
	if d, err := rdb.PTTL(ctx, prefix+"rl:stuck").Result(); err != nil || d <= 0 || d > time.Minute {
		t.Errorf("stuck counter's expiry = %v, %v; want one", d, err)
	}
}

// BenchmarkLimiter is the write limit every buyer's write passes: one hit
// on one of 50 buyers' counters, 8 callers at a time, on the test Redis
// (in-process miniredis, as the embedded mode runs, unless
// ORDERHUB_TEST_REDIS_ADDR names a server).
func BenchmarkLimiter(b *testing.B) {
	rdb, prefix := modeltest.Redis(b)
	l := newLimiter(rdb, prefix+"mp:ratelimit:", 1<<30, time.Minute, modeltest.Log())
	ctx := context.Background()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if ok, left := l.allow(ctx, strconv.Itoa(i%50)); !ok || left <= 0 || left > time.Minute {
				b.Errorf("allow = %v, %v", ok, left)
				return
			}
		}
	})
}
