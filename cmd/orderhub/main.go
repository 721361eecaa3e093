// Command orderhub is the order hub: one binary that serves the staff API,
// the WeCom bot and the mini-program API, migrates its database and seeds
// demo data.
//
//	orderhub [serve]        start the server (the default)
//	orderhub migrate        bring the database schema up to date
//	orderhub seed --demo    seed demo data into an empty database
//	orderhub chat           play WeCom's side against a running orderhub
//	orderhub audit          check that stock adds up (nightly in serve too)
//	orderhub bench reserve  measure hot-SKU reservation throughput
//	orderhub bench http     open-loop HTTP load against a served orderhub
//	orderhub simulate       replay a compressed business day through the edges
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // Asia/Shanghai on machines without a zoneinfo database

	"orderhub/config"
	"orderhub/internal/app"
	"orderhub/internal/bench"
	"orderhub/internal/chatcli"
	"orderhub/internal/reqlog"
	"orderhub/internal/served"
	"orderhub/model"
	"orderhub/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "orderhub:", err)
		os.Exit(1)
	}
}

const usage = `usage: orderhub [command]

commands:
  serve          start the server (default)
  migrate        bring the database schema up to date
  seed --demo    seed demo data into an empty database
  directory sync bring staff in step with the WeCom directory now (also nightly at
                 03:00 in serve, once across instances, when a corp is configured)
  audit          check now that stock adds up (also runs nightly at 02:00 in serve)
  backup FILE    copy the embedded database to FILE while it serves (daily copies are
                 kept in <data_dir>/backups; MySQL: see docs/operations.md)
  restore FILE   make FILE the embedded database (stop orderhub first)
  bench reserve  measure hot-SKU reservation throughput (see docs/benchmarks.md)
  bench http     open-loop order load against a served orderhub (see docs/benchmarks.md)
  chat --as <userid> "<text>"
                 talk to a running orderhub as a WeCom user (see docs/commands.md)
  simulate       replay a compressed business day (buyers, 27 staff, supervisors)
                 through the real edges, with and without escalation, and report

Configuration comes from ORDERHUB_CONFIG (a YAML file) and ORDERHUB_*
environment variables; see docs/configuration.md.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "serve", "migrate", "seed", "bench", "chat", "audit", "simulate", "directory", "backup", "restore":
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	if askedHelp(args) {
		return commandHelp(ctx, cmd, args, getenv, stdout, stderr)
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	return dispatch(ctx, cmd, cfg, args, stdout, stderr)
}

func dispatch(ctx context.Context, cmd string, cfg config.Config, args []string, stdout, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log, stdout)
	case "migrate":
		return migrate(ctx, cfg, log, stdout)
	case "audit":
		return audit(ctx, cfg, log, stdout)
	case "directory":
		return directoryCmd(ctx, cfg, log, args, stdout)
	case "bench":
		return bench.Run(ctx, cfg, log, args, stdout, stderr)
	case "chat":
		return chatcli.Run(ctx, cfg, args, stdout)
	case "simulate":
		return simulate(ctx, cfg, args, stdout, stderr)
	case "backup":
		return backupCmd(ctx, cfg, args, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, cfg, args, stdout, stderr)
	default:
		return seed(ctx, cfg, log, args, stdout)
	}
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(reqlog.Handler(h))
}

func migrate(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	a, err := app.OpenStores(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	before, err := model.Version(a.DB())
	if err != nil {
		return err
	}
	if err := model.Migrate(ctx, a.DB()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema at version %d (was %d)\n", model.LatestVersion(), before)
	return nil
}

func seed(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stdout)
	demo := fs.Bool("demo", false, "seed the demo company (warehouses, products, stock, customers, staff, orders)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*demo {
		return errors.New("seed: say what to seed: orderhub seed --demo")
	}
	cfg.AdminToken = "seed-only-not-served"
	a, err := app.Open(ctx, cfg, log, service.SystemClock)
	if err != nil {
		return err
	}
	defer a.Close()
	did, err := a.SeedDemo(ctx)
	if err != nil {
		return err
	}
	if did && cfg.DemoHistory {
		rep, took, err := a.SeedHistory(ctx)
		if err != nil {
			return fmt.Errorf("demo history: %w", err)
		}
		fmt.Fprintf(stdout, "demo data seeded, with %d days of history: %d orders, %d open now, %d tickets (%s)\n", app.HistoryDays, rep.Orders, rep.Open, rep.Tickets, took.Round(time.Millisecond))
	} else if did {
		fmt.Fprintln(stdout, "demo data seeded")
	} else {
		fmt.Fprintln(stdout, "the database already has warehouses; demo data not seeded")
	}
	return nil
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	return serveOn(ctx, cfg, log, stdout, service.SystemClock)
}

// serveOn serves on clock: the system's, or a replayed day's (simulate).
func serveOn(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer, clock service.Clock) error {
	token, generated, err := app.AdminToken(cfg)
	if err != nil {
		return err
	}
	cfg.AdminToken = token
	a, err := app.Open(ctx, cfg, log, clock)
	if err != nil {
		return err
	}
	defer a.Close()
	seedHistory := false
	if cfg.Embedded() && cfg.DemoSeed {
		did, err := a.SeedDemo(ctx)
		if err != nil {
			return fmt.Errorf("demo seed: %w", err)
		}
		if did {
			seedHistory = cfg.DemoHistory
			if seedHistory {
				log.Info("seeded demo data into the embedded database; its 90 days of history follow in the background")
			} else {
				log.Info("seeded demo data into the embedded database")
			}
		}
	}
	if cfg.PprofAddr != "" {
		stopPprof, err := startPprof(cfg.PprofAddr, log)
		if err != nil {
			return fmt.Errorf("pprof_addr %s: %w", cfg.PprofAddr, err)
		}
		defer stopPprof()
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.HTTPAddr, err)
	}
	// `orderhub chat` run from the same directory finds this server here,
	// whatever port it got. Written before the banner announces the
	// server, so whoever waits for the banner finds the file.
	removeAddr, err := served.WriteAddress(cfg.DataDir, ln.Addr().String())
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer removeAddr()
	banner(stdout, cfg, ln.Addr().String(), token, generated)
	a.BotBanner(stdout)
	a.BoardBanner(stdout, ln.Addr().String())
	// Deferred after a.Close, so it runs first: the stores stay open until
	// the workers have finished what they hold. With seedHistory the board
	// is up at once and 90 days of history fill in behind it, a day per
	// transaction (docs/dashboard.md).
	stopWorkers := a.Start(context.WithoutCancel(ctx), seedHistory)
	defer stopWorkers()
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("orderhub serving", "addr", ln.Addr().String(), "embedded", cfg.Embedded())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop taking requests, let those in flight finish, then close stores.
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func banner(w io.Writer, cfg config.Config, addr, token string, generated bool) {
	mode := "MySQL + Redis"
	if cfg.Embedded() {
		mode = "embedded (SQLite in " + cfg.DataDir + ", in-process Redis)"
	}
	fmt.Fprintf(w, "orderhub listening on %s — %s\n", addr, mode)
	if cfg.Embedded() {
		note := "kept in " + cfg.DataDir + "/admin-token"
		if generated {
			note = "generated, " + note
		}
		fmt.Fprintf(w, "staff API token (%s):\n  %s\n", note, token)
		fmt.Fprintf(w, "try:  curl -H 'Authorization: Bearer %s' http://%s/api/v1/warehouses\n", token, served.DisplayAddr(addr))
	}
}
