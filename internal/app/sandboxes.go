package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"orderhub/bot"
	"orderhub/config"
	"orderhub/model"
	"orderhub/service"
	"orderhub/service/worktime"
)

// practice is practice mode (练习, docs/moving-in.md §6): every trainee
// gets a sandbox database of their own — a SQLite file under
// <data_dir>/practice/ embedded, a database "<prefix>_<key>" on MySQL —
// on which the same services, bot, runner and outbox run as on the real
// one. While a trainee practises, the callback records their messages
// in their sandbox's inbox (Route), so nothing they do can write a real
// row: the sandbox's services hold no handle on the real database but the
// read-only one service.Practice copies from. Whether someone practises is
// the session row in their sandbox, read by every instance on every
// message; this struct caches open connections and, on MySQL, for at most
// listTTL, which sandboxes exist (see present).
type practice struct {
	cfg    config.Config
	real   *gorm.DB
	rdb    redis.UniversalClient
	clock  service.Clock
	log    *slog.Logger
	wecom  service.Sender // the real WeCom sender, behind practiceSender
	media  bot.MediaSource
	ocr    service.OCR
	prefix string // MySQL: sandbox names are prefix + "_" + key
	server string // MySQL: the DSN of the sandboxes' server, no database

	mu        sync.Mutex
	sandboxes map[string]*sandbox // by key
	// rmMu orders removing a sandbox against opening one in this
	// process: a SQLite file is never reopened (made empty) halfway
	// through its removal, nor removed while being opened.
	rmMu     sync.Mutex
	serverDB *gorm.DB
	runCtx   context.Context
	wg       sync.WaitGroup

	// listTTL is how long the list of MySQL sandboxes is trusted (0 in
	// the embedded mode, which stats a file per message instead).
	listTTL time.Duration
	listMu  sync.Mutex
	listed  map[string]bool // sandbox keys, as of listAt
	listAt  time.Time       // when the query that listed them was sent
}

// practiceKeepEvery is how often each instance looks for sandboxes unused
// for practice.keep_days: a day late is nothing at that scale, and each
// look reads every sandbox.
const practiceKeepEvery = time.Hour

// practiceListTTL is how long an instance answers "is there a sandbox for
// this user" from its list of the MySQL sandboxes instead of asking
// information_schema for every callback (~0.1 ms each, most of them for
// people who never practise): one listing per second per instance. A
// sandbox made on another instance meanwhile is not in the list for up
// to this long, so 练习 answers no sooner than this after making it
// (realPractice.Begin): by the time the trainee reads that they practise,
// every instance's list has it. A sandbox deleted by hand is dropped at
// the next listing, or at once when using it fails.
const practiceListTTL = time.Second

// sandbox is one trainee's practice database and what runs on it.
type sandbox struct {
	key, user string
	db        *gorm.DB
	practice  *service.Practice
	inbox     *service.Inbox
	runner    *bot.Runner
	outbox    *service.Outbox
	// file is the SQLite file opened (embedded): one deleted, or replaced
	// by a new 练习, is not this one any more.
	file os.FileInfo
	// opened is when it was opened: a listing sent before then may miss
	// it without its being gone.
	opened time.Time
	// stop ends the runner and outbox (run), done when they have.
	stop context.CancelFunc
	done sync.WaitGroup
}

