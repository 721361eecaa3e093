package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"
	"github.com/go-sql-driver/mysql"

	"orderhub/bot"
	"orderhub/internal/sim"
	"orderhub/service"
)

// TestSimulateFiguresFromRawTables runs a short simulation through the real
// edges and recomputes the report's figures from the raw tables with SQL
// of its own (a different route from sim.Measure: push counts from the
// outbox rows WeCom was sent rather than the alarms' history, overselling
// by a running sum per stock row in arrival order), on SQLite and, when
// ORDERHUB_TEST_MYSQL_DSN is set, on MariaDB + Redis.
func TestSimulateFiguresFromRawTables(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { simulateAndCheck(t, nil) })
	dsn, raddr := os.Getenv("ORDERHUB_TEST_MYSQL_DSN"), os.Getenv("ORDERHUB_TEST_REDIS_ADDR")
	if dsn != "" && raddr != "" {
		t.Run("mysql", func(t *testing.T) { simulateAndCheck(t, []string{"--mysql-dsn", dsn, "--redis-addr", raddr}) })
	}
}

func simulateAndCheck(t *testing.T, extra []string) {
	dir := t.TempDir()
	reportPath := filepath.Join(dir, "report.json")
	args := append([]string{"simulate", "--seed", "7", "--orders-per-day", "40", "--day", "8s", "--drain", "24h",
		"--escalation", "on", "--quiet", "--data-dir", filepath.Join(dir, "data"), "--report", reportPath}, extra...)
	var stdout, stderr bytes.Buffer
	env := map[string]string{"ORDERHUB_DATA_DIR": filepath.Join(dir, "unused")}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if err := run(ctx, args, func(k string) string { return env[k] }, &stdout, &stderr); err != nil {
		t.Fatalf("simulate: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	b, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep sim.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(strings.TrimSuffix(reportPath, ".json") + ".md"); err != nil {
		t.Errorf("markdown report: %v", err)
	}
	if !strings.Contains(stdout.String(), "订单在哪里等") {
		t.Errorf("the terminal report lacks where orders waited:\n%s", stdout.String())
	}
	f := rep.With.Figures
	var db *sql.DB
	if len(extra) == 0 {
		db, err = sql.Open("sqlite", f.Database)
	} else {
		c, perr := mysql.ParseDSN(extra[1])
		if perr != nil {
			t.Fatal(perr)
		}
		c.DBName, c.ParseTime = f.Database, true
		db, err = sql.Open("mysql", c.FormatDSN())
		t.Cleanup(func() {
			c.DBName = ""
			if root, err := sql.Open("mysql", c.FormatDSN()); err == nil {
				_, _ = root.Exec("DROP DATABASE `" + f.Database + "`")
				root.Close()
			}
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Enough happened for the figures to mean something.
	if f.Orders < 20 || f.Shipped == 0 || f.PushesByLevel["1"] == 0 {
		t.Fatalf("too little happened: %d orders, %d shipped, pushes %v", f.Orders, f.Shipped, f.PushesByLevel)
	}
	// orderhub ran on the replay's business clock: its times are
	// business times.
	since := f.Since

	type ord struct {
		created  time.Time
		promised *time.Time
		stage    string
		shipped  *time.Time
		arrived  *time.Time
	}
	orders := map[int64]*ord{}
	rows, err := db.Query("SELECT id, created_at, promised_at, stage FROM orders WHERE created_at >= ?", since)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		o := &ord{}
		var promised sql.NullTime
		if err := rows.Scan(&id, &o.created, &promised, &o.stage); err != nil {
			t.Fatal(err)
		}
		if promised.Valid {
			o.promised = &promised.Time
		}
		orders[id] = o
	}
	rows.Close()
	rows, err = db.Query("SELECT order_id, to_stage, MIN(created_at) FROM order_events WHERE to_stage IN ('shipped', 'delivered') GROUP BY order_id, to_stage")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var stage string
		var at sqlTime
		if err := rows.Scan(&id, &stage, &at); err != nil {
			t.Fatal(err)
		}
		if o := orders[id]; o != nil {
			tm := at.t
			if stage == "shipped" {
				o.shipped = &tm
			} else {
				o.arrived = &tm
			}
		}
	}
	rows.Close()
	var shipped, late, onTime, notLate, base int
	for _, o := range orders {
		if o.shipped != nil {
			shipped++
			if o.shipped.Sub(o.created) > 48*time.Hour {
				late++
			}
		} else if o.stage != "cancelled" && f.Until.Sub(o.created) > 48*time.Hour {
			late++
		}
		if o.arrived != nil && o.promised != nil {
			base++
			off := float64(o.arrived.Sub(*o.promised)) // + late
			if off <= float64(2*time.Hour) {
				notLate++
				if off >= -float64(2*time.Hour) {
					onTime++
				}
			}
		}
	}
	check := func(name string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: report says %v, raw tables say %v", name, got, want)
		}
	}
	check("orders", f.Orders, len(orders))
	check("shipped", f.Shipped, shipped)
	check("shipped_late_48h", f.ShippedLate48h, late)
	check("on_time base", f.OnTimeBase, base)
	rate := 0.0
	if base > 0 {
		rate = float64(onTime) / float64(base)
	}
	check("on_time_rate", fmt.Sprintf("%.6f", f.OnTimeRate), fmt.Sprintf("%.6f", rate))
	check("not_late", f.NotLate, notLate)

	// Tickets people reported: waits to ack and to resolve, elapsed
	// seconds (the report's headline counts working time, never more).
	var acks, resolves []float64
	rows, err = db.Query("SELECT created_at, ack_at, resolved_at FROM tickets WHERE created_at >= ? AND created_at <= ? AND kind IN ('customer_problem', 'staff_problem')", since, f.Until)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var created time.Time
		var ack, res sql.NullTime
		if err := rows.Scan(&created, &ack, &res); err != nil {
			t.Fatal(err)
		}
		if ack.Valid {
			acks = append(acks, ack.Time.Sub(created).Seconds())
		}
		if res.Valid {
			resolves = append(resolves, res.Time.Sub(created).Seconds())
		}
	}
	rows.Close()
	check("ticket_ack_elapsed_p90_s", f.TicketAckElapsedP90S, math.Round(nearestRank(acks, 90)))
	check("ticket_resolve_elapsed_p90_s", f.TicketResolveElapsedP90S, math.Round(nearestRank(resolves, 90)))
	if f.TicketAckP90S > f.TicketAckElapsedP90S || f.TicketResolveP90S > f.TicketResolveElapsedP90S {
		t.Errorf("working-time p90s (%v, %v) above the elapsed ones (%v, %v)", f.TicketAckP90S, f.TicketResolveP90S, f.TicketAckElapsedP90S, f.TicketResolveElapsedP90S)
	}

	// Overselling: a running sum per stock row, in ledger order.
	type key struct{ w, p int64 }
	onHand, locked, worst := map[key]int64{}, map[key]int64{}, map[key]int64{}
	rows, err = db.Query("SELECT warehouse_id, product_id, delta_on_hand, delta_locked FROM stock_movements ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k key
		var dh, dl int64
		if err := rows.Scan(&k.w, &k.p, &dh, &dl); err != nil {
			t.Fatal(err)
		}
		onHand[k] += dh
		locked[k] += dl
		worst[k] = max(worst[k], locked[k]-onHand[k], -onHand[k])
	}
	rows.Close()
	var oversold int64
	for _, v := range worst {
		oversold += v
	}
	check("oversold_units", f.OversoldUnits, oversold)
	var badRows int
	if err := db.QueryRow("SELECT COUNT(*) FROM stocks WHERE locked > on_hand OR locked < 0").Scan(&badRows); err != nil {
		t.Fatal(err)
	}
	check("stock rows with locked beyond on hand", badRows, 0)

	// Pushes by level, from what was queued for WeCom: each escalation card
	// or markdown row is one level's push to the people it lists; a digest
	// counts its pushes in its title and lists each with its level (a long
	// one lists what fits WeCom's 4096 bytes and says how many more).
	pushes := map[string]int{}
	var total, clipped int
	rows, err = db.Query("SELECT `key`, to_user, msg_type, body FROM outbox WHERE `key` LIKE 'esc%' AND created_at >= ?", since)
	if err != nil {
		t.Fatal(err)
	}
	levelOf := regexp.MustCompile(`（第(\d+)级）`)
	countOf := regexp.MustCompile(`催办汇总：(\d+) 件`)
	for rows.Next() {
		var k, to, typ, body string
		if err := rows.Scan(&k, &to, &typ, &body); err != nil {
			t.Fatal(err)
		}
		// The row holds the notice; WeCom gets it as the bot renders it.
		m, err := bot.Render(service.Outgoing{MsgType: typ, Body: json.RawMessage(body)}, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		body = string(m.Body)
		parts := strings.Split(k, ":")
		switch {
		case parts[0] == "esc" && len(parts) == 3:
			pushes[parts[2]] += len(strings.Split(to, "|"))
			total += len(strings.Split(to, "|"))
		case parts[0] == "escg":
			var md struct {
				Content string `json:"content"`
			}
			if err := json.Unmarshal([]byte(body), &md); err != nil {
				t.Fatal(err)
			}
			listed := levelOf.FindAllStringSubmatch(md.Content, -1)
			for _, m := range listed {
				pushes[m[1]]++
			}
			n := 0
			if m := countOf.FindStringSubmatch(md.Content); m != nil {
				fmt.Sscan(m[1], &n)
			}
			total += n
			clipped += n - len(listed)
		}
	}
	rows.Close()
	reported := 0
	for _, n := range f.PushesByLevel {
		reported += n
	}
	check("pushes, all levels", reported, total)

	// Every push that interrupted someone about work, per person, and the
	// new-task notices apart (docs/metrics.md).
	var interrupts, newTasks int
	rows, err = db.Query("SELECT msg_type, to_user FROM outbox WHERE created_at >= ? AND created_at <= ? AND msg_type IN ('escalation', 'escalation_digest', 'escalation_robot', 'new_ticket', 'ticket_change', 'intake_review', 'staff_left', 'daily_digest', 'new_work')", since, f.Until)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var typ, to string
		if err := rows.Scan(&typ, &to); err != nil {
			t.Fatal(err)
		}
		if typ == "new_work" {
			newTasks += len(strings.Split(to, "|"))
		} else {
			interrupts += len(strings.Split(to, "|"))
		}
	}
	rows.Close()
	check("pushes", f.Pushes, interrupts)
	check("pushes_per_order", fmt.Sprintf("%.3f", f.PushesPerOrder), fmt.Sprintf("%.3f", float64(interrupts)/float64(len(orders))))
	check("new_task_notices", f.NewTaskNotices, newTasks)
	var unrouted int
	if err := db.QueryRow("SELECT COUNT(*) FROM alarms WHERE told LIKE '%\"unrouted\":true%'").Scan(&unrouted); err != nil {
		t.Fatal(err)
	}
	if unrouted != 0 || f.AlarmsWithoutRecipient != 0 {
		t.Errorf("alarms without recipient: report says %d, %d alarms in the table; want none on the default ladders", f.AlarmsWithoutRecipient, unrouted)
	}
	if len(rep.Targets) == 0 || !strings.Contains(stdout.String(), "63.5%") {
		t.Errorf("the report does not set the business's figures beside its own:\n%s", stdout.String())
	}
	if clipped == 0 {
		check("pushes_by_level", sortedLevels(f.PushesByLevel), sortedLevels(pushes))
	} else {
		for lv, n := range pushes {
			if f.PushesByLevel[lv] < n || f.PushesByLevel[lv] > n+clipped {
				t.Errorf("pushes at level %s: report says %d, outbox lists %d and %d more unlisted", lv, f.PushesByLevel[lv], n, clipped)
			}
		}
	}
}

// sqlTime scans what MIN(created_at) gives back: a time on MySQL, a
// string on SQLite (the aggregate loses the column's type).
type sqlTime struct{ t time.Time }

func (s *sqlTime) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		s.t = x
		return nil
	case string:
		return s.parse(x)
	case []byte:
		return s.parse(string(x))
	}
	return fmt.Errorf("sqlTime: cannot scan %T", v)
}

func (s *sqlTime) parse(x string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", time.RFC3339Nano, "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, x); err == nil {
			s.t = t
			return nil
		}
	}
	return fmt.Errorf("sqlTime: cannot read %q", x)
}

func nearestRank(xs []float64, p int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	rank := (p*len(s) + 99) / 100 // ceil(p/100 * n)
	return s[max(rank, 1)-1]
}

func sortedLevels(m map[string]int) string {
	var ks []string
	for k, v := range m {
		if v > 0 {
			ks = append(ks, fmt.Sprintf("%s=%d", k, v))
		}
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}
