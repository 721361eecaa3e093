// Package bench holds the `orderhub bench` engines, tools that drive the
// product: `bench reserve` places hot-SKU orders through the services of a
// scratch orderhub next to two physical references, `bench http` loads a
// served orderhub over HTTP, open loop.
package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/internal/app"
	"orderhub/model"
	"orderhub/service"
	"orderhub/service/catalog"
)

// Run runs `orderhub bench reserve`: hot-SKU order placement through the
// service layer, next to two physical references measured in the same run
// on the same database: a raw loop of single conditional UPDATEs, and the
// common BEGIN; SELECT ... FOR UPDATE; UPDATE; INSERT; COMMIT pattern.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "http" {
		return benchHTTP(ctx, cfg, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "reserve" {
		return errors.New("bench: say what to measure: orderhub bench reserve [flags] or orderhub bench http [flags]")
	}
	fs := flag.NewFlagSet("bench reserve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	clients := fs.Int("clients", 64, "concurrent clients")
	dur := fs.Duration("duration", 10*time.Second, "how long each phase runs")
	keep := fs.Bool("keep", false, "keep the scratch database (MySQL) after the run")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (go tool pprof) of the first round's service phase to this file")
	rounds := fs.Int("rounds", 5, "the phases take turns this many times, each running duration/rounds per turn")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *rounds < 1 {
		return errors.New("bench reserve: --rounds must be at least 1")
	}
	cfg.AdminToken = "bench-only-not-served"
	// A scratch database, so the run never touches real orders.
	var cleanup func()
	if cfg.MySQLDSN != "" {
		dsn, drop, err := scratchMySQL(ctx, cfg.MySQLDSN, log)
		if err != nil {
			return err
		}
		cfg.MySQLDSN, cleanup = dsn, drop
		if *keep {
			cleanup = func() { fmt.Fprintf(stdout, "kept scratch database: %s\n", dsn) }
		}
	} else {
		dir, err := os.MkdirTemp("", "orderhub-bench-")
		if err != nil {
			return err
		}
		cfg.DataDir, cleanup = dir, func() { _ = os.RemoveAll(dir) }
	}
	defer cleanup()
	a, err := app.Open(ctx, cfg, log, service.SystemClock)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := benchSeed(ctx, a); err != nil {
		return err
	}
	store := "SQLite (embedded)"
	if cfg.MySQLDSN != "" {
		var v string
		a.DB().Raw("SELECT VERSION()").Scan(&v)
		store = "MySQL/MariaDB " + v
	}
	redisKind := "in-process"
	if cfg.Redis.Addr != "" {
		redisKind = cfg.Redis.Addr
	}
	fmt.Fprintf(stdout, "orderhub bench reserve: %d clients, %s per phase in %d turns, %s, Redis %s\n\n", *clients, *dur, *rounds, store, redisKind)

	rawID, err := hotRow(ctx, a.DB(), "HOT-2")
	if err != nil {
		return err
	}
	naiveID, err := hotRow(ctx, a.DB(), "HOT-3")
	if err != nil {
		return err
	}
	mysql := model.IsMySQL(a.DB())
	svcOp := func(ctx context.Context) error {
		_, _, err := a.Orders().Create(ctx, service.NewOrder{Customer: "BENCH", Lines: []service.LineInput{{SKU: "HOT-1", Qty: 1}}, Actor: service.System})
		return err
	}
	rawOp := func(ctx context.Context) error {
		res := a.DB().WithContext(ctx).Exec("UPDATE stocks SET locked = locked + 1 WHERE id = ? AND on_hand - locked >= 1", rawID)
		if res.Error == nil && res.RowsAffected != 1 {
			return errors.New("raw: stock ran out")
		}
		return res.Error
	}
	naiveOp := func(ctx context.Context) error {
		return a.DB().WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var s model.Stock
			q := "SELECT * FROM stocks WHERE id = ?"
			if mysql {
				q += " FOR UPDATE"
			}
			if err := tx.Raw(q, naiveID).Scan(&s).Error; err != nil {
				return err
			}
			if s.OnHand-s.Locked < 1 {
				return errors.New("naive: stock ran out")
			}
			if err := tx.Exec("UPDATE stocks SET locked = locked + 1 WHERE id = ?", naiveID).Error; err != nil {
				return err
			}
			return tx.Create(&model.StockMovement{WarehouseID: s.WarehouseID, ProductID: s.ProductID, Kind: model.MoveReserve, DeltaLocked: 1, CreatedAt: time.Now().UTC()}).Error
		})
	}

	var prof *os.File
	if *cpuProfile != "" {
		if prof, err = os.Create(*cpuProfile); err != nil {
			return err
		}
		defer prof.Close()
	}
	// The phases take turns, in rounds: on a shared machine whose load
	// changes from second to second, each ratio then compares phases that
	// saw the same machine.
	var svc, raw, naive phase
	slice := *dur / time.Duration(*rounds)
	for i := 0; i < *rounds; i++ {
		profile := prof != nil && i == 0
		if profile {
			if err := pprof.StartCPUProfile(prof); err != nil {
				return err
			}
		}
		svc = svc.add(runPhase(ctx, *clients, slice, svcOp))
		if profile {
			pprof.StopCPUProfile()
		}
		raw = raw.add(runPhase(ctx, *clients, slice, rawOp))
		naive = naive.add(runPhase(ctx, *clients, slice, naiveOp))
	}
	var wantLocked, locked, oversold int64
	var stocks []model.Stock
	if err := a.DB().Joins("JOIN products ON products.id = stocks.product_id").Where("products.sku = ?", "HOT-1").Find(&stocks).Error; err != nil {
		return err
	}
	for _, s := range stocks {
		locked += s.Locked
		if s.Locked > s.OnHand {
			oversold += s.Locked - s.OnHand
		}
	}
	wantLocked = svc.ok
	if locked != wantLocked {
		oversold += max(0, locked-wantLocked)
	}
	report(stdout, "service: order placement (Orders.Create, 1 line)", svc)
	fmt.Fprintf(stdout, "  accepted units %d, locked %d, oversold units %d\n\n", wantLocked, locked, oversold)
	report(stdout, "reference: raw conditional UPDATE (autocommit)", raw)
	report(stdout, "reference: BEGIN; SELECT … FOR UPDATE; UPDATE; INSERT; COMMIT", naive)
	fmt.Fprintf(stdout, "\nratio service / raw UPDATE:   %.2f\nratio service / naive tx:     %.2f\n", svc.rate()/raw.rate(), svc.rate()/naive.rate())
	if oversold != 0 {
		return fmt.Errorf("bench: %d units oversold", oversold)
	}
	if svc.failed != 0 || svc.ok == 0 {
		// A run whose orders were refused measures refusals, not placement.
		return fmt.Errorf("bench: %d of %d orders failed: %v", svc.failed, svc.ok+svc.failed, svc.firstErr)
	}
	return nil
}

