package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"orderhub/internal/demo"
	"orderhub/internal/testclock"
	"orderhub/internal/testtool"
	"orderhub/service"
)

// TestStockingPaneInChromium: on the demo with its history, 昆山永固's
// buyer places its list on 12-15 as a planned order; on the window's
// first day a rush order comes in. The board's stocking pane, in headless
// Chromium, shows for 昆山永固 one list sent, one turned into an order,
// and the rush share of the window's orders before the lists and after,
// as Stocking.Measure has them; the lists table shows its next list.
func TestStockingPaneInChromium(t *testing.T) {
	bin := testtool.Chromium(t)
	clock := testclock.New(time.Date(2026, 12, 15, 2, 0, 0, 0, time.UTC))
	d := startDemo(t, false, clock.Now)
	a := d.app
	ctx := context.Background()
	if _, err := demo.NewHistory(a.db, a.catalog, a.orders, a.tickets, clock.Now, a.cfg.Location()).Seed(ctx, 90); err != nil {
		t.Fatal(err)
	}
	l, err := a.war.stocking.List(ctx, "C101")
	if err != nil {
		t.Fatal(err)
	}
	no := d.placeYonggu(t, len(l.Lines))
	clock.Set(time.Date(2026, 12, 22, 2, 0, 0, 0, time.UTC))
	var sku string
	if err := a.db.Table("stocks AS s").Joins("JOIN products AS p ON p.id = s.product_id").Where("s.on_hand - s.locked > 0 AND p.active = ?", true).
		Order("p.sku").Limit(1).Pluck("p.sku", &sku).Error; err != nil || sku == "" {
		t.Fatalf("no SKU on the shelf: %v", err)
	}
	if _, _, err := a.orders.Create(ctx, service.NewOrder{Channel: service.ChannelAPI, Customer: "C101", Lines: []service.LineInput{{SKU: sku, Qty: 1}},
		Address: l.Address, Remark: "加急"}); err != nil {
		t.Fatal(err)
	}
	ms, err := a.war.stocking.Measure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := ms[0]
	var api struct {
		Items []struct {
			Customer      string
			Sent, Ordered int
			After         struct{ Orders, Rush int }
		}
	}
	if code := d.getJSON(t, "/api/v1/insight/stocking-measures", &api); code != 200 || len(api.Items) != 1 || api.Items[0].Customer != "C101" ||
		api.Items[0].Sent != 1 || api.Items[0].Ordered != 1 || api.Items[0].After.Orders != m.After.Orders || api.Items[0].After.Rush != m.After.Rush {
		t.Fatalf("GET stocking-measures = %d %+v", code, api)
	}
	if m.Customer != "C101" || m.Sent != 1 || m.Ordered != 1 || m.Before.Orders == 0 || m.After.Orders == 0 || m.After.Share >= m.Before.Share {
		t.Fatalf("measures %+v", ms)
	}

	browser := headless(t, bin)
	page := browser.MustPage("").Timeout(2 * time.Minute)
	page.MustSetViewport(1280, 900, 1, false)
	page.MustNavigate(d.base + "/dashboard/stocking").MustWaitLoad()
	page.MustElement(`input[name=token]`).MustInput(testToken)
	wait := page.MustWaitNavigation()
	page.MustElement(`form[action="/dashboard/login"] button`).MustClick()
	wait()
	page.MustWaitLoad()
	row := page.MustElement(`#stocking-measures tr[data-customer="C101"]`)
	attr := func(name string) string {
		v, err := row.Attribute(name)
		if err != nil || v == nil {
			t.Fatalf("row lacks %s: %v", name, err)
		}
		return *v
	}
	if attr("data-sent") != "1" || attr("data-ordered") != "1" {
		t.Fatalf("row sent %s ordered %s", attr("data-sent"), attr("data-ordered"))
	}
	cells := row.MustText()
	pct := func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) }
	for _, want := range []string{"昆山永固", pct(m.Before.Share), fmt.Sprintf("%d/%d 单", m.Before.Rush, m.Before.Orders), pct(m.After.Share),
		fmt.Sprintf("%d/%d 单", m.After.Rush, m.After.Orders), "下降"} {
		if !strings.Contains(cells, want) {
			t.Errorf("C101's row %q lacks %q", cells, want)
		}
	}
	if total := page.MustElement(`#stocking-total`).MustText(); !strings.Contains(total, "合计") || !strings.Contains(total, pct(ms[len(ms)-1].After.Share)) {
		t.Errorf("total row %q", total)
	}
	next := page.MustElement(`#stocking-lists tr[data-customer="C101"]`).MustText()
	if !strings.Contains(next, "2027-01-22") || !strings.Contains(next, "待发送") {
		t.Errorf("C101's next list: %q", next)
	}
	if on := page.MustElement(`nav a.on`).MustText(); on != "备货清单" {
		t.Errorf("nav marks %q", on)
	}
	body := page.MustElement("body").MustText()
	if !strings.Contains(body, "加急占比") || strings.Contains(body, no) {
		// The planned order belongs to December's list, no longer shown.
		t.Errorf("page: %q", body)
	}
}
