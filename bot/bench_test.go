package bot_test

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

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
		lat := make([]time.Duration, b.N)
		var next sync.Mutex
		i := 0
		b.ResetTimer()
		var wg sync.WaitGroup
		for w := 0; w < 50; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					next.Lock()
					k := i
					i++
					next.Unlock()
					if k >= b.N {
						return
					}
					start := time.Now()
					if rec := e.post(0, msgs[k]); rec.Code != http.StatusOK {
						b.Errorf("status %d", rec.Code)
					}
					lat[k] = time.Since(start)
				}
			}()
		}
		wg.Wait()
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.Run("sqlite", func(b *testing.B) { run(b, modeltest.SQLite(b)) })
	if modeltest.MySQLDSN() != "" {
		b.Run("mysql", func(b *testing.B) { run(b, modeltest.MySQL(b)) })
	}
}
