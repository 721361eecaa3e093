package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"orderhub/config"
	"orderhub/internal/sim"
	"orderhub/model"
	"orderhub/service/worktime"
)

// simOptions are the flags of `orderhub simulate`.
type simOptions struct {
	seed         uint64
	ordersPerDay int
	days         int
	staff        string
	day          time.Duration
	drain        time.Duration
	report       string
	mysqlDSN     string
	redisAddr    string
	dataDir      string
	only         string
	quiet        bool
	keep         bool
	stockingTake float64
	carrier      string
	promise      string
}

// simulate replays a compressed business day against served orderhubs it
// starts itself — once with escalation, once without — through their real
// edges, and reports what orderhub did to the business's numbers.
func simulate(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o simOptions
	fs.Uint64Var(&o.seed, "seed", 1, "the seed: the same seed replays the same orders, people and choices")
	fs.IntVar(&o.ordersPerDay, "orders-per-day", 340, "orders buyers try to place per day (15% of the first day's in a 10:00 promotion)")
	fs.IntVar(&o.days, "days", 1, "business days to replay")
	fs.StringVar(&o.staff, "staff", "", "staff profile (YAML; default: the built-in 27 people, see internal/sim/staff.yaml)")
	fs.DurationVar(&o.day, "day", 50*time.Second, "how long one business day takes in real time")
	fs.DurationVar(&o.drain, "drain", 36*time.Hour, "business time after the last day for orders to ship and arrive, at most")
	fs.StringVar(&o.report, "report", "", "write the report as JSON to this file, and as markdown beside it (.md)")
	fs.StringVar(&o.mysqlDSN, "mysql-dsn", cfg.MySQLDSN, "MySQL/MariaDB server to use instead of the embedded SQLite (a fresh database is created on it per replay)")
	fs.StringVar(&o.redisAddr, "redis-addr", cfg.Redis.Addr, "Redis to use instead of the in-process one (keys under a fresh prefix per replay)")
	fs.StringVar(&o.dataDir, "data-dir", "", "where the replays' data dirs go, kept afterwards (default: a new temporary directory, removed at the end unless --keep)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory with the replays' databases (printed at the start) for a look afterwards")
	fs.StringVar(&o.only, "escalation", "both", "replay with escalation on, off, or both")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress bar")
	fs.Float64Var(&o.stockingTake, "stocking-take", 0, "model the stocking lists: 20 more customers order in a busy window on the last day, half are sent a list the day before and take it with this probability (0–1; 0: not modelled; needs --days 2 or more)")
	fs.StringVar(&o.carrier, "carrier", sim.CarrierSlot, "how parcels arrive: slot (in the delivery slot orderhub books, 签收 pushed by the carrier) or window (the older model: in the 3 h before the promise, recorded when the buyer taps 确认收货)")
	fs.StringVar(&o.promise, "promise", sim.PromiseProposed, "how customer service sets the promised time: proposed (takes orderhub's proposal, 交期=建议) or rule (their old rule of thumb: 18:00 the next day, the day after from 15:00)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case o.ordersPerDay < 1 || o.ordersPerDay > 20000:
		return errors.New("simulate: --orders-per-day: must be between 1 and 20000")
	case o.days < 1 || o.days > 90:
		return errors.New("simulate: --days: must be between 1 and 90")
	case o.day < 5*time.Second:
		return errors.New("simulate: --day: must be at least 5s")
	case o.drain < 0:
		return errors.New("simulate: --drain: must be >= 0")
	case o.stockingTake < 0 || o.stockingTake > 1:
		return errors.New("simulate: --stocking-take: must be between 0 and 1")
	case o.stockingTake > 0 && o.days < 2:
		return errors.New("simulate: --stocking-take: the list goes the day before the window (the last day): give --days 2 or more")
	case o.only != "both" && o.only != "on" && o.only != "off":
		return errors.New("simulate: --escalation: on, off or both")
	case o.carrier != sim.CarrierSlot && o.carrier != sim.CarrierWindow:
		return errors.New("simulate: --carrier: slot or window")
	case o.promise != sim.PromiseProposed && o.promise != sim.PromiseRule:
		return errors.New("simulate: --promise: proposed or rule")
	}
	if (o.mysqlDSN == "") != (o.redisAddr == "") {
		return errors.New("simulate: give both --mysql-dsn and --redis-addr (MySQL + Redis), or neither (embedded)")
	}
	profile, err := sim.LoadProfile(o.staff)
	if err != nil {
		return err
	}
	kept := "kept"
	if o.dataDir == "" {
		if o.dataDir, err = os.MkdirTemp("", "orderhub-simulate-"); err != nil {
			return err
		}
		// The replays' databases and uploads are ~20 MB a run: a temporary
		// directory goes when the run does, unless asked for.
		if !o.keep {
			kept = "removed at the end; --keep keeps it"
			defer os.RemoveAll(o.dataDir)
		}
	}
	scale := float64(24*time.Hour) / float64(o.day)
	store := "embedded (SQLite + in-process Redis)"
	if o.mysqlDSN != "" {
		store = "MySQL/MariaDB + Redis"
	}
	rep := sim.Report{Seed: o.seed, OrdersPerDay: o.ordersPerDay, Days: o.days, DayLength: o.day.String(), Staff: len(profile.Staff), Store: store,
		Carrier: o.carrier, Promise: o.promise}
	rep.Load[0] = loadAvg()
	fmt.Fprintf(stdout, "orderhub simulate: %d day(s), %d orders/day, %d staff, seed %d, a day in %s (1:%.0f), %s; data in %s (%s)\n",
		o.days, o.ordersPerDay, len(profile.Staff), o.seed, o.day, scale, store, o.dataDir, kept)
	modes := []bool{true, false}
	switch o.only {
	case "on":
		modes = []bool{true}
	case "off":
		modes = []bool{false}
	}
	for _, esc := range modes {
		r, err := replay(ctx, cfg, o, profile, scale, esc, stderr)
		if err != nil {
			return err
		}
		if esc {
			rep.With = r
		} else {
			rep.Without = r
		}
	}
	rep.Load[1] = loadAvg()
	rep.Judge()
	rep.Notes = append(rep.Notes,
		fmt.Sprintf("orderhub 在重放的业务时钟上运行（1:%.0f），它记下的时间就是业务时间；调用 orderhub 超过时钟的宽限（约一个业务分钟）还没回复时，时钟停下等它，所以机器负载只让重放变慢，不改数字（停了多久见上表）。orderhub ran on the replay's business clock (1:%.0f), so what it recorded is business time; when a call into orderhub waits longer than the clock's grace (about a business minute), the clock stands still until it is answered, so a loaded machine makes the replay slower, not the figures worse (how long it stood still: above).", scale, scale),
		"同一个 seed 的订单、人员和选择相同。The same seed makes the same orders, people and choices.",
		"工单接单、处理按订单所在仓库的工作时间计（和 orderhub 的升级阶梯同一个时钟）；按日历时间的数字在明细里。Tickets' acknowledgement and resolution count the working time of the order's warehouse (the clock orderhub's ladders count); the elapsed figures are in the details.")
	var md bytes.Buffer
	rep.Markdown(&md)
	fmt.Fprintln(stdout)
	_, _ = stdout.Write(md.Bytes())
	if o.report != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.report, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("simulate: --report: %w", err)
		}
		mdPath := strings.TrimSuffix(o.report, filepath.Ext(o.report)) + ".md"
		if err := os.WriteFile(mdPath, md.Bytes(), 0o644); err != nil {
			return fmt.Errorf("simulate: --report: %w", err)
		}
		fmt.Fprintf(stdout, "\nreport written to %s and %s\n", o.report, mdPath)
	}
	return nil
}

