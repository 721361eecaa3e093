package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"orderhub/bot"
	"orderhub/bot/localwecom"
	"orderhub/config"
	"orderhub/internal/demo"
	"orderhub/internal/redisclient"
	"orderhub/miniprogram"
	"orderhub/model"
	"orderhub/service"
	stockaudit "orderhub/service/audit"
	"orderhub/service/catalog"
	"orderhub/service/movein"
	"orderhub/web"
)

// App is one wired orderhub process: its stores, the core services on
// them, the edges and what the supervisors see. Open builds it (wire, in
// wire.go, is the one place its parts are made, routes.go the one place
// they are mounted), Start runs its workers, Close closes it.
type App struct {
	cfg      config.Config
	log      *slog.Logger
	clock    service.Clock
	db       *gorm.DB
	rdb      redis.UniversalClient
	mini     *miniredis.Miniredis // the in-process Redis, embedded mode only
	registry *prometheus.Registry
	// core is the services, bot, runner and outbox on the real database.
	*core
	server   *web.Server
	mp       *mpParts // the mini-program's WeChat client and notifier
	wecom    *wecomParts
	callback *bot.Callback // nil with WeCom off
	esc      *service.Escalator
	staffing *service.Staffing
	dirSync  *movein.DirectorySync
	war      *warRoom
	imports  *movein.Imports
	exports  *movein.Exports
	// buyerCache is the mini-program auth's buyer look-up cache, shared by
	// everything that changes buyers or customers.
	buyerCache *service.BuyerCache
	buyers     *miniprogram.API
	// practice runs the trainees' sandboxes (练习).
	practice *practice
	// localWeCom is the demo's local WeCom (nil with a real corp).
	localWeCom *localwecom.Server
	closers    []func()
}

// openStores opens the database and Redis the config names, or the
// embedded ones: a SQLite file in the data dir and an in-process Redis.
func OpenStores(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	a := &App{cfg: cfg, log: log, clock: service.SystemClock}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", cfg.DataDir, err)
	}
	db, err := model.Open(ctx, model.Options{MySQLDSN: cfg.MySQLDSN, SQLitePath: filepath.Join(cfg.DataDir, "orderhub.db"), Log: log,
		Replicas: model.ReplicaOptions{DSNs: cfg.MySQL.Replicas, MaxLag: cfg.MySQL.ReplicaMaxLag.D(), CheckEvery: cfg.MySQL.ReplicaCheck.D()}})
	if err != nil {
		return nil, err
	}
	a.db = db
	a.closers = append(a.closers, func() { _ = model.Close(db) })

	rc := cfg.Redis
	if !rc.Configured() {
		// The same go-redis code runs against an in-process server; what it
		// holds (locks, dedupe keys, sessions) is gone when the process ends,
		// which a single embedded process can afford.
		a.mini = miniredis.NewMiniRedis()
		if err := a.mini.StartAddr("127.0.0.1:0"); err != nil {
			a.Close()
			return nil, fmt.Errorf("embedded redis: %w", err)
		}
		rc.Addr = a.mini.Addr()
		a.closers = append(a.closers, a.mini.Close, expireEmbedded(a.mini, time.Second))
	}
	// Short timeouts (redisclient): with Redis down, reservations go on
	// with database locks alone. One server, a Sentinel-watched master or a Cluster (internal/redisclient).
	a.rdb = redisclient.New(rc)
	a.closers = append(a.closers, func() { _ = a.rdb.Close() })
	return a, nil
}

// expireEmbedded makes the in-process Redis expire keys as time passes,
// every tick: miniredis counts a key's TTL down only when told to
// (FastForward), so without this nothing set with a TTL ever expired in
// the embedded mode — a buyer's write limit never reset, a cached buyer
// (service.BuyerCache) never aged out. Per tick, not per command
// (miniredis's ClockTTL): each pass sorts every key, too dear per request.
// Keys expire up to a tick late. It returns the func that stops it.
func expireEmbedded(m *miniredis.Miniredis, tick time.Duration) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(tick)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				m.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}

// Open opens the stores, brings the schema up to date and wires every
// service: what serve, seed and bench each need before they start.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, clock service.Clock) (*App, error) {
	a, err := OpenStores(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	a.clock = clock
	// Rows gorm stamps itself (created_at left zero) take the same clock as
	// the rest: a replayed day (simulate) records business time throughout.
	a.db.Config.NowFunc = func() time.Time { return clock().UTC() }
	if err := model.Migrate(ctx, a.db); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.wire(); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// ready reports whether this instance can serve.
//
// The database must hold this build's schema: the version is read, with a
// short timeout, so a dropped database or table takes the instance out of
// a load balancer (a ping alone passes). Redis down is logged, not fatal:
// orders, chat and sessions keep working without it, and every instance
// shares the one Redis, so taking them all out would help nobody.
func (a *App) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := model.CheckSchema(ctx, a.db); err != nil {
		return err
	}
	if err := a.rdb.Ping(ctx).Err(); err != nil {
		a.log.WarnContext(ctx, "ready without redis", "err", err)
	}
	return nil
}

func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

// SeedDemo seeds demo data into an empty database.
func (a *App) SeedDemo(ctx context.Context) (bool, error) {
	return demo.NewCompany(a.db, a.catalog, a.stock, a.orders, a.clock).Seed(ctx)
}

// DB is the process's database handle.
func (a *App) DB() *gorm.DB { return a.db }

// Catalog, Stock and Orders are the services a command drives directly
// (bench reserve).
func (a *App) Catalog() *catalog.Catalog { return a.catalog }

// Stock is the stock service.
func (a *App) Stock() *service.Stock { return a.stock }

// Orders is the order service.
func (a *App) Orders() *service.Orders { return a.orders }

// Handler is everything the process serves over HTTP.
func (a *App) Handler() http.Handler { return a.server.Handler() }

// Auditor is the stock auditor (`orderhub audit`).
func (a *App) Auditor() *stockaudit.Auditor { return a.auditor() }

// DirectorySync is the WeCom directory sync (`orderhub directory sync`).
func (a *App) DirectorySync() *movein.DirectorySync { return a.dirSync }

// adminToken returns the configured token or, in embedded mode, the one
// kept in the data dir (made on first start), so a newcomer need not set it.
func AdminToken(cfg config.Config) (token string, generated bool, err error) {
	if cfg.AdminToken != "" {
		return cfg.AdminToken, false, nil
	}
	path := filepath.Join(cfg.DataDir, "admin-token")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= 12 {
		return strings.TrimSpace(string(b)), false, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("admin token: %w", err)
	}
	raw := make([]byte, 18)
	if _, err := rand.Read(raw); err != nil {
		return "", false, err
	}
	token = "oh_" + hex.EncodeToString(raw)
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return "", false, err
	}
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("admin token: %w", err)
	}
	return token, true, nil
}