func newPractice(cfg config.Config, real *gorm.DB, rdb redis.UniversalClient, clock service.Clock, log *slog.Logger, wecom service.Sender, media bot.MediaSource, ocr service.OCR) (*practice, error) {
	p := &practice{cfg: cfg, real: real, rdb: rdb, clock: clock, log: log, wecom: wecom, media: media, ocr: ocr, sandboxes: map[string]*sandbox{}}
	if !cfg.Embedded() {
		dsn := cfg.Practice.MySQLDSN
		derive := dsn == ""
		if derive {
			dsn = cfg.MySQLDSN
		}
		m, err := gomysql.ParseDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("practice.mysql_dsn: %w", err)
		}
		p.prefix = m.DBName
		if derive {
			p.prefix += "_practice"
		}
		if p.prefix == "" || len(p.prefix) > 50 || strings.ContainsAny(p.prefix, "`'\"\\/. ") {
			return nil, fmt.Errorf("practice.mysql_dsn (ORDERHUB_PRACTICE_MYSQL_DSN): the sandbox name prefix %q must be 1 to 50 plain characters", p.prefix)
		}
		m.DBName = ""
		p.server = m.FormatDSN()
		p.listTTL = practiceListTTL
	}
	return p, nil
}

// keeper removes the sandboxes unused for practice.keep_days.
func (p *practice) keeper() *service.PracticeKeeper {
	return service.NewPracticeKeeper(p, p.real, p.cfg.Practice.KeepDays, p.clock, p.log)
}

// practiceKey names a trainee's sandbox: 12 hex digits of sha256 of their
// userid (WeCom userids may hold characters a database name may not).
func practiceKey(user string) string {
	sum := sha256.Sum256([]byte(user))
	return hex.EncodeToString(sum[:6])
}

func (p *practice) sqlitePath(key string) string {
	return filepath.Join(p.cfg.DataDir, "practice", key+".db")
}

func (p *practice) dbName(key string) string { return p.prefix + "_" + key }

// serverConn is a connection to the sandboxes' MySQL server, opened once.
func (p *practice) serverConn(ctx context.Context) (*gorm.DB, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.serverDB != nil {
		return p.serverDB, nil
	}
	db, err := model.Open(ctx, model.Options{MySQLDSN: p.server, Log: p.log})
	if err != nil {
		return nil, fmt.Errorf("practice server: %w", err)
	}
	if sqlDB, err := db.DB(); err == nil {
		sqlDB.SetMaxOpenConns(4)
		sqlDB.SetMaxIdleConns(4)
	}
	p.serverDB = db
	return db, nil
}

// exists reports whether the sandbox key was ever made.
func (p *practice) exists(ctx context.Context, key string) (bool, error) {
	if p.cfg.Embedded() {
		_, err := os.Stat(p.sqlitePath(key))
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return err == nil, err
	}
	db, err := p.serverConn(ctx)
	if err != nil {
		return false, err
	}
	var n int64
	err = db.WithContext(ctx).Raw("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", p.dbName(key)).Scan(&n).Error
	return n > 0, err
}

// present reports whether the sandbox key exists, for the callback: on
// MySQL from the list of sandboxes, read again when older than listTTL or
// when fresh; embedded by a stat of its file, which also drops the handle
// on a file since deleted or replaced.
func (p *practice) present(ctx context.Context, key string, fresh bool) (bool, error) {
	if p.cfg.Embedded() {
		fi, err := os.Stat(p.sqlitePath(key))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
		p.mu.Lock()
		sb := p.sandboxes[key]
		p.mu.Unlock()
		if sb != nil && (fi == nil || sb.file == nil || !os.SameFile(fi, sb.file)) {
			p.forget(key)
		}
		return fi != nil, nil
	}
	p.listMu.Lock()
	defer p.listMu.Unlock()
	if fresh || p.listed == nil || time.Since(p.listAt) >= p.listTTL {
		asked := time.Now() // a sandbox made after this may be missing
		keys, err := p.keys(ctx)
		if err != nil {
			return false, err
		}
		p.listed, p.listAt = make(map[string]bool, len(keys)), asked
		for _, k := range keys {
			p.listed[k] = true
		}
	}
	return p.listed[key], nil
}

// forget drops the open sandbox key, deleted since it was opened: its
// runner and outbox stop, then its connections close.
func (p *practice) forget(key string) {
	sb := p.drop(key)
	if sb == nil {
		return
	}
	p.log.Info("practice: sandbox deleted; closing it", "sandbox", key)
	go func() {
		sb.done.Wait() // at once when it never ran
		_ = model.Close(sb.db)
	}()
}