// replay serves one orderhub (a fresh database) with the simulation
// config, plays the day against it, stops it and measures.
func replay(ctx context.Context, base config.Config, o simOptions, profile sim.Profile, scale float64, escalation bool, stderr io.Writer) (sim.Replay, error) {
	label := "with escalation"
	mode := "on"
	if !escalation {
		label, mode = "without escalation", "off"
	}
	cfg := sim.Scaled(base, scale, escalation)
	// orderhub runs on the simulated business's clock (sim.Clock): every
	// time it records and every wait it counts — SLAs, ladders, working
	// hours, quiet hours — is business time.
	clock := sim.NewClock(sim.Origin, scale)
	cfg.DataDir = filepath.Join(o.dataDir, "escalation-"+mode)
	cfg.DemoSeed = true
	// The simulation makes its own days; the demo's history would only
	// compete with it for the database.
	cfg.DemoHistory = false
	cfg.AdminToken = "sim_" + randomHex(12)
	cfg.Secret = randomHex(32)
	cfg.LogLevel, cfg.LogFormat = "warn", "text"
	// The simulated staff read their replies from the local WeCom, and
	// buyers log in with demo codes: no real corp or mini-program.
	cfg.WeCom = config.WeCom{APIBase: config.Default().WeCom.APIBase}
	cfg.WeChat = config.WeChat{APIBase: config.Default().WeChat.APIBase}
	cfg.PublicURL = ""
	// Every simulated buyer logs in from this one address: the per-address
	// login limit is for the internet, not for the simulation.
	cfg.MiniProgram.LoginLimit = 1 << 20
	// The web shop that posts signed orders (docs: channels in
	// configuration.md).
	chSecret := randomHex(20)
	// The carrier's tracking pushes (快递100) are signed with this salt.
	cfg.Carriers.Kuaidi100.Salt = randomHex(16)
	cfg.Channels = map[string]config.Channel{"shop": {Name: "网店", Secret: chSecret, Preset: "native"}}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return sim.Replay{}, err
	}
	stamp := time.Now().UTC().Format("20060102150405")
	if o.mysqlDSN != "" {
		dsn, err := freshDatabase(ctx, o.mysqlDSN, fmt.Sprintf("orderhub_sim_%s_%d_%s", stamp, o.seed, mode))
		if err != nil {
			return sim.Replay{}, err
		}
		cfg.MySQLDSN = dsn
		// The simulated server listens on loopback only: its demo corp
		// is reached by nobody but the simulation.
		cfg.WeCom.Local = config.WeComLocalInsecure
		cfg.Redis.Addr = o.redisAddr
		cfg.Redis.Prefix = fmt.Sprintf("ohsim:%s:%d:%s:", stamp, o.seed, mode)
	} else {
		cfg.MySQLDSN, cfg.Redis.Addr = "", ""
	}
	port, err := freePort()
	if err != nil {
		return sim.Replay{}, err
	}
	cfg.HTTPAddr = net.JoinHostPort("127.0.0.1", port)
	if err := cfg.Validate(); err != nil {
		return sim.Replay{}, fmt.Errorf("simulate: simulation config: %w", err)
	}
	logf, err := os.Create(filepath.Join(cfg.DataDir, "orderhub.log"))
	if err != nil {
		return sim.Replay{}, err
	}
	defer logf.Close()
	log := newLogger(cfg, logf)
	if !cfg.Embedded() {
		// What `orderhub seed --demo` does; serve seeds only embedded.
		if err := seed(ctx, cfg, log, []string{"--demo"}, io.Discard); err != nil {
			return sim.Replay{}, err
		}
	}
	sctx, stop := context.WithCancel(ctx)
	// served is closed when serve returned, with its error in serveErr:
	// waiting for it twice (waitHealthy, then stopServer after serve
	// failed to start) must not hang.
	served := make(chan struct{})
	var serveErr error
	go func() {
		serveErr = serveOn(sctx, cfg, log, io.Discard, func() time.Time { return clock.Now().UTC() })
		close(served)
	}()
	stopServer := func() error {
		stop()
		<-served
		return serveErr
	}
	base0 := "http://" + cfg.HTTPAddr
	if err := waitHealthy(ctx, base0, served, &serveErr); err != nil {
		_ = stopServer()
		return sim.Replay{}, err
	}
	e, err := sim.NewEdges(base0, cfg.AdminToken)
	if err != nil {
		_ = stopServer()
		return sim.Replay{}, err
	}
	opt := sim.Options{Clock: clock, Seed: o.seed, OrdersPerDay: o.ordersPerDay, Days: o.days, Scale: scale, Drain: o.drain, Profile: profile,
		Stages: cfg.Stages, Photo: waybillJPEG(), Channel: "shop", ChannelSecret: chSecret,
		Carrier: o.carrier, Kuaidi100Salt: cfg.Carriers.Kuaidi100.Salt, Promise: o.promise,
		StockingTake: o.stockingTake}
	if !o.quiet {
		opt.Progress = progressBar(stderr, label)
	}
	out, err := sim.Play(ctx, e, opt)
	if !o.quiet {
		fmt.Fprintln(stderr)
	}
	since, end := out.Start.UTC(), out.End.UTC()
	if serr := stopServer(); err == nil && serr != nil {
		err = serr
	}
	if err != nil {
		return sim.Replay{}, fmt.Errorf("simulate (%s): %w", label, err)
	}
	if cfg.Redis.Addr != "" {
		// The replay's keys (sessions, dedupe, locks) are ours to remove.
		rdb := redis.NewClient(&redis.Options{Addr: cfg.Redis.Addr, Password: cfg.Redis.Password, DB: cfg.Redis.DB})
		iter := rdb.Scan(ctx, 0, cfg.Redis.Prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		_ = rdb.Close()
	}
	db, err := model.Open(ctx, model.Options{MySQLDSN: cfg.MySQLDSN, SQLitePath: filepath.Join(cfg.DataDir, "orderhub.db"), Log: log})
	if err != nil {
		return sim.Replay{}, err
	}
	defer func() { _ = model.Close(db) }()
	f, err := sim.Measure(ctx, db, since, end, cfg.Stages, worktime.New(cfg.WorkTime, cfg.Location()))
	if err != nil {
		return sim.Replay{}, fmt.Errorf("simulate: measure: %w", err)
	}
	f.Label, f.Escalation, f.Scale = label, escalation, scale
	f.Database = filepath.Join(cfg.DataDir, "orderhub.db")
	if cfg.MySQLDSN != "" {
		c, _ := mysql.ParseDSN(cfg.MySQLDSN)
		f.Database = c.DBName
	}
	st, err := sim.MeasureStocking(ctx, db, since, out, opt)
	if err != nil {
		return sim.Replay{}, fmt.Errorf("simulate: measure stocking lists: %w", err)
	}
	return sim.Replay{Figures: f, Sim: sim.Counts(out), Stocking: st}, nil
}

