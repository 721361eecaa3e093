package service_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"orderhub/model/modeltest"
	"orderhub/service"
)

// BenchmarkBuyerByID is the look-up every authenticated mini-program
// request makes (the buyer and the customer they order for), 8 callers
// at a time: from the database ("sqlite", "mysql"), and through the
// BuyerCache on the test Redis ("…-cached": in-process miniredis beside
// SQLite, as the embedded mode runs; the Redis server beside MariaDB).
func BenchmarkBuyerByID(b *testing.B) {
	run := func(b *testing.B, db *gorm.DB, cached bool) {
		buyers, in, _, _ := benchBuyer(b, db, cached)
		ctx := context.Background()
		b.SetParallelism(4) // 4 × GOMAXPROCS callers
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				got, err := buyers.ByID(ctx, in.ID)
				if err != nil || got.Customer.Code != "C1" {
					b.Errorf("ByID = %s, %v", got.Customer.Code, err)
					return
				}
			}
		})
	}
	b.Run("sqlite", func(b *testing.B) { run(b, modeltest.SQLite(b), false) })
	b.Run("sqlite-cached", func(b *testing.B) { run(b, modeltest.SQLite(b), true) })
	if modeltest.MySQLDSN() != "" {
		b.Run("mysql", func(b *testing.B) { run(b, modeltest.MySQL(b), false) })
		b.Run("mysql-cached", func(b *testing.B) { run(b, modeltest.MySQL(b), true) })
	}
}

// BenchmarkBuyerSession is the Redis and database work of an authenticated
// mini-program request's auth with the buyer cache warm, 8 callers at a
// time: "two-trips" as it was (EXISTS of the session's revocation mark,
// then ByID: a GET), "one-trip" as it is (ByIDUnlessMarked: one MGET).
func BenchmarkBuyerSession(b *testing.B) {
	run := func(b *testing.B, db *gorm.DB, one bool) {
		buyers, in, rdb, prefix := benchBuyer(b, db, true)
		ctx := context.Background()
		mark := prefix + "mp:revoked:0123456789abcdef0123456789abcdef"
		b.SetParallelism(4) // 4 × GOMAXPROCS callers
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				var got service.Buyer
				var err error
				if one {
					var revoked, checked bool
					got, revoked, checked, err = buyers.ByIDUnlessMarked(ctx, in.ID, mark)
					if revoked || !checked {
						err = fmt.Errorf("revoked=%v checked=%v", revoked, checked)
					}
				} else {
					var n int64
					if n, err = rdb.Exists(ctx, mark).Result(); err == nil && n == 0 {
						got, err = buyers.ByID(ctx, in.ID)
					}
				}
				if err != nil || got.Customer.Code != "C1" {
					b.Errorf("session = %s, %v", got.Customer.Code, err)
					return
				}
			}
		})
	}
	for _, store := range []string{"sqlite", "mysql"} {
		if store == "mysql" && modeltest.MySQLDSN() == "" {
			continue
		}
		open := func(b *testing.B) *gorm.DB {
			if store == "mysql" {
				return modeltest.MySQL(b)
			}
			return modeltest.SQLite(b)
		}
		b.Run(store+"/two-trips", func(b *testing.B) { run(b, open(b), false) })
		b.Run(store+"/one-trip", func(b *testing.B) { run(b, open(b), true) })
	}
}

// benchBuyer is a buyer linked to customer C1 in the demo world on db, and
// the Buyers to look them up through (with the BuyerCache on the test
// Redis when cached), the cache empty and unfenced.
func benchBuyer(b *testing.B, db *gorm.DB, cached bool) (*service.Buyers, service.Buyer, *redis.Client, string) {
	b.Helper()
	e := newEnv(b, db)
	e.world(b)
	buyers := service.NewBuyers(db, e.clock.Now)
	rdb, prefix := modeltest.Redis(b)
	cache := service.NewBuyerCache(rdb, prefix, modeltest.Log())
	if cached {
		buyers.WithCache(cache)
	}
	ctx := context.Background()
	in, _, err := buyers.Login(ctx, service.BuyerLogin{OpenID: "o-bench", Name: "孙八"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := buyers.Link(ctx, "o-bench", "C1"); err != nil {
		b.Fatal(err)
	}
	// The link's fence would refuse fills for a while (on miniredis, for
	// good): lift it, as its lifetime passing would.
	if err := rdb.Del(ctx, service.BuyerCacheKey(cache, in.ID)).Err(); err != nil {
		b.Fatal(err)
	}
	return buyers, in, rdb, prefix
}