// drop takes the open sandbox key out of use and stops its runner and
// outbox; nil when it was not open.
func (p *practice) drop(key string) *sandbox {
	p.mu.Lock()
	defer p.mu.Unlock()
	sb := p.sandboxes[key]
	delete(p.sandboxes, key)
	if sb != nil && sb.stop != nil {
		sb.stop()
	}
	return sb
}

// remove removes the sandbox key: its file (and the waybill photos taken
// in it) or its database. One already gone is no error, so two instances
// (or a mentor and the expiry) removing it at once both succeed. This
// instance's handle is closed first, and waited for: a SQLite connection
// closed after a new sandbox of the same name was made would delete the
// new one's WAL. Other instances drop their handles when using one fails
// or at their next listing (keys); a message of the trainee's routed to
// the old sandbox just before fails to record there and is routed again
// by the callback, to the real system. What was recorded in the sandbox
// and not yet run is practice, removed with it.
func (p *practice) remove(ctx context.Context, key string) error {
	p.rmMu.Lock()
	defer p.rmMu.Unlock()
	if sb := p.drop(key); sb != nil {
		sb.done.Wait()
		_ = model.Close(sb.db)
	}
	if p.cfg.Embedded() {
		path := p.sqlitePath(key)
		for _, f := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
			if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("practice: remove sandbox: %w", err)
			}
		}
		if err := os.RemoveAll(filepath.Join(p.cfg.DataDir, "practice", key)); err != nil {
			return fmt.Errorf("practice: remove sandbox photos: %w", err)
		}
		p.log.InfoContext(ctx, "practice: sandbox removed", "sandbox", key)
		return nil
	}
	server, err := p.serverConn(ctx)
	if err != nil {
		return err
	}
	if err := server.WithContext(ctx).Exec("DROP DATABASE IF EXISTS `" + p.dbName(key) + "`").Error; err != nil {
		return fmt.Errorf("practice: drop sandbox: %w", err)
	}
	p.listMu.Lock()
	delete(p.listed, key)
	p.listMu.Unlock()
	p.log.InfoContext(ctx, "practice: sandbox removed", "sandbox", key)
	return nil
}

// Keys, LastUse and Remove are the sandboxes as service.PracticeKeeper
// sees them.
func (p *practice) Keys(ctx context.Context) ([]string, error) { return p.keys(ctx) }

func (p *practice) Remove(ctx context.Context, key string) error { return p.remove(ctx, key) }

// LastUse reads the sandbox key's last use through the handle open on it,
// else through one opened for the read and closed at once: reading whether
// a sandbox is idle does not start its runner and outbox.
func (p *practice) LastUse(ctx context.Context, key string) (service.SandboxUse, bool, error) {
	p.mu.Lock()
	sb := p.sandboxes[key]
	p.mu.Unlock()
	if sb != nil {
		u, err := service.PracticeLastUse(ctx, sb.db)
		if err != nil {
			return p.gone(ctx, key, err)
		}
		return u, true, nil
	}
	p.rmMu.Lock()
	defer p.rmMu.Unlock()
	if ok, err := p.exists(ctx, key); err != nil || !ok {
		return service.SandboxUse{}, false, err
	}
	opts, err := p.options(key)
	if err != nil {
		return service.SandboxUse{}, false, err
	}
	db, err := model.Open(ctx, opts)
	if err != nil {
		return p.gone(ctx, key, err)
	}
	defer model.Close(db)
	if sqlDB, err := db.DB(); err == nil {
		sqlDB.SetMaxOpenConns(1)
	}
	u, err := service.PracticeLastUse(ctx, db)
	if err != nil {
		return p.gone(ctx, key, err)
	}
	return u, true, nil
}

