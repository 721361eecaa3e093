package service

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

var (
	benchKinds  = []string{"六角螺栓", "六角螺母", "平垫圈", "弹簧垫圈", "内六角螺钉", "膨胀螺栓", "自攻螺丝", "钢管", "球阀", "闸阀", "深沟球轴承", "刹车片", "生料带", "喉箍", "钻头"}
	benchMats   = []string{"不锈钢", "碳钢", "镀锌", "黄铜", "尼龙", "合金"}
	benchSizes  = []string{"M4", "M5", "M6", "M8", "M10", "M12", "M16", "M20", "DN15", "DN20", "DN25", "6204", "6205", "6305"}
	benchGrades = []string{"4.8级", "8.8级", "10.9级", "A2-70", "A4-80", "国标", "美标", "加厚"}
)

// catalogue makes n products of the kinds a hardware wholesaler sells.
func catalogue(n int) []model.Product {
	r := rand.New(rand.NewPCG(1, 2))
	ps := make([]model.Product, n)
	for i := range ps {
		k := benchKinds[r.IntN(len(benchKinds))]
		ps[i] = model.Product{ID: uint64(i + 1), SKU: fmt.Sprintf("SKU-%06d", i),
			Name: benchMats[r.IntN(len(benchMats))] + k,
			Spec: fmt.Sprintf("%s×%d %s", benchSizes[r.IntN(len(benchSizes))], 10+r.IntN(190), benchGrades[r.IntN(len(benchGrades))]),
			Unit: "个", Active: true}
	}
	return ps
}

// queries are what channels write for those products.
func queries(ps []model.Product, n int) []string {
	r := rand.New(rand.NewPCG(3, 4))
	out := []string{"螺栓", "M8", "BOLT", "SKU-000001", "不锈钢六角螺栓 M8", "A2-70", "轴承6204", "钢管DN20", "球阀 dn25", ps[0].Name + ps[0].Spec, ps[1].Name}
	for len(out) < n {
		p := ps[r.IntN(len(ps))]
		switch r.IntN(4) {
		case 0:
			out = append(out, p.Name)
		case 1:
			out = append(out, p.Name+" "+p.Spec)
		case 2:
			out = append(out, p.Name[len(p.Name)-6:]+benchSizes[r.IntN(len(benchSizes))])
		default:
			out = append(out, benchMats[r.IntN(len(benchMats))]+benchKinds[r.IntN(len(benchKinds))]+" "+benchSizes[r.IntN(len(benchSizes))])
		}
	}
	return out
}

// cpuTime is the CPU this process used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestProductIndexAgreesWithScan: the index finds exactly what
// nameMatches over every product finds, for each kind of text.
func TestProductIndexAgreesWithScan(t *testing.T) {
	ps := catalogue(3000)
	ix := newProductIndex(ps)
	ids := func(ps []model.Product) []uint64 {
		out := make([]uint64, len(ps))
		for i, p := range ps {
			out[i] = p.ID
		}
		return out
	}
	prepared := make([]preparedProduct, len(ps))
	for i, p := range ps {
		prepared[i] = prepare(p)
	}
	for n, q := range queries(ps, 400) {
		var hits, exact []model.Product
		for i, p := range ps {
			ok, ex := matchPrepared(squash(q), latinRuns(squash(q)), &prepared[i])
			if n < 20 {
				// nameMatches itself, on a few.
				if ok2, ex2 := nameMatches(q, p); ok2 != ok || ex2 != ex {
					t.Fatalf("%q, %s: nameMatches = %v %v, prepared %v %v", q, p.SKU, ok2, ex2, ok, ex)
				}
			}
			if ok {
				hits = append(hits, p)
			}
			if ex {
				exact = append(exact, p)
			}
		}
		h, x := ix.byName(q)
		gotHits, gotExact := make([]model.Product, len(h)), make([]model.Product, len(x))
		for i, n := range h {
			gotHits[i] = ix.all[n].p
		}
		for i, n := range x {
			gotExact[i] = ix.all[n].p
		}
		if len(hits) > 1 {
			sorted := slices.Clone(hits)
			slices.SortFunc(sorted, func(a, b model.Product) int { return strings.Compare(a.SKU, b.SKU) })
			if got := ix.firstBySKU(h, 8); !slices.Equal(ids(got), ids(sorted[:min(8, len(sorted))])) {
				t.Errorf("%q: first 8 by SKU = %v, want %v", q, ids(got), ids(sorted[:min(8, len(sorted))]))
			}
		}
		if !slices.Equal(ids(gotHits), ids(hits)) || !slices.Equal(ids(gotExact), ids(exact)) {
			t.Errorf("%q: index found %d hits, %d exact; the scan %d, %d", q, len(gotHits), len(gotExact), len(hits), len(exact))
		}
	}
}

// BenchmarkMatchLines200k matches a 200-line channel order by name
// against 200,000 products in the database, as Intakes.normalise does:
// the kept index (read the version, match each line). The first order
// after a catalogue change builds the index (reported as build-ms).
func BenchmarkMatchLines200k(b *testing.B) {
	run := func(b *testing.B, db *gorm.DB) {
		ps := catalogue(200_000)
		for i := range ps {
			ps[i].ID = 0
		}
		if err := db.CreateInBatches(&ps, 1000).Error; err != nil {
			b.Fatal(err)
		}
		lines := queries(ps, 200)
		var c catalogCache
		start := time.Now()
		if _, err := c.index(db, time.Now()); err != nil {
			b.Fatal(err)
		}
		build := time.Since(start)
		orders, loop, cpu := 0, time.Now(), cpuTime()
		for b.Loop() {
			orders++
			ix, err := c.index(db, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			for _, q := range lines {
				l := IntakeLine{Name: q, Qty: 1}
				if err := matchLine(db, ix, "", &l); err != nil {
					b.Fatal(err)
				}
			}
		}
		if c.loads != 1 {
			b.Fatalf("the index was built %d times, want once", c.loads)
		}
		b.ReportMetric(float64(build.Milliseconds()), "build-ms")
		b.ReportMetric(float64(time.Since(loop).Microseconds())/1000/float64(orders), "ms/order")
		// CPU time too: on a loaded shared machine the wall time is
		// mostly waiting for a core.
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(orders), "cpu-ms/order")
	}
	b.Run("sqlite", func(b *testing.B) { run(b, modeltest.SQLite(b)) })
	if modeltest.MySQLDSN() != "" {
		b.Run("mysql", func(b *testing.B) { run(b, modeltest.MySQL(b)) })
	}
}
