package service_test

import (
	"context"
	"fmt"
	"testing"

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
		// The link's fence would refuse fills for a while (on miniredis,
		// for good): lift it, as its lifetime passing would.
		if err := rdb.Del(ctx, service.BuyerCacheKey(cache, in.ID)).Err(); err != nil {
			b.Fatal(err)
		}
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
		e := newEnv(b, db)
		e.world(b)
		rdb, prefix := modeltest.Redis(b)
		cache := service.NewBuyerCache(rdb, prefix, modeltest.Log())
		buyers := service.NewBuyers(db, e.clock.Now).WithCache(cache)
		ctx := context.Background()
		in, _, err := buyers.Login(ctx, service.BuyerLogin{OpenID: "o-bench", Name: "孙八"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := buyers.Link(ctx, "o-bench", "C1"); err != nil {
			b.Fatal(err)
		}
		if err := rdb.Del(ctx, service.BuyerCacheKey(cache, in.ID)).Err(); err != nil { // lift the link's fence
			b.Fatal(err)
		}
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
