package app

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/bot"
	"orderhub/bot/localwecom"
	"orderhub/internal/chatcli"
	"orderhub/internal/demo"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// wecomUser plays one WeCom user against a served demo: it posts signed,
// encrypted callbacks as WeCom does and reads what orderhub sent back from
// the local WeCom.
type wecomUser struct {
	t      *testing.T
	d      *demoServer
	crypto *bot.Crypto
	client *http.Client
}

func newWeComUser(t *testing.T, d *demoServer) *wecomUser {
	crypto, err := bot.NewCrypto(bot.DemoToken, bot.DemoAESKey, bot.DemoCorpID)
	if err != nil {
		t.Fatal(err)
	}
	return &wecomUser{t: t, d: d, crypto: crypto, client: &http.Client{Timeout: 10 * time.Second}}
}

// say sends text (or, with mediaID, a photo) as user and returns what was
// sent to user in answer: every message until none came for a moment.
func (w *wecomUser) say(user, text, mediaID string) []localwecom.Sent {
	w.t.Helper()
	before := len(w.d.app.localWeCom.Sent())
	msg := chatcli.Message{ToUserName: bot.DemoCorpID, FromUserName: user, CreateTime: time.Now().Unix(), MsgType: "text", Content: text,
		MsgID: strconv.FormatUint(rand.Uint64()>>2, 10), AgentID: strconv.Itoa(bot.DemoAgentID)}
	if mediaID != "" {
		msg.MsgType, msg.Content, msg.MediaID = "image", "", mediaID
	}
	if err := chatcli.PostCallback(context.Background(), w.client, w.d.base, w.crypto, msg); err != nil {
		w.t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	var got []localwecom.Sent
	var quietFrom time.Time
	for time.Now().Before(deadline) {
		all := w.d.app.localWeCom.Sent()
		var mine []localwecom.Sent
		for _, s := range all[before:] {
			if s.ToUser == user {
				mine = append(mine, s)
			}
		}
		if len(mine) > len(got) {
			got, quietFrom = mine, time.Now()
		}
		if len(got) > 0 && time.Since(quietFrom) > 150*time.Millisecond {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.t.Fatalf("%s %q: no answer", user, text)
	return nil
}

var ticketNo = regexp.MustCompile(`TK\d{8}-\d+`)

func joined(ss []localwecom.Sent) string {
	var parts []string
	for _, s := range ss {
		parts = append(parts, s.Content)
	}
	return strings.Join(parts, "\n")
}

// tableDigests is, per table of db, its row count and a checksum of every
// row's every column (rows sorted, so the read order does not matter).
func tableDigests(t *testing.T, db *gorm.DB) map[string]string {
	t.Helper()
	tables, err := db.Migrator().GetTables()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, table := range tables {
		rows, err := db.Raw("SELECT * FROM " + table).Rows()
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]sql.RawBytes, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, v := range vals {
				fmt.Fprintf(&b, "%s=%q;", cols[i], v)
			}
			lines = append(lines, b.String())
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		sort.Strings(lines)
		sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
		out[table] = fmt.Sprintf("%d rows, sha256 %s", len(lines), hex.EncodeToString(sum[:8]))
	}
	return out
}

func countRows(t *testing.T, db *gorm.DB, table string) int64 {
	var n int64
	if err := db.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// The "done when": a trainee works ten practice orders to
// delivery in chat — required fields, a waybill photo, transfers — the
// services refuse what they would refuse for real, every message reaches
// the trainee alone marked 练习, the mentor sees the progress, and every
// real table is the same, row for row, before and after.
func TestPracticeTenOrdersToDelivery(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		d := startDemo(t, mysql, service.SystemClock)
		ctx := context.Background()
		if mysql {
			t.Cleanup(func() {
				d.app.practice.Close()
				server, err := model.Open(ctx, model.Options{MySQLDSN: d.app.practice.server, Log: modeltest.Log()})
				if err != nil {
					t.Error(err)
					return
				}
				defer model.Close(server)
				var names []string
				server.Raw("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?", strings.ReplaceAll(d.app.practice.prefix+"_", "_", `\_`)+"%").Scan(&names)
				for _, n := range names {
					if err := server.Exec("DROP DATABASE `" + n + "`").Error; err != nil {
						t.Errorf("drop %s: %v", n, err)
					}
				}
			})
		}
		// A few days of real history to copy from.
		if _, err := demo.NewHistory(d.app.db, d.app.catalog, d.app.orders, d.app.tickets, service.SystemClock, d.app.cfg.Location()).Seed(ctx, 2); err != nil {
			t.Fatal(err)
		}
		d.runBot(t)
		w := newWeComUser(t, d)
		const trainee, mentor = "chenjie", "qianqiang"

		before := tableDigests(t, d.app.db)
		inboundBefore, outboxBefore := countRows(t, d.app.db, "inbound"), countRows(t, d.app.db, "outbox")
		began := time.Now()
		got := joined(w.say(trainee, "练习", ""))
		t.Logf("练习 answered in %s (sandbox made, migrated and filled)", time.Since(began).Round(time.Millisecond))
		mustContain(t, "练习", got, "已进入练习模式：10 个练习订单", "退出练习")
		// 练习 itself is a real chat message, answered by the real bot: it
		// adds its inbound row and its answer, and nothing else.
		entered := tableDigests(t, d.app.db)
		for table, digest := range before {
			// sqlite_sequence holds SQLite's id counters, of inbound and
			// outbox among them.
			if table == "inbound" || table == "outbox" || table == "sqlite_sequence" {
				continue
			}
			if entered[table] != digest {
				t.Errorf("练习 changed real table %s: %s → %s", table, digest, entered[table])
			}
		}
		if n := countRows(t, d.app.db, "inbound"); n != inboundBefore+1 {
			t.Errorf("练习 added %d inbound rows, want 1", n-inboundBefore)
		}
		if n := countRows(t, d.app.db, "outbox"); n != outboxBefore+1 {
			t.Errorf("练习 added %d outbox rows, want 1", n-outboxBefore)
		}
		sentBefore := len(d.app.localWeCom.Sent())
		// Another instance on the same databases agrees: nobody keeps who
		// practises in memory.
		other, err := Open(ctx, d.app.cfg, modeltest.Log(), service.SystemClock)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(other.Close)
		// Its wiring pointed the process-wide SDK hook at its own local
		// WeCom; this test reads the first one's.
		installSDK(d.app.cfg.WeChat.APIBase, d.app.wecom.corp.APIBase)
		practising := func(a *App, user string) bool {
			t.Helper()
			_, _, ok, err := a.practice.Route(ctx, user)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !practising(other, trainee) || practising(other, mentor) {
			t.Fatal("a second instance does not see who practises")
		}

		sb, err := d.app.practice.open(ctx, practiceKey(trainee), trainee, false)
		if err != nil || sb == nil {
			t.Fatalf("sandbox: %v", err)
		}
		var orders []model.Order
		if err := sb.db.Order("id").Find(&orders).Error; err != nil || len(orders) != 10 {
			t.Fatalf("sandbox orders: %d, %v", len(orders), err)
		}
		// Their numbers are apart from every real one (issue 25 #8).
		for _, o := range orders {
			var real int64
			d.app.db.Model(&model.Order{}).Where("no = ?", o.No).Count(&real)
			if o.ID <= sandboxIDBase || real != 0 {
				t.Errorf("sandbox order %s (id %d): not in the sandbox's own range above %d, or a real order's number (%d)", o.No, o.ID, sandboxIDBase, real)
			}
		}
		// The copies' customers are anonymised.
		var custs []model.Customer
		sb.db.Find(&custs)
		for _, c := range custs {
			var real model.Customer
			if d.app.db.Where("name = ? OR phone = ?", c.Name, c.Phone).Take(&real).Error == nil {
				t.Errorf("sandbox customer %s %s %s carries a real customer's name or phone (%s %s %s)", c.Code, c.Name, c.Phone, real.Code, real.Name, real.Phone)
			}
		}

		promise := time.Now().Add(72 * time.Hour).In(d.app.cfg.Location()).Format("2006-01-02 15:04")
		photo := d.app.localWeCom.PutMedia([]byte("\xff\xd8\xff waybill"))
		transfers := 0
		for i, o := range orders {
			no := o.No
			step := func(text string, want ...string) string {
				t.Helper()
				got := joined(w.say(trainee, text, ""))
				mustContain(t, text, got, want...)
				return got
			}
			if i == 0 {
				// What the services refuse for real, they refuse here.
				step("推进 "+no+" 已确认", "还缺", "承诺交期")
			}
			step("推进 "+no+" 已确认 交期="+promise, "已推进", "已确认")
			if i == 0 {
				// A ticket, raised, taken and closed by the trainee.
				tk := ticketNo.FindString(step("异常 "+no+" 少了一箱螺丝", "已登记异常", "已通知 陈杰"))
				step("收到 "+tk, "已接单：工单 "+tk)
				step("处理 "+tk+" 已补发一箱", "已处理：工单 "+tk)
			}
			step("推进 "+no, "已推进", "配货中")
			step("推进 "+no+" 待质检 质检员=陈杰", "已推进", "待质检")
			step("推进 "+no, "已推进", "待发货")
			var ts []model.Transfer
			sb.db.Where("order_id = ? AND status = ?", o.ID, model.TransferPending).Order("id").Find(&ts)
			for _, tr := range ts {
				id := strconv.FormatUint(tr.ID, 10)
				step("发出 "+id+" 顺丰 SFT"+id, "调拨")
				step("调拨完成 "+id, "已到货")
				transfers++
			}
			if i == 0 {
				step("发货 "+no+" 顺丰 SF100"+strconv.Itoa(i), "还缺", "运单照片")
			}
			step("附件 "+no, "请发运单照片")
			if got := joined(w.say(trainee, "", photo)); !strings.Contains(got, "运单照片已附到订单 "+no) {
				t.Fatalf("photo: %s", got)
			}
			step("发货 "+no+" 顺丰 SF100"+strconv.Itoa(i), "已推进", "已发货")
			step("推进 "+no, "已推进", "已签收")
		}
		t.Logf("ten orders delivered in practice, %d transfers, in %s", transfers, time.Since(began).Round(time.Millisecond))
		mustContain(t, "练习进度 (trainee)", joined(w.say(trainee, "练习进度", "")), "完成 10/10 单", "被拒绝 2 次")
		mustContain(t, "退出练习", joined(w.say(trainee, "退出练习", "")), "已退出练习模式")

		if practising(other, trainee) {
			t.Error("a second instance still routes the trainee to practice after 退出练习")
		}
		// Everything practice sent went to the trainee, marked.
		for _, s := range d.app.localWeCom.Sent()[sentBefore:] {
			if s.ToUser != trainee || !strings.HasPrefix(s.Content, bot.PracticeMark) {
				t.Errorf("practice sent to %s: %q", s.ToUser, s.Content)
			}
		}
		// A ticket opened in the sandbox is numbered apart too.
		tk := model.Ticket{No: "pending", Kind: model.TicketStaffProblem, State: model.TicketOpen, OrderID: &orders[0].ID}
		if err := sb.db.Create(&tk).Error; err != nil {
			t.Fatal(err)
		}
		if tk.ID <= sandboxIDBase {
			t.Errorf("sandbox ticket id %d, want above %d", tk.ID, sandboxIDBase)
		}
		// And not one real row changed.
		after := tableDigests(t, d.app.db)
		if len(after) != len(entered) {
			t.Errorf("real tables: %d before, %d after", len(entered), len(after))
		}
		for table, digest := range entered {
			if after[table] != digest {
				t.Errorf("practice changed real table %s: %s → %s", table, digest, after[table])
			}
		}
		if len(entered) < 20 {
			t.Fatalf("compared only %d tables", len(entered))
		}

		// Back in the real system, and the mentor sees how it went.
		if got := joined(w.say(trainee, "待办", "")); strings.Contains(got, bot.PracticeMark) {
			t.Errorf("after 退出练习 the trainee is still in practice: %s", got)
		}
		got = joined(w.say(mentor, "练习进度", ""))
		mustContain(t, "练习进度 (mentor)", got, "陈杰", "已退出", "完成 10/10 单", "被拒绝 2 次", "平均每单", "承诺交期", "运单照片")
		// The board shows practice under its own heading only.
		_, page := get(t, boardLogin(t, d.base), d.base+"/dashboard/movein")
		mustContain(t, "/dashboard/movein", page, `<tr data-user="chenjie"><td>陈杰（chenjie）</td><td>已退出</td>`, "<td>10/10</td><td>2</td>", "承诺交期")
		if _, board := get(t, boardLogin(t, d.base), d.base+"/dashboard"); strings.Contains(board, "练习客户") {
			t.Error("practice orders on the board")
		}
		got = joined(w.say("wangjg", "练习进度", ""))
		if strings.Contains(got, "陈杰") {
			t.Errorf("a keeper who is no mentor saw another's practice: %s", got)
		}
	})
}

// TestPracticeRouteAcrossInstances: two instances on the same databases.
// Instance B answers "not practising" for people without a sandbox from
// its list of sandboxes (MySQL: no information_schema query per message),
// yet a sandbox made on A is routed on B from the moment 练习 answers;
// 退出练习 stops the routing at once on both; a sandbox deleted by hand
// stops being used — no error, so no message lost — and a new 练习 makes
// a fresh one.
func TestPracticeRouteAcrossInstances(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		d := startDemo(t, mysql, service.SystemClock)
		ctx := context.Background()
		if _, err := demo.NewHistory(d.app.db, d.app.catalog, d.app.orders, d.app.tickets, service.SystemClock, d.app.cfg.Location()).Seed(ctx, 2); err != nil {
			t.Fatal(err)
		}
		b, err := Open(ctx, d.app.cfg, modeltest.Log(), service.SystemClock)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		installSDK(d.app.cfg.WeChat.APIBase, d.app.wecom.corp.APIBase)
		a := d.app
		const trainee, other = "chenjie", "qianqiang"
		key := practiceKey(trainee)
		if mysql {
			// Longer than the sandbox's making takes, so that only
			// Begin's wait can make B see it in time.
			a.practice.listTTL, b.practice.listTTL = 3*time.Second, 3*time.Second
			t.Cleanup(func() {
				if server, err := a.practice.serverConn(ctx); err == nil {
					server.Exec("DROP DATABASE IF EXISTS `" + a.practice.dbName(key) + "`")
				}
			})
		}
		routes := func(in *App, user string) bool {
			t.Helper()
			_, _, ok, err := in.practice.Route(ctx, user)
			if err != nil {
				t.Fatalf("Route(%s): %v", user, err)
			}
			return ok
		}
		// information_schema queries made by B's practice.
		var listings atomic.Int64
		if mysql {
			server, err := b.practice.serverConn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := server.Callback().Row().After("gorm:row").Register("test:count", func(db *gorm.DB) {
				if strings.Contains(db.Statement.SQL.String(), "information_schema") {
					listings.Add(1)
				}
			}); err != nil {
				t.Fatal(err)
			}
		}
		for range 50 {
			if routes(b, trainee) || routes(b, other) {
				t.Fatal("routed before any sandbox was made")
			}
		}
		if mysql && listings.Load() > 1 {
			t.Errorf("100 messages of people without a sandbox made %d information_schema queries, want at most 1", listings.Load())
		}

		begin := func() {
			t.Helper()
			began := time.Now()
			if _, err := (realPractice{p: a.practice}).Begin(ctx, service.Actor{ID: trainee}); err != nil {
				t.Fatal(err)
			}
			t.Logf("练习 took %s", time.Since(began).Round(time.Millisecond))
		}
		begin() // on A, B's list (if any) from before it
		if !routes(b, trainee) || !routes(a, trainee) {
			t.Fatal("a sandbox made on A is not routed on both instances once 练习 has answered")
		}
		if routes(b, other) {
			t.Fatal("someone else is routed to a sandbox")
		}

		if err := (realPractice{p: a.practice}).End(ctx, service.Actor{ID: trainee}); err != nil {
			t.Fatal(err)
		}
		if routes(b, trainee) || routes(a, trainee) {
			t.Fatal("an ended practice is still routed")
		}
		begin() // resumed
		if !routes(b, trainee) {
			t.Fatal("a resumed practice is not routed on B")
		}

		// Deleted by hand while both instances have it open and listed.
		if mysql {
			server, err := a.practice.serverConn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := server.Exec("DROP DATABASE `" + a.practice.dbName(key) + "`").Error; err != nil {
				t.Fatal(err)
			}
		} else if err := os.Remove(a.practice.sqlitePath(key)); err != nil {
			t.Fatal(err)
		}
		if routes(b, trainee) || routes(a, trainee) {
			t.Fatal("a deleted sandbox is still routed")
		}
		for _, in := range []*App{a, b} {
			in.practice.mu.Lock()
			open := in.practice.sandboxes[key] != nil
			in.practice.mu.Unlock()
			if open {
				t.Error("a deleted sandbox's handle is kept")
			}
		}
		begin() // a fresh sandbox, not the deleted one's handle
		if !routes(b, trainee) {
			t.Fatal("a sandbox made again is not routed on B")
		}
		sb, err := b.practice.open(ctx, key, trainee, false)
		if err != nil || sb == nil {
			t.Fatalf("sandbox on B: %v", err)
		}
		var n int64
		if err := sb.db.Model(&model.Order{}).Count(&n).Error; err != nil || n != int64(a.cfg.Practice.Orders) {
			t.Fatalf("the new sandbox has %d orders (%v), want %d", n, err, a.cfg.Practice.Orders)
		}
	})
}