// scratchMySQL creates a fresh database on the server dsn names and returns
// a DSN for it and a func that drops it.
func scratchMySQL(ctx context.Context, dsn string, log *slog.Logger) (string, func(), error) {
	c, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("bench: ORDERHUB_MYSQL_DSN: %w", err)
	}
	name := fmt.Sprintf("orderhub_bench_%d", time.Now().Unix())
	c.DBName = ""
	root, err := model.Open(ctx, model.Options{MySQLDSN: c.FormatDSN(), Log: log})
	if err != nil {
		return "", nil, err
	}
	if err := root.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4").Error; err != nil {
		_ = model.Close(root)
		return "", nil, fmt.Errorf("bench: create scratch database: %w", err)
	}
	c.DBName = name
	return c.FormatDSN(), func() {
		root.Exec("DROP DATABASE IF EXISTS " + name)
		_ = model.Close(root)
	}, nil
}

// benchSeed makes one customer near warehouse A and three hot SKUs with
// far more stock than a run can take: the service SKU split over two
// warehouses, the reference SKUs in one.
func benchSeed(ctx context.Context, a *app.App) error {
	for _, w := range []catalog.WarehouseInput{{Code: "A", Name: "上海仓", Region: "上海", Priority: 30}, {Code: "B", Name: "苏州仓", Region: "苏州", Priority: 20}} {
		if _, err := a.Catalog().CreateWarehouse(ctx, w); err != nil {
			return err
		}
	}
	if _, err := a.Catalog().CreateCustomer(ctx, catalog.CustomerInput{Code: "BENCH", Name: "压测客户", Region: "上海", Address: "上海市浦东新区张江路 1 号"}); err != nil {
		return err
	}
	for _, sku := range []string{"HOT-1", "HOT-2", "HOT-3"} {
		if _, err := a.Catalog().CreateProduct(ctx, catalog.ProductInput{SKU: sku, Name: "热销螺栓", PriceFen: 100}); err != nil {
			return err
		}
		if _, err := a.Stock().Adjust(ctx, service.Adjustment{Warehouse: "A", SKU: sku, Delta: 5_000_000, Reason: "bench"}); err != nil {
			return err
		}
	}
	_, err := a.Stock().Adjust(ctx, service.Adjustment{Warehouse: "B", SKU: "HOT-1", Delta: 5_000_000, Reason: "bench"})
	return err
}

