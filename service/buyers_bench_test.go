package service_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
	"orderhub/service"
)

// BenchmarkBuyerByID is the look-up every authenticated mini-program
// request makes (the buyer and the customer they order for), 8 callers
// at a time.
func BenchmarkBuyerByID(b *testing.B) {
	run := func(b *testing.B, db *gorm.DB) {
		e := newEnv(b, db)
		e.world(b)
		buyers := service.NewBuyers(db, e.clock.Now)
		ctx := context.Background()
		in, _, err := buyers.Login(ctx, service.BuyerLogin{OpenID: "o-bench", Name: "孙八"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := buyers.Link(ctx, "o-bench", "C1"); err != nil {
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
	b.Run("sqlite", func(b *testing.B) { run(b, modeltest.SQLite(b)) })
	if modeltest.MySQLDSN() != "" {
		b.Run("mysql", func(b *testing.B) { run(b, modeltest.MySQL(b)) })
	}
}
