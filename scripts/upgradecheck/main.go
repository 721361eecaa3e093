// Command upgradecheck upgrades a MariaDB database with data from the
// previous release to this one and checks that nothing changed meaning
// (issue 25, point 22). .ci/run runs it:
//
//	ORDERHUB_TEST_MYSQL_DSN=… ORDERHUB_TEST_REDIS_ADDR=… go run ./scripts/upgradecheck
//
// It builds the previous release (commit b0d9163, from `git archive`; a
// clone has the full history) and this tree, starts the old binary on a
// fresh database, places orders in every stage through its API (each with
// an Idempotency-Key), opens a buyer's problem ticket, leaves outbox rows
// pending (WeCom unreachable), stops it, starts this build on the same
// database and checks: orders, stages, totals, stock, tickets the same;
// outbox rows still there, pending or sent once; and a retry of every
// order with its key and body returns the same order.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql"
)

// previous is the release upgraded from.
const previous = "b0d9163"

const token = "upgrade-check-admin-token-0123456789"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "upgradecheck: FAILED:", err)
		os.Exit(1)
	}
	fmt.Println("upgradecheck: ok")
}

func run() error {
	server, redisAddr := os.Getenv("ORDERHUB_TEST_MYSQL_DSN"), os.Getenv("ORDERHUB_TEST_REDIS_ADDR")
	if server == "" || redisAddr == "" || !strings.Contains(server, "/?") {
		return errors.New("set ORDERHUB_TEST_MYSQL_DSN (user:pass@tcp(host:port)/?params) and ORDERHUB_TEST_REDIS_ADDR")
	}
	root, err := output("", "git", "rev-parse", "--show-toplevel")
	if err != nil {
		return err
	}
	root = strings.TrimSpace(root)
	tmp, err := os.MkdirTemp("", "orderhub-upgrade-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	step("build %s and this tree", previous)
	oldSrc := filepath.Join(tmp, "old")
	if err := os.MkdirAll(oldSrc, 0o755); err != nil {
		return err
	}
	if _, err := output("", "sh", "-c", fmt.Sprintf("git -C %q archive %s | tar -x -C %q", root, previous, oldSrc)); err != nil {
		return fmt.Errorf("git archive %s (is the history there? a shallow clone lacks it): %w", previous, err)
	}
	oldBin, newBin := filepath.Join(tmp, "orderhub-old"), filepath.Join(tmp, "orderhub-new")
	if _, err := output(oldSrc, "go", "build", "-o", oldBin, "./cmd/orderhub"); err != nil {
		return err
	}
	if _, err := output(root, "go", "build", "-o", newBin, "./cmd/orderhub"); err != nil {
		return err
	}

	dbName := fmt.Sprintf("orderhub_upgrade_%d", os.Getpid())
	admin, err := sql.Open("mysql", server)
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + dbName + " CHARACTER SET utf8mb4"); err != nil {
		return err
	}
	defer admin.Exec("DROP DATABASE IF EXISTS " + dbName)
	dsn := strings.Replace(server, "/?", "/"+dbName+"?", 1)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()

	port, err := freePort()
	if err != nil {
		return err
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	env := append(os.Environ(),
		"ORDERHUB_MYSQL_DSN="+dsn, "ORDERHUB_REDIS_ADDR="+redisAddr, "ORDERHUB_REDIS_PREFIX="+dbName+":",
		"ORDERHUB_ADMIN_TOKEN="+token, "ORDERHUB_SECRET=upgrade-check-secret-0123456789abcdef",
		"ORDERHUB_DATA_DIR="+filepath.Join(tmp, "data"), fmt.Sprintf("ORDERHUB_HTTP_ADDR=127.0.0.1:%d", port),
		"ORDERHUB_LOG_LEVEL=warn", "ORDERHUB_TIMEZONE=Asia/Shanghai",
		// A corp of its own whose API is unreachable: pushes stay pending.
		"ORDERHUB_WECOM_CORP_ID=wwupgradecheck", "ORDERHUB_WECOM_AGENT_ID=1000002", "ORDERHUB_WECOM_SECRET=upgrade-secret",
		"ORDERHUB_WECOM_TOKEN=upgradetoken", "ORDERHUB_WECOM_AES_KEY=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
		"ORDERHUB_WECOM_API_BASE=http://127.0.0.1:9", "ORDERHUB_OUTBOX_BACKOFF_BASE=1h", "ORDERHUB_OUTBOX_BACKOFF_MAX=2h",
	)

	step("the previous release: seed, serve, place orders in every stage")
	if _, err := outputEnv(env, "", oldBin, "seed", "--demo"); err != nil {
		return err
	}
	stop, err := start(env, oldBin, base)
	if err != nil {
		return err
	}
	placed, err := placeEverything(base)
	if err != nil {
		stop()
		return err
	}
	// Messages as the previous release queues them (its schema): the API
	// above queues none with these settings, chat replies and pushes do.
	if _, err := db.Exec(`INSERT INTO outbox (channel, to_user, msg_type, body, state, next_at, attempts, last_error, claim, sent_at, created_at, updated_at) VALUES
		('wecom', 'wangjg', 'text', '{"content":"订单已确认"}', 'pending', UTC_TIMESTAMP(), 0, '', '', NULL, UTC_TIMESTAMP(), UTC_TIMESTAMP()),
		('wecom', 'chenjie|liuyang', 'markdown', '{"content":"**待配货** 2 单"}', 'pending', UTC_TIMESTAMP(), 0, '', '', NULL, UTC_TIMESTAMP(), UTC_TIMESTAMP()),
		('wecom', 'zhoumin', 'text', '{"content":"已发货"}', 'sent', UTC_TIMESTAMP(), 1, '', '', UTC_TIMESTAMP(), UTC_TIMESTAMP(), UTC_TIMESTAMP())`); err != nil {
		stop()
		return err
	}
	time.Sleep(2 * time.Second) // the outbox tries (and fails: WeCom unreachable) once
	stop()
	before, err := snapshot(db)
	if err != nil {
		return err
	}
	if before.pending == 0 {
		return fmt.Errorf("no outbox row was left pending by the previous release (outbox: %v)", before.outbox)
	}

	step("this build on the same database")
	stop, err = start(env, newBin, base)
	if err != nil {
		return err
	}
	defer stop()
	after, err := snapshot(db)
	if err != nil {
		return err
	}
	var problems []string
	for k, v := range before.rows {
		if after.rows[k] != v {
			problems = append(problems, fmt.Sprintf("%s: was %q, now %q", k, v, after.rows[k]))
		}
	}
	for id, st := range before.outbox {
		now, ok := after.outbox[id]
		if !ok {
			problems = append(problems, fmt.Sprintf("outbox row %d is gone", id))
		} else if st == "sent" && now != "sent" {
			problems = append(problems, fmt.Sprintf("outbox row %d was sent, now %s", id, now))
		}
	}
	for _, p := range placed {
		code, body, err := call(base, "POST", "/api/v1/orders", p.key, p.body)
		if err != nil {
			return err
		}
		var got struct {
			Order struct{ No string } `json:"order"`
			No    string              `json:"no"`
		}
		_ = json.Unmarshal(body, &got)
		no := got.No
		if no == "" {
			no = got.Order.No
		}
		if code/100 != 2 || no != p.no {
			problems = append(problems, fmt.Sprintf("retry of %s (Idempotency-Key %s) after the upgrade: %d %s", p.no, p.key, code, trim(body)))
		}
	}
	again, err := snapshot(db)
	if err != nil {
		return err
	}
	if again.orders != before.orders {
		problems = append(problems, fmt.Sprintf("orders: %d before, %d after the retries", before.orders, again.orders))
	}
	if len(problems) > 0 {
		return errors.New("after the upgrade:\n  " + strings.Join(problems, "\n  "))
	}
	fmt.Printf("upgradecheck: %d orders (%d stages), %d stock rows, %d tickets, %d outbox rows (%d pending) kept their meaning; %d retries found their orders\n",
		before.orders, before.stages, before.stock, before.tickets, len(before.outbox), before.pending, len(placed))
	return nil
}

type placedOrder struct{ key, body, no string }

// orderOut is what the API answers of an order, at the top or under "order".
type orderOut struct {
	No        string `json:"no"`
	Transfers []struct {
		ID uint64 `json:"id"`
	} `json:"transfers"`
}

// placeEverything places one order per stage (and one cancelled) through
// the staff API, and a buyer's order with a problem ticket.
func placeEverything(base string) ([]placedOrder, error) {
	promised := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
	moves := []struct {
		to     string
		fields map[string]string
	}{
		{"confirmed", map[string]string{"promised_at": promised}}, {"picking", nil}, {"qc", map[string]string{"qc_inspector": "刘洋"}},
		{"packed", nil}, {"shipped", map[string]string{"carrier": "顺丰", "tracking_no": "SF1234567890", "waybill_photo": "waybill.jpg"}}, {"delivered", nil},
	}
	var out []placedOrder
	for i := 0; i <= len(moves)+1; i++ {
		key := fmt.Sprintf("upgrade-%d", i)
		body := fmt.Sprintf(`{"customer":"C001","lines":[{"sku":"BOLT-M8-30","qty":%d},{"sku":"NUT-M8","qty":1}],"address":"上海市嘉定区 %d 号","remark":"升级检查|%d"}`, i+1, i, i)
		code, res, err := call(base, "POST", "/api/v1/orders", key, body)
		if err != nil {
			return nil, err
		}
		var d orderOut
		var wrapped struct {
			Order orderOut `json:"order"`
		}
		_ = json.Unmarshal(res, &d)
		if _ = json.Unmarshal(res, &wrapped); d.No == "" {
			d = wrapped.Order
		}
		no := d.No
		if code != http.StatusCreated || no == "" {
			return nil, fmt.Errorf("place order %d: %d %s", i, code, trim(res))
		}
		if i >= 5 { // to ship: what another warehouse locked arrives first
			for _, t := range d.Transfers {
				if code, res, err := call(base, "POST", fmt.Sprintf("/api/v1/transfers/%d/receive", t.ID), "", ""); err != nil || code/100 != 2 {
					return nil, fmt.Errorf("receive transfer %d: %d %s %v", t.ID, code, trim(res), err)
				}
			}
		}
		out = append(out, placedOrder{key: key, body: body, no: no})
		if i == len(moves)+1 {
			if code, res, err := call(base, "POST", "/api/v1/orders/"+no+"/cancel", "", `{"reason":"升级检查"}`); err != nil || code/100 != 2 {
				return nil, fmt.Errorf("cancel %s: %d %s %v", no, code, trim(res), err)
			}
			continue
		}
		for _, mv := range moves[:min(i, len(moves))] {
			f, _ := json.Marshal(mv.fields)
			if code, res, err := call(base, "POST", "/api/v1/orders/"+no+"/advance", "", fmt.Sprintf(`{"to":%q,"fields":%s}`, mv.to, f)); err != nil || code/100 != 2 {
				return nil, fmt.Errorf("advance %s to %s: %d %s %v", no, mv.to, code, trim(res), err)
			}
		}
	}
	// A buyer's order and a problem on it: a ticket.
	code, res, err := call(base, "POST", "/api/mp/v1/login", "", `{"code":"dev:upgrade"}`)
	if err != nil || code/100 != 2 {
		return nil, fmt.Errorf("buyer login: %d %s %v", code, trim(res), err)
	}
	var login struct{ Token string }
	_ = json.Unmarshal(res, &login)
	buyer := func(path, key, body string) (int, []byte, error) {
		return callAs(base, "POST", path, key, body, login.Token)
	}
	code, res, err = buyer("/api/mp/v1/orders", "upgrade-buyer", `{"lines":[{"sku":"NUT-M8","qty":2}],"address":"上海市嘉定区 9 号"}`)
	if err != nil || code != http.StatusCreated {
		return nil, fmt.Errorf("buyer order: %d %s %v", code, trim(res), err)
	}
	var bo struct {
		Order struct{ No string } `json:"order"`
	}
	_ = json.Unmarshal(res, &bo)
	if code, res, err := buyer("/api/mp/v1/orders/"+bo.Order.No+"/problems", "", `{"kind":"missing_items","description":"少了一盒螺母"}`); err != nil || code != http.StatusCreated {
		return nil, fmt.Errorf("buyer problem: %d %s %v", code, trim(res), err)
	}
	return out, nil
}

type state struct {
	rows                           map[string]string // what must not change, by key
	outbox                         map[int64]string  // outbox row id → state
	orders, stages, stock, tickets int
	pending                        int
}

func snapshot(db *sql.DB) (state, error) {
	s := state{rows: map[string]string{}, outbox: map[int64]string{}}
	stages := map[string]bool{}
	q := func(query string, each func(cols []sql.NullString)) error {
		rows, err := db.Query(query)
		if err != nil {
			return fmt.Errorf("%s: %w", query, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			v := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(v))
			for i := range v {
				ptrs[i] = &v[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			each(v)
		}
		return rows.Err()
	}
	err := errors.Join(
		q("SELECT no, stage, total_fen, customer_id, warehouse_id FROM orders", func(v []sql.NullString) {
			s.rows["order "+v[0].String] = v[1].String + " total " + v[2].String + " customer " + v[3].String + " warehouse " + v[4].String
			stages[v[1].String] = true
			s.orders++
		}),
		q("SELECT o.no, l.product_id, l.qty FROM order_lines l JOIN orders o ON o.id = l.order_id", func(v []sql.NullString) {
			s.rows["line "+v[0].String+"/"+v[1].String] = v[2].String
		}),
		q("SELECT warehouse_id, product_id, on_hand, locked FROM stocks", func(v []sql.NullString) {
			s.rows["stock "+v[0].String+"/"+v[1].String] = v[2].String + "/" + v[3].String
			s.stock++
		}),
		q("SELECT no, state, order_id FROM tickets", func(v []sql.NullString) {
			s.rows["ticket "+v[0].String] = v[1].String + " order " + v[2].String
			s.tickets++
		}),
		q("SELECT id, state FROM outbox", func(v []sql.NullString) {
			var id int64
			fmt.Sscan(v[0].String, &id)
			s.outbox[id] = v[1].String
			if v[1].String == "pending" {
				s.pending++
			}
		}),
	)
	s.stages = len(stages)
	return s, err
}

// start runs bin serve and waits for /healthz; stop sends SIGTERM and waits.
func start(env []string, bin, base string) (stop func(), err error) {
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return stop, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	stop()
	return nil, fmt.Errorf("%s serve did not answer /healthz:\n%s", filepath.Base(bin), logs.String())
}

func call(base, method, path, key, body string) (int, []byte, error) {
	return callAs(base, method, path, key, body, token)
}

func callAs(base, method, path, key, body, bearer string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bearer)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

func output(dir, name string, args ...string) (string, error) {
	return outputEnv(nil, dir, name, args...)
}

func outputEnv(env []string, dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	b, err := cmd.CombinedOutput()
	if err != nil {
		return string(b), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, b)
	}
	return string(b), nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func step(format string, args ...any) {
	fmt.Printf("upgradecheck: "+format+"\n", args...)
}

func trim(b []byte) string {
	if len(b) > 300 {
		b = b[:300]
	}
	return string(b)
}
