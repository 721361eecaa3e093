package app

import (
	"context"
	"path/filepath"
	"runtime/debug"
	"time"

	"golang.org/x/sync/errgroup"

	"orderhub/config"
	"orderhub/internal/backup"
	"orderhub/model"
	"orderhub/service"
	stockaudit "orderhub/service/audit"
)

// worker is one background loop of a process: run returns when ctx ends,
// after finishing what it holds.
type worker struct {
	name string
	run  func(ctx context.Context)
}

// supervise runs the workers, each in its own goroutine under one
// errgroup; the returned stop cancels them all and returns when every one
// has returned.
func supervise(ctx context.Context, ws []worker) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var g errgroup.Group
	for _, w := range ws {
		g.Go(func() error {
			w.run(ctx)
			return nil
		})
	}
	return func() {
		cancel()
		_ = g.Wait()
	}
}

// Start runs every background worker of a serving process — the bot's
// command runner and the outbox dispatcher, the trainees' sandboxes, the
// escalation scanner, the nightly audit and directory sync, the daily
// digest, the stocking lists, the embedded database's daily backups and,
// with history, the demo's 90 days seeded behind the served board — until
// the returned stop, which waits for them to finish what they hold. Stop
// before Close: the stores stay open until the workers are done.
func (a *App) Start(ctx context.Context, history bool) (stop func()) {
	ws := a.botWorkers()
	ws = append(ws,
		worker{"stock audit", a.auditor().Nightly},
		worker{"escalation scan", func(ctx context.Context) { a.esc.Run(ctx, a.poke) }},
		worker{"stocking lists", func(ctx context.Context) { a.war.stocking.RunSender(ctx, 5*time.Minute, a.poke, a.log) }},
	)
	// The demo corp has no directory to follow, and with WeCom off there
	// is none.
	if a.wecom.mode == wecomReal && a.dirSync != nil {
		ws = append(ws, worker{"directory sync", a.dirSync.Nightly})
	}
	if a.war.digest != nil {
		ws = append(ws, worker{"daily digest", func(ctx context.Context) { a.war.digest.Run(ctx, a.poke) }})
	}
	if a.cfg.Embedded() && a.cfg.Backup.Keep >= 1 {
		ws = append(ws, worker{"daily backups", a.dailyBackups})
	}
	if history {
		ws = append(ws, worker{"demo history", a.historyInBackground})
	}
	return supervise(ctx, ws)
}

// botWorkers are the command runner, the outbox dispatcher and the
// trainees' sandboxes (each with its own runner and outbox).
func (a *App) botWorkers() []worker {
	return []worker{
		{"command runner", a.runner.Run},
		{"outbox", a.outbox.Run},
		{"practice sandboxes", func(ctx context.Context) { a.practice.runAll(ctx, a.poke) }},
	}
}

// startBot runs only the bot's workers (tests that drive chat alone).
func (a *App) startBot(ctx context.Context) (stop func()) {
	return supervise(ctx, a.botWorkers())
}

// poke wakes the outbox dispatcher after a worker queued a message.
func (a *App) poke() { a.outbox.Poke() }

// auditor builds the stock auditor on open stores.
func (a *App) auditor() *stockaudit.Auditor {
	return stockaudit.New(a.db, a.rdb, a.cfg.Redis.Prefix, service.NewPipeline(a.cfg), a.clock, a.cfg.Location(), a.log)
}

// dailyBackups keeps backup.keep daily copies of the embedded database in
// <data_dir>/backups: one at start-up if today has none, then one each new
// local day (checked hourly). The embedded default is one instance, so no
// claim across instances is needed; MySQL makes none.
func (a *App) dailyBackups(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		day := a.clock().In(a.cfg.Location()).Format("2006-01-02")
		made, err := backup.Daily(ctx, DBPath(a.cfg), filepath.Join(a.cfg.DataDir, "backups"), day, a.cfg.Backup.Keep)
		switch {
		case err != nil && ctx.Err() == nil:
			a.log.Error("daily backup failed", "err", err)
		case made != "":
			a.log.Info("daily backup written", "file", made, "keep", a.cfg.Backup.Keep)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// historyInBackground seeds the demo history behind the served board; an
// end of ctx stops it (a day's transaction in flight rolls back).
func (a *App) historyInBackground(ctx context.Context) {
	rep, took, err := a.SeedHistory(ctx)
	if err != nil {
		if ctx.Err() == nil {
			a.log.Error("demo history", "err", err)
		}
		return
	}
	a.log.Info("demo history seeded", "days", HistoryDays, "orders", rep.Orders, "open", rep.Open, "tickets", rep.Tickets,
		"transfers", rep.Transfers, "took", took.Round(time.Millisecond))
	a.releaseMemory(ctx)
}

// releaseMemory hands the one-off seeding's memory back to the OS, so the
// idle server is as small as one started without history (issue 15,
// docs/benchmarks.md): the SQLite connections that wrote 90 days keep their
// page caches and the C allocator's blocks (about 10 MB), and the Go heap
// that built the days is freed but returned to the OS only slowly (2–3 MB).
func (a *App) releaseMemory(ctx context.Context) {
	if err := model.ReleaseMemory(ctx, a.db); err != nil {
		a.log.Warn("demo history: release memory", "err", err)
	}
	debug.FreeOSMemory()
}

// DBPath is the embedded database's file.
func DBPath(cfg config.Config) string { return filepath.Join(cfg.DataDir, "orderhub.db") }