// freshDatabase creates database name on the server dsn names and returns
// the DSN of that database.
func freshDatabase(ctx context.Context, dsn, name string) (string, error) {
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("simulate: --mysql-dsn: %w", err)
	}
	c.DBName = ""
	db, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return "", fmt.Errorf("simulate: create database %s: %w", name, err)
	}
	c.DBName = name
	c.ParseTime = true
	return c.FormatDSN(), nil
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

func waitHealthy(ctx context.Context, base string, served <-chan struct{}, serveErr *error) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-served:
			return fmt.Errorf("simulate: orderhub stopped before serving: %v", *serveErr)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return errors.New("simulate: orderhub did not become healthy within 60s")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// waybillJPEG is the photo dispatchers send: a small grey JPEG.
func waybillJPEG() []byte {
	img := image.NewGray(image.Rect(0, 0, 64, 40))
	for i := range img.Pix {
		img.Pix[i] = uint8(200 + i%40)
	}
	img.Set(1, 1, color.Gray{Y: 0})
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 60})
	return buf.Bytes()
}

// progressBar draws one line, rewritten in place.
func progressBar(w io.Writer, label string) func(sim.Progress) {
	return func(p sim.Progress) {
		const width = 30
		n := int(p.Fraction * width)
		day := int(p.Now.Sub(sim.Origin).Hours()/24) + 1
		fmt.Fprintf(w, "\r%-19s [%s%s] %3.0f%%  第%d天 %s  下单 %d  发货 %d  签收 %d ", label,
			strings.Repeat("#", n), strings.Repeat("-", width-n), 100*p.Fraction, day, p.Now.Format("15:04"), p.Placed, p.Shipped, p.Delivered)
	}
}

// loadAvg is the machine's 1-minute load average (0 where unknown).
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _, _ := strings.Cut(string(b), " ")
	var v float64
	_, _ = fmt.Sscan(f, &v)
	return v
}
