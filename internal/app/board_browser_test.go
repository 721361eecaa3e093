package app

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-rod/rod"

	"orderhub/config"
	"orderhub/internal/demo"
	"orderhub/internal/testtool"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestBoardInChromium drives the board in Debian's headless Chromium over
// the demo and its history: it renders, a stage filter and the search
// narrow it, an order's detail opens, acknowledging a ticket from the
// board changes the board and updates the ticket's WeCom card, a change
// made elsewhere reaches an open board without a reload, and the open
// board rides out a server restart. Screenshots at phone and desktop width
// go to docs/ with ORDERHUB_UPDATE_SCREENSHOTS=1.
func TestBoardInChromium(t *testing.T) {
	bin := testtool.Chromium(t)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.AdminToken = testToken
	cfg.Secret = "test-secret-shared-by-every-instance-0123456789"
	cfg.Redis.Addr = miniredis.RunT(t).Addr()
	cfg.Redis.Prefix = "oh_b_" + modeltest.RandomHex(6) + ":"
	cfg.Escalation.GroupOver = 1000 // every push its own card, to update
	// The demo's overdue orders must have climbed by now, at whatever hour
	// the test runs: on the default working time, at night nothing is due.
	cfg.WorkTime = config.AllDay()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := Open(ctx, cfg, modeltest.Log(), service.SystemClock)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	days := 21
	if os.Getenv("ORDERHUB_UPDATE_SCREENSHOTS") != "" {
		days = 90
	}
	if _, err := demo.NewHistory(a.db, a.catalog, a.orders, a.tickets, service.SystemClock, cfg.Location()).Seed(ctx, days); err != nil {
		t.Fatal(err)
	}
	// The demo's open work starts inside its time limits (the README says
	// when escalation first speaks); put it nine hours back, as after a
	// night nobody worked, so its ladders have climbed: stalled tickets
	// with cards.
	if err := a.db.Exec("UPDATE orders SET stage_entered_at = ?, stage_due_at = ? WHERE stage IN ?",
		time.Now().Add(-9*time.Hour).UTC(), time.Now().Add(-5*time.Hour).UTC(), []string{"submitted", "confirmed", "picking", "qc", "packed"}).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := a.esc.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	dispatch := func() {
		t.Helper()
		for {
			n, err := a.outbox.DispatchOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
		}
	}
	dispatch()
	// A ticket whose card went out, on an order the board shows.
	var card struct {
		TicketNo, OrderNo string
	}
	if err := a.db.Table("card_tasks AS c").Joins("JOIN tickets AS t ON t.id = c.ticket_id").Joins("JOIN orders AS o ON o.id = t.order_id").
		Joins("JOIN outbox AS x ON x.`key` = c.outbox_key").
		Where("t.state = ? AND x.response_code <> ''", model.TicketOpen).Select("t.no AS ticket_no, o.no AS order_no").Take(&card).Error; err != nil {
		t.Fatalf("no ticket with a card sent: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	base := "http://" + addr
	srv := &http.Server{Handler: a.server.Handler()}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close() }()
	defer a.Close()

	browser := headless(t, bin)
	page := browser.MustPage("").Timeout(3 * time.Minute)
	page.MustSetViewport(1440, 900, 1, false)
	rows := func() int {
		return page.MustEval(`() => document.querySelectorAll("#orders tr[data-no]").length`).Int()
	}
	text := func(sel string) string { return page.MustElement(sel).MustText() }
	// click clicks what navigates, and waits until the next page loaded,
	// so nothing reads the page that is going away.
	click := func(sel string) {
		t.Helper()
		navigated := page.MustWaitNavigation()
		page.MustElement(sel).MustClick()
		navigated()
		page.MustWaitLoad()
	}
	wait := func(what, js string, d time.Duration) {
		t.Helper()
		if err := page.Timeout(d).Wait(rod.Eval(js)); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// Logging in with the admin token.
	page.MustNavigate(base + "/dashboard").MustWaitLoad()
	page.MustElement(`input[name=token]`).MustInput(testToken)
	click(`form[action="/dashboard/login"] button`)
	page.MustElement(`#orders`)
	all := rows()
	var open int64
	a.db.Model(&model.Order{}).Where("stage NOT IN ?", []string{"delivered", "cancelled"}).Count(&open)
	if int64(all) != min(open, 50) || all < 20 {
		t.Fatalf("board shows %d rows, %d orders are open", all, open)
	}
	body := text("body")
	for _, want := range []string{"近30天准时率", "已超时", "有异常·待接单", "正常", "待确认"} {
		if !strings.Contains(body, want) {
			t.Errorf("board lacks %q", want)
		}
	}
	shots := map[string][]byte{}
	shots["dashboard-desktop.png"] = page.MustScreenshotFullPage()

	// A stage filter narrows it to that stage's counter.
	counter := text(`a.stagebox[data-stage=picking] .n`)
	click(`a.stagebox[data-stage=picking]`)
	page.MustElement(`a.stagebox.on[data-stage=picking]`)
	if n := rows(); n == all || n != atoi(counter) {
		t.Errorf("picking filter: %d rows, counter %s, all %d", n, counter, all)
	}
	stages := page.MustEval(`() => [...document.querySelectorAll("#orders tr[data-no] td:nth-child(3)")].map(td => td.firstChild.textContent.trim())`).Arr()
	for _, s := range stages {
		if s.Str() != "配货中" {
			t.Errorf("picking filter shows a row in %s", s.Str())
		}
	}
	// The search finds one order by its number.
	page.MustNavigate(base + "/dashboard").MustWaitLoad()
	page.MustElement(`input[name=q]`).MustInput(card.OrderNo)
	click(`#filters button[type=submit]`)
	page.MustElement(`#orders tr[data-no="` + card.OrderNo + `"]`)
	wait("search", `() => document.querySelectorAll("#orders tr[data-no]").length === 1`, 10*time.Second)
	if flags := text(`#orders tr[data-no="` + card.OrderNo + `"] td.flags`); !strings.Contains(flags, "待接单") {
		t.Errorf("%s flags %q, want an unacknowledged ticket", card.OrderNo, flags)
	}

	// The detail opens from the board; acknowledging its ticket there.
	click(`#orders tr[data-no="` + card.OrderNo + `"] a`)
	page.MustElement(`.timeline`)
	body = text("body")
	for _, want := range []string{card.OrderNo, "明细", "占用库存", "时间线", card.TicketNo, "接单"} {
		if !strings.Contains(body, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	click(`div[data-ticket="` + card.TicketNo + `"] form[action$="/ack"] button`)
	if msg := page.MustElement(`.msg.good`).MustText(); !strings.Contains(msg, "已接单") {
		t.Errorf("after ack: %q", msg)
	}
	tk, err := a.tickets.Get(ctx, card.TicketNo)
	if err != nil || tk.State != model.TicketAcknowledged {
		t.Fatalf("ticket after the board's ack: %+v %v", tk.Ticket, err)
	}
	// The board says so, and the WeCom card is updated.
	page.MustNavigate(base + "/dashboard?q=" + card.OrderNo).MustWaitLoad()
	if flags := text(`#orders tr[data-no="` + card.OrderNo + `"] td.flags`); strings.Contains(flags, "待接单") || !strings.Contains(flags, "处理中") {
		t.Errorf("after ack the board shows %q", flags)
	}
	before := len(a.wecom.local.Updates())
	dispatch()
	if ups := a.wecom.local.Updates(); len(ups) <= before {
		t.Errorf("no WeCom card update after the board's ack (%d updates)", len(ups))
	}

	// Live: a ticket acknowledged elsewhere (chat, the API) reaches an
	// open board within a poll, without a reload.
	var other struct{ TicketNo, OrderNo string }
	if err := a.db.Table("tickets AS t").Joins("JOIN orders AS o ON o.id = t.order_id").Where("t.state = ? AND o.stage NOT IN ?", model.TicketOpen, []string{"delivered", "cancelled"}).
		// the order's only open ticket, so acking it clears 待接单 from its row
		Where("NOT EXISTS (SELECT 1 FROM tickets AS t2 WHERE t2.order_id = t.order_id AND t2.id <> t.id AND t2.state IN ?)", []string{model.TicketOpen, model.TicketAcknowledged}).
		Select("t.no AS ticket_no, o.no AS order_no").Take(&other).Error; err != nil {
		t.Fatal(err)
	}
	page.MustNavigate(base + "/dashboard?q=" + other.OrderNo).MustWaitLoad()
	page.MustElement(`#orders tr[data-no="` + other.OrderNo + `"]`)
	if _, err := a.tickets.Ack(ctx, other.TicketNo, service.Admin, nil); err != nil {
		t.Fatal(err)
	}
	row := `document.querySelector('#orders tr[data-no="` + other.OrderNo + `"] td.flags')`
	wait("live update", `() => `+row+`.textContent.includes("处理中")`, 25*time.Second)

	// A restart: the open board says the connection is gone, then picks up
	// again by itself with the same session cookie.
	_ = srv.Close()
	wait("offline notice", `() => !document.getElementById("conn").hidden`, 25*time.Second)
	a2, err := Open(ctx, cfg, modeltest.Log(), service.SystemClock)
	if err != nil {
		t.Fatal(err)
	}
	defer a2.Close()
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv2 := &http.Server{Handler: a2.server.Handler()}
	go func() { _ = srv2.Serve(ln2) }()
	defer func() { _ = srv2.Close() }()
	if _, err := a2.tickets.Resolve(ctx, other.TicketNo, "已补货", service.Admin, nil); err != nil {
		t.Fatal(err)
	}
	wait("back online", `() => document.getElementById("conn").hidden && !`+row+`.textContent.includes("有异常")`, 90*time.Second)

	// The charts: ECharts draws the on-time trend, dwell, ticket times and
	// the purchase heatmap; the remark terms are listed.
	page.MustNavigate(base + "/dashboard/charts").MustWaitLoad()
	wait("charts drawn", `() => ["chart-ontime","chart-dwell","chart-tickets","chart-calendar"].every(id => document.querySelector("#" + id + " svg"))`, 60*time.Second)
	body = text("body")
	for _, want := range []string{"每日准时率", "近 30 天", "近 90 天", "按天明细", "集中下单", "防潮膜", "禁用胶带"} {
		if !strings.Contains(body, want) {
			t.Errorf("charts page lacks %q", want)
		}
	}
	// The remarks by theme: what share of customers asked for packaging.
	if th := text("#themes-table"); !strings.Contains(th, "包装") || !strings.Contains(th, "%") || !strings.Contains(th, "防潮膜") {
		t.Errorf("themes table: %q", th)
	}
	// The on-time trend switches between the last 30 and 90 days.
	page.MustElement(`#ontime-range button[data-days="30"]`).MustClick()
	wait("30-day trend", `() => document.getElementById("chart-ontime").getAttribute("data-shown") === "30"`, 10*time.Second)
	page.MustElement(`#ontime-range button[data-days="90"]`).MustClick()
	wait("90-day trend", `() => document.getElementById("chart-ontime").getAttribute("data-shown") === "90"`, 10*time.Second)
	shots["dashboard-charts.png"] = page.MustScreenshotFullPage()

	// Screenshots: the board and an order on a phone.
	page.MustSetViewport(390, 844, 2, true)
	page.MustNavigate(base + "/dashboard").MustWaitLoad()
	page.MustElement(`#orders`)
	shots["dashboard-phone.png"] = page.MustScreenshot()
	page.MustNavigate(base + "/dashboard/orders/" + card.OrderNo).MustWaitLoad()
	page.MustElement(`.timeline`)
	shots["dashboard-detail-phone.png"] = page.MustScreenshot()
	dir := t.TempDir()
	if os.Getenv("ORDERHUB_UPDATE_SCREENSHOTS") != "" {
		dir = "../../docs"
	}
	for name, b := range shots {
		if len(b) < 20_000 {
			t.Errorf("%s is %d bytes: blank?", name, len(b))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, r := range strings.TrimSpace(s) {
		if r < '0' || r > '9' {
			return -1
		}
		n = n*10 + int(r-'0')
	}
	return n
}