// gone answers a failed read of sandbox key: not an error when the
// sandbox is gone (another instance removed it meanwhile).
func (p *practice) gone(ctx context.Context, key string, err error) (service.SandboxUse, bool, error) {
	if ok, xerr := p.exists(ctx, key); xerr == nil && !ok {
		p.forget(key)
		return service.SandboxUse{}, false, nil
	}
	return service.SandboxUse{}, false, err
}

// keys lists every sandbox made, and closes this instance's handles on
// sandboxes not listed (removed on another instance, or by hand), so no
// runner or outbox goes on polling a database that is gone.
func (p *practice) keys(ctx context.Context) ([]string, error) {
	asked := time.Now()
	keys, err := p.list(ctx)
	if err != nil {
		return nil, err
	}
	listed := make(map[string]bool, len(keys))
	for _, k := range keys {
		listed[k] = true
	}
	var gone []string
	p.mu.Lock()
	for k, sb := range p.sandboxes {
		if !listed[k] && sb.opened.Before(asked) {
			gone = append(gone, k)
		}
	}
	p.mu.Unlock()
	for _, k := range gone {
		p.forget(k)
	}
	return keys, nil
}

// list lists every sandbox made.
func (p *practice) list(ctx context.Context) ([]string, error) {
	var keys []string
	if p.cfg.Embedded() {
		files, err := filepath.Glob(filepath.Join(p.cfg.DataDir, "practice", "*.db"))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			keys = append(keys, strings.TrimSuffix(filepath.Base(f), ".db"))
		}
		return keys, nil
	}
	db, err := p.serverConn(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	like := strings.ReplaceAll(p.prefix+"_", "_", `\_`) + "%"
	if err := db.WithContext(ctx).Raw("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ORDER BY SCHEMA_NAME", like).Scan(&names).Error; err != nil {
		return nil, err
	}
	for _, n := range names {
		k := strings.TrimPrefix(n, p.prefix+"_")
		if len(k) == 12 {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// open returns the sandbox key, opening (and, with create, making) its
// database; nil when it does not exist and create is false. user is the
// trainee when known; else it is read from the sandbox's session.
func (p *practice) open(ctx context.Context, key, user string, create bool) (*sandbox, error) {
	p.mu.Lock()
	sb := p.sandboxes[key]
	p.mu.Unlock()
	if sb != nil {
		return sb, nil
	}
	p.rmMu.Lock()
	defer p.rmMu.Unlock()
	if !create {
		ok, err := p.exists(ctx, key)
		if err != nil || !ok {
			return nil, err
		}
	}
	if create && !p.cfg.Embedded() {
		server, err := p.serverConn(ctx)
		if err != nil {
			return nil, err
		}
		if err := server.WithContext(ctx).Exec("CREATE DATABASE IF NOT EXISTS `" + p.dbName(key) + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci").Error; err != nil {
			return nil, fmt.Errorf("practice: create database: %w", err)
		}
	}
	opts, err := p.options(key)
	if err != nil {
		return nil, err
	}
	opened := time.Now()
	db, err := model.Open(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("practice: open sandbox: %w", err)
	}
	var file os.FileInfo
	if p.cfg.Embedded() {
		if file, err = os.Stat(opts.SQLitePath); err != nil {
			_ = model.Close(db)
			return nil, fmt.Errorf("practice: open sandbox: %w", err)
		}
	}
	if sqlDB, err := db.DB(); err == nil && model.IsMySQL(db) {
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetMaxIdleConns(2)
	}
	if err := model.Migrate(ctx, db); err != nil {
		_ = model.Close(db)
		return nil, fmt.Errorf("practice: migrate sandbox: %w", err)
	}
	if err := numberApart(ctx, db); err != nil {
		_ = model.Close(db)
		return nil, fmt.Errorf("practice: sandbox numbers: %w", err)
	}
	if user == "" {
		var s model.PracticeSession
		if err := db.WithContext(ctx).Order("id").Take(&s).Error; err != nil {
			_ = model.Close(db)
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return nil, nil // made, never filled: nobody practises there
			}
			return nil, err
		}
		user = s.UserID
	}
	sb = p.build(key, user, db)
	sb.file, sb.opened = file, opened
	p.mu.Lock()
	defer p.mu.Unlock()
	if other := p.sandboxes[key]; other != nil {
		_ = model.Close(db) // opened twice at once: keep the first
		return other, nil
	}
	p.sandboxes[key] = sb
	if p.runCtx != nil {
		p.run(sb)
	}
	return sb, nil
}

// options are what model.Open needs for the sandbox key's database.
func (p *practice) options(key string) (model.Options, error) {
	if p.cfg.Embedded() {
		return model.Options{SQLitePath: p.sqlitePath(key), Log: p.log}, nil
	}
	m, err := gomysql.ParseDSN(p.server)
	if err != nil {
		return model.Options{}, err
	}
	m.DBName = p.dbName(key)
	return model.Options{MySQLDSN: m.FormatDSN(), Log: p.log}, nil
}

// build builds the sandbox's core on its database with newCore, as wire
// does on the real one, with these differences: Redis keys under their
// own prefix, metrics into a registry nobody scrapes, no buyer cache, no
// channel webhooks or SMS (and no escalation scanner: wire makes that),
// waybill photos under the sandbox's own directory, two command workers,
// the sandbox's own practice mode, and every message through
// practiceSender.
func (p *practice) build(key, user string, db *gorm.DB) *sandbox {
	cfg := p.cfg
	sb := &sandbox{key: key, user: user, db: db}
	c := newCore(coreDeps{
		cfg: cfg, db: db, rdb: p.rdb, clock: p.clock, log: p.log,
		prefix:   cfg.Redis.Prefix + "practice:" + key + ":",
		dataDir:  filepath.Join(cfg.DataDir, "practice", key),
		registry: prometheus.NewRegistry(),
		hours:    service.NewHours(worktime.New(cfg.WorkTime, cfg.Location()), db),
		sender:   practiceSender{trainee: user, wecom: p.wecom},
		ocr:      p.ocr, media: p.media, workers: 2,
		practice: func(c *core) bot.Practice {
			sb.practice = service.NewPractice(db, p.real, c.orders, p.clock)
			return sandboxPractice{sb: sb, log: p.log}
		},
	})
	sb.inbox, sb.runner, sb.outbox = c.inbox, c.runner, c.outbox
	return sb
}

// runAll runs the runner and outbox of every sandbox open now or later,
// and the keeper's expiry every practiceKeepEvery (poke wakes the real
// outbox when it told a trainee), until ctx ends; then it waits for them.
func (p *practice) runAll(ctx context.Context, poke func()) {
	p.mu.Lock()
	p.runCtx = ctx
	for _, sb := range p.sandboxes {
		p.run(sb)
	}
	p.mu.Unlock()
	p.keeper().Run(ctx, practiceKeepEvery, poke)
	<-ctx.Done()
	// No sandbox opened from now on starts its workers, so the wait
	// below sees every one started.
	p.mu.Lock()
	p.runCtx = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// run starts sb's workers; p.mu is held.
func (p *practice) run(sb *sandbox) {
	ctx, stop := context.WithCancel(p.runCtx)
	sb.stop = stop
	p.wg.Add(2)
	sb.done.Add(2)
	go func() { defer p.wg.Done(); defer sb.done.Done(); sb.runner.Run(ctx) }()
	go func() { defer p.wg.Done(); defer sb.done.Done(); sb.outbox.Run(ctx) }()
}

// close closes every sandbox connection.
func (p *practice) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, sb := range p.sandboxes {
		_ = model.Close(sb.db)
		delete(p.sandboxes, k)
	}
	if p.serverDB != nil {
		_ = model.Close(p.serverDB)
		p.serverDB = nil
	}
}
