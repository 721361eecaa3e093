package redislock_test

import (
	"context"
	"testing"
	"time"

	"orderhub/internal/redislock"
	"orderhub/model/modeltest"
)

func TestLocker(t *testing.T) {
	rdb, prefix := modeltest.Redis(t)
	ctx := context.Background()
	one := redislock.New(rdb, prefix, 300*time.Millisecond, 0, modeltest.Log())
	two := redislock.New(rdb, prefix, 300*time.Millisecond, 0, modeltest.Log())

	release1, held := one.Lock(ctx, []string{"sku:B", "sku:A", "sku:A"})
	if !held {
		t.Fatal("first lock not held")
	}
	if _, held := two.Lock(ctx, []string{"sku:A"}); held {
		t.Fatal("a second owner got a held lock")
	}
	release1()
	release2, held := two.Lock(ctx, []string{"sku:A"})
	if !held {
		t.Fatal("lock not free after release")
	}

	// A holder whose lock expired must not free the next owner's lock.
	stale, held := one.Lock(ctx, []string{"sku:C"})
	if !held {
		t.Fatal("lock C not held")
	}
	if err := rdb.Del(ctx, prefix+"lock:sku:C").Err(); err != nil { // as if its TTL ran out
		t.Fatal(err)
	}
	fresh, held := two.Lock(ctx, []string{"sku:C"})
	if !held {
		t.Fatal("lock C not taken after expiry")
	}
	stale()
	if n := rdb.Exists(ctx, prefix+"lock:sku:C").Val(); n != 1 {
		t.Fatal("a stale holder released someone else's lock")
	}
	if ttl := rdb.PTTL(ctx, prefix+"lock:sku:C").Val(); ttl <= 0 || ttl > 300*time.Millisecond {
		t.Errorf("lock ttl = %v, want within the 300ms TTL", ttl)
	}
	fresh()
	release2()
}

// TestLockerWithRedisDown: the lock is an optimisation; with Redis gone it
// answers at once, not held, and the caller relies on the database.
func TestLockerWithRedisDown(t *testing.T) {
	rdb, prefix := modeltest.Redis(t)
	l := redislock.New(rdb, prefix, time.Second, time.Second, modeltest.Log())
	_ = rdb.Close()
	release, held := l.Lock(context.Background(), []string{"sku:A"})
	if held {
		t.Fatal("held a lock with Redis closed")
	}
	release()
}
