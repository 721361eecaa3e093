package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// The stocking lists (月度备货清单, issue 24) in a replay: StockingCustomers
// customers of their own (STK001…) order in one busy window, the replay's
// last day. Without a list each places its usual lines in the window as a
// rush order (加急); half of them (STK001 up to the middle) are sent the
// list the day before, and each of those buyers takes it with probability
// Options.StockingTake: their usual lines placed that morning as a planned
// order, promised by customer service's rule like any other. Buyers who
// do not take it order in a rush in the window as the others do. Either
// way half the customers top up in the window with one rushed line. The
// report's StockingFigures compare the two halves' rush share, from the
// database.
//
// The list's lines are the simulation's model of it (the customer's usual
// lines), placed through POST /api/mp/v1/orders: the served orderhub's
// lists are built from months of history a replay of days does not have.
const StockingCustomers = 20

// stockingModel is the replay's window customers.
type stockingModel struct {
	cust  []customer
	lines [][]map[string]any // each customer's usual lines
}

// stockingCode is the i-th window customer's code; the first half get lists.
func stockingCode(i int) string { return fmt.Sprintf("STK%03d", i+1) }

func stockingWithList(i int) bool { return i < StockingCustomers/2 }

// stockingSetup registers the window customers and their buyers.
func (w *world) stockingSetup(ctx context.Context) error {
	if w.opt.StockingTake <= 0 {
		return nil
	}
	if w.opt.Days < 2 {
		return errors.New("stocking lists: the window is the last day and the list goes the day before: replay 2 days or more")
	}
	m := &stockingModel{}
	r := seedFor(w.opt.Seed, "stocking")
	for i := 0; i < StockingCustomers; i++ {
		rg := regions[r.IntN(len(regions))]
		c := customer{code: stockingCode(i), region: rg.region, warehouse: rg.warehouse, openid: fmt.Sprintf("dev:stk-buyer-%03d", i+1)}
		err := w.e.Staff(ctx, http.MethodPost, "/customers", map[string]any{"code": c.code, "name": fmt.Sprintf("%s月结建材%d", rg.city, i+1),
			"contact": fmt.Sprintf("采购%d", i+1), "phone": fmt.Sprintf("137%08d", i+1), "region": c.region, "warehouse": c.warehouse}, nil)
		var ae *APIError
		if err != nil && !(errors.As(err, &ae) && ae.Status == http.StatusConflict) {
			return fmt.Errorf("customer %s: %w", c.code, err)
		}
		var login struct {
			Token string `json:"token"`
		}
		if err := w.e.JSON(ctx, http.MethodPost, "/api/mp/v1/login", "", nil, map[string]string{"code": c.openid}, &login); err != nil || login.Token == "" {
			return fmt.Errorf("buyer login %s: %v", c.openid, err)
		}
		c.token = login.Token
		if err := w.e.Staff(ctx, http.MethodPost, "/buyers/"+c.openid+"/link", map[string]string{"customer": c.code}, nil); err != nil {
			return fmt.Errorf("link buyer %s: %w", c.openid, err)
		}
		var lines []map[string]any
		seen := map[string]bool{}
		for n := 2 + r.IntN(2); len(lines) < n; {
			sku := w.skus[r.IntN(min(len(w.skus), 20))]
			if seen[sku] {
				continue
			}
			seen[sku] = true
			lines = append(lines, map[string]any{"sku": sku, "qty": int64(5 + r.IntN(16))})
		}
		m.cust = append(m.cust, c)
		m.lines = append(m.lines, lines)
	}
	w.stk = m
	return nil
}