func hotRow(ctx context.Context, db *gorm.DB, sku string) (uint64, error) {
	var id uint64
	err := db.WithContext(ctx).Raw("SELECT stocks.id FROM stocks JOIN products ON products.id = stocks.product_id WHERE products.sku = ?", sku).Scan(&id).Error
	return id, err
}

type phase struct {
	ok, failed int64
	elapsed    time.Duration
	// cpu is what this process (the clients and, for the service phase,
	// orderhub's placement) used: the database's CPU is not in it.
	cpu       time.Duration
	latencies []time.Duration
	firstErr  error
}

// add merges two runs of the same phase.
func (p phase) add(q phase) phase {
	p.ok += q.ok
	p.failed += q.failed
	p.elapsed += q.elapsed
	p.cpu += q.cpu
	p.latencies = append(p.latencies, q.latencies...)
	slices.Sort(p.latencies)
	if p.firstErr == nil {
		p.firstErr = q.firstErr
	}
	return p
}

func (p phase) rate() float64 { return float64(p.ok) / p.elapsed.Seconds() }

func (p phase) pct(q float64) time.Duration {
	if len(p.latencies) == 0 {
		return 0
	}
	return p.latencies[min(len(p.latencies)-1, int(q*float64(len(p.latencies))))]
}

// runPhase calls op from n goroutines until d has passed.
func runPhase(ctx context.Context, n int, d time.Duration, op func(context.Context) error) phase {
	var ok, failed atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	deadline := time.Now().Add(d)
	start := time.Now()
	cpu0, _ := processCPU()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				err := op(ctx)
				mine = append(mine, time.Since(t0))
				if err != nil {
					failed.Add(1)
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				ok.Add(1)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(lat)
	cpu1, _ := processCPU()
	return phase{ok: ok.Load(), failed: failed.Load(), elapsed: time.Since(start), cpu: cpu1 - cpu0, latencies: lat, firstErr: firstErr}
}

func report(w io.Writer, name string, p phase) {
	fmt.Fprintf(w, "%s\n  %8.0f ops/s   p50 %6.2f ms   p99 %6.2f ms   ok %d   failed %d\n", name, p.rate(),
		float64(p.pct(0.50).Microseconds())/1000, float64(p.pct(0.99).Microseconds())/1000, p.ok, p.failed)
	if _, ok := processCPU(); ok && p.ok+p.failed > 0 {
		fmt.Fprintf(w, "  this process's CPU: %.0f µs per op (%.2f cores)\n", float64(p.cpu.Microseconds())/float64(p.ok+p.failed), p.cpu.Seconds()/p.elapsed.Seconds())
	}
	if p.firstErr != nil {
		fmt.Fprintf(w, "  first error: %v\n", p.firstErr)
	}
}
