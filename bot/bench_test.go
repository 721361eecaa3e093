package bot_test

import (
	"fmt"
	"net/http"
	"testing"

	"gorm.io/gorm"

	"orderhub/internal/benchlat"
	"orderhub/model/modeltest"
)

// BenchmarkCallback posts b.N callbacks, 50 at a time, each a fresh
// message (verify, decrypt, Redis dedupe, insert, answer), and reports the
// p50 and p99 answer times. The commands themselves run afterwards.
func BenchmarkCallback(b *testing.B) {
	run := func(b *testing.B, db *gorm.DB) {
		e := newEnv(b, db, 1)
		msgs := make([]wxMsg, b.N)
		for i := range msgs {
			msgs[i] = e.text("wangjg", "库存 NUT-M8")
		}
		benchlat.Run(b, 50, func(k int) error {
			if rec := e.post(0, msgs[k]); rec.Code != http.StatusOK {
				return fmt.Errorf("status %d", rec.Code)
			}
			return nil
		})
	}
	b.Run("sqlite", func(b *testing.B) { run(b, modeltest.SQLite(b)) })
	if modeltest.MySQLDSN() != "" {
		b.Run("mysql", func(b *testing.B) { run(b, modeltest.MySQL(b)) })
	}
}