// stockingBuyers plays the window customers: the list day's planned
// orders, then the window's rush orders and top-ups.
func (w *world) stockingBuyers(ctx context.Context) {
	m := w.stk
	if m == nil {
		return
	}
	window := Origin.AddDate(0, 0, w.opt.Days-1)
	listDay := window.AddDate(0, 0, -1)
	type step struct {
		at     time.Time
		ci     int
		lines  []map[string]any
		remark string
	}
	var steps []step
	for i := range m.cust {
		r := seedFor(w.opt.Seed, "stocking-buyer", stockingCode(i))
		took := stockingWithList(i) && r.Float64() < w.opt.StockingTake
		if took {
			steps = append(steps, step{at: listDay.Add(9*time.Hour + time.Duration(r.Int64N(int64(2*time.Hour)))), ci: i, lines: m.lines[i], remark: "按备货清单下单"})
		} else {
			steps = append(steps, step{at: window.Add(8*time.Hour + time.Duration(r.Int64N(int64(8*time.Hour)))), ci: i, lines: m.lines[i], remark: "加急，今天要用"})
		}
		if r.Float64() < 0.5 {
			steps = append(steps, step{at: window.Add(9*time.Hour + time.Duration(r.Int64N(int64(7*time.Hour)))), ci: i,
				lines: []map[string]any{{"sku": m.lines[i][0]["sku"], "qty": int64(1 + r.IntN(5))}}, remark: "加急补货"})
		}
	}
	// In time order, each when it comes.
	for i := 1; i < len(steps); i++ {
		for j := i; j > 0 && steps[j].at.Before(steps[j-1].at); j-- {
			steps[j], steps[j-1] = steps[j-1], steps[j]
		}
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for k, s := range steps {
		if !w.clock.Until(ctx, s.at) {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.stockingOrder(ctx, s.ci, k, s.lines, s.remark)
		}()
	}
}

// stockingOrder places one window customer's order in the mini-program,
// no more than the catalog shows available.
func (w *world) stockingOrder(ctx context.Context, ci, k int, lines []map[string]any, remark string) {
	c := w.stk.cust[ci]
	prods, err := w.products(ctx, c.token)
	if err != nil {
		return
	}
	avail := map[string]int64{}
	for _, p := range prods {
		avail[p.SKU] = p.Available
	}
	var kept []map[string]any
	for _, l := range lines {
		if q := min(l["qty"].(int64), avail[l["sku"].(string)]); q > 0 {
			kept = append(kept, map[string]any{"sku": l["sku"], "qty": q})
		}
	}
	if len(kept) == 0 {
		return
	}
	var res struct {
		Order struct {
			No string `json:"no"`
		} `json:"order"`
	}
	err = w.e.JSON(ctx, http.MethodPost, "/api/mp/v1/orders", c.token, map[string]string{"Idempotency-Key": fmt.Sprintf("stk-%d-%s-%d", w.opt.Seed, c.code, k)},
		map[string]any{"lines": kept, "address": c.region + "市建材市场" + fmt.Sprint(ci+1) + "号", "remark": remark}, &res)
	if err != nil || res.Order.No == "" {
		return
	}
	w.mu.Lock()
	w.orders[res.Order.No] = &order{no: res.Order.No, customer: -1 - ci, placed: w.clock.Now()}
	w.mu.Unlock()
	w.placed.Add(1)
}

// StockingFigures compare the rush share of the window's orders of the
// customers sent a list with those not sent one (docs/metrics.md).
type StockingFigures struct {
	Take float64 `json:"take"`
	// Window is the busy day (business date); the list went the day before.
	Window string `json:"window"`
	// Lists: customers sent a list; Taken: those who placed it.
	Lists int        `json:"lists"`
	Taken int        `json:"taken"`
	With  RushFigure `json:"with_lists"`
	// Without are the customers sent no list.
	Without RushFigure `json:"without_lists"`
}

// RushFigure is how many of a group's window orders were rush orders.
type RushFigure struct {
	Orders int     `json:"orders"`
	Rush   int     `json:"rush"`
	Share  float64 `json:"share"`
}

// MeasureStocking computes the StockingFigures of a replay from its
// database: the window customers' orders placed from the list day on, a
// rush order being one marked 加急 or 急用 or promised within 24 business
// hours of placing (the purchase calendar's rule, in business time). nil
// when the replay did not model lists.
func MeasureStocking(ctx context.Context, db *gorm.DB, since time.Time, out Outcome, opt Options) (*StockingFigures, error) {
	if opt.StockingTake <= 0 || opt.Days < 2 {
		return nil, nil
	}
	codes := make([]string, StockingCustomers)
	for i := range codes {
		codes[i] = stockingCode(i)
	}
	var rows []struct {
		Code       string
		CreatedAt  time.Time
		PromisedAt *time.Time
		Remark     string
	}
	err := db.WithContext(ctx).Table("orders AS o").Joins("JOIN customers AS c ON c.id = o.customer_id").
		Select("c.code AS code, o.created_at AS created_at, o.promised_at AS promised_at, o.remark AS remark").
		Where("c.code IN ? AND o.created_at >= ? AND o.stage <> ?", codes, since, "cancelled").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	window := Origin.AddDate(0, 0, opt.Days-1)
	f := &StockingFigures{Take: opt.StockingTake, Window: window.Format(time.DateOnly), Lists: StockingCustomers / 2}
	for _, r := range rows {
		placed := r.CreatedAt
		if placed.Before(window.AddDate(0, 0, -1)) || !placed.Before(window.AddDate(0, 0, 1)) {
			continue
		}
		rush := strings.Contains(r.Remark, "加急") || strings.Contains(r.Remark, "急用")
		if r.PromisedAt != nil && r.PromisedAt.Sub(placed) <= 24*time.Hour {
			rush = true
		}
		i := 0
		fmt.Sscanf(r.Code, "STK%03d", &i)
		g := &f.Without
		if stockingWithList(i - 1) {
			g = &f.With
			if r.Remark == "按备货清单下单" {
				f.Taken++
			}
		}
		g.Orders++
		if rush {
			g.Rush++
		}
	}
	for _, g := range []*RushFigure{&f.With, &f.Without} {
		if g.Orders > 0 {
			g.Share = float64(g.Rush) / float64(g.Orders)
		}
	}
	return f, nil
}

// buyerOf is the customer an order's index names: w.cust's, or the
// window customer -1-i (stocking.go).
func (w *world) buyerOf(i int) customer {
	if i < 0 && w.stk != nil {
		return w.stk.cust[-1-i]
	}
	return w.cust[i]
}

// stockingMarkdown adds the stocking lists' section: the rush share of the
// window's orders with and without lists, in each replay that modelled them.
func (r Report) stockingMarkdown(w io.Writer) {
	if r.With.Stocking == nil && r.Without.Stocking == nil {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## 备货清单 / Stocking lists (rush share of the window's orders)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| 回放 replay | 窗口 window | 发清单 / 采用 lists / taken | 有清单 加急占比 with lists | 无清单 加急占比 without lists |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|")
	for _, x := range []Replay{r.With, r.Without} {
		if s := x.Stocking; s != nil {
			fmt.Fprintf(w, "| %s | %s | %d / %d (take %.0f%%) | %s (%d/%d) | %s (%d/%d) |\n", x.Label, s.Window, s.Lists, s.Taken, 100*s.Take,
				pctStr(s.With.Share), s.With.Rush, s.With.Orders, pctStr(s.Without.Share), s.Without.Rush, s.Without.Orders)
		}
	}
}
