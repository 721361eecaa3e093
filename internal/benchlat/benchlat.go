// Package benchlat measures answer times in benchmarks: b.N calls made by
// a number of workers at once, reported as p50 and p99 in milliseconds.
package benchlat

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Run makes call(k) for k in [0, b.N), workers at a time, timing each, and
// reports the p50-ms and p99-ms metrics. A call that fails is reported with
// b.Error and its worker stops. The timer runs only around the calls.
func Run(b *testing.B, workers int, call func(k int) error) {
	b.Helper()
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= b.N {
					return
				}
				start := time.Now()
				if err := call(k); err != nil {
					b.Error(err)
					return
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
