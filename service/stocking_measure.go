package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"orderhub/model"
)

// StockingPrepDays is how many days before a window its orders start: a
// list goes out a few working days ahead, and the planned order placed
// from it belongs to the window it is for.
const StockingPrepDays = 7

// RushShare is how many of some windows' orders were rush orders.
type RushShare struct {
	// Windows is how many windows were read.
	Windows int
	// Orders are the customer's orders placed from StockingPrepDays
	// before a window to its last day, cancelled ones left out.
	Orders int
	// Rush are those promised within 24 h of placing or whose remark says
	// 加急 or 急用 (the purchase calendar's rule).
	Rush int
	// Share is Rush / Orders (0 with no orders).
	Share float64
}

func (r *RushShare) add(rush bool) {
	r.Orders++
	if rush {
		r.Rush++
	}
	r.Share = ratio(r.Rush, r.Orders)
}

// StockingMeasure is what the stocking lists did for one customer.
type StockingMeasure struct {
	CustomerID     uint64
	Customer, Name string
	// Sent is how many lists were offered (sent, or found and placed in
	// the mini-program before send_on): stocking_sends rows.
	Sent int
	// Ordered is how many of them became a planned order that still
	// stands (not cancelled).
	Ordered int
	// Before is the rush share of the windows before the first list (in
	// the history read, since the customer's first order); After of the
	// windows a list was offered for, once they have begun.
	Before, After RushShare
}

// Measure tells, per customer that was offered a list, how many lists
// were sent and placed, and the share of the window's orders that were
// rush before the lists and after (docs/metrics.md). The last entry,
// Customer "", is every customer together.
func (s *Stocking) Measure(ctx context.Context) (_ []StockingMeasure, err error) {
	defer wrapOp(&err, "Stocking.Measure")
	db := s.db.WithContext(ctx)
	var sends []model.StockingSend
	if err := db.Order("customer_id, window").Find(&sends).Error; err != nil {
		return nil, err
	}
	now := s.clock().In(s.loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, s.loc)
	type cust struct {
		m      StockingMeasure
		before []time.Time // window starts
		after  []time.Time
	}
	byID := map[uint64]*cust{}
	var ids, planned []uint64
	for _, r := range sends {
		c := byID[r.CustomerID]
		if c == nil {
			c = &cust{m: StockingMeasure{CustomerID: r.CustomerID}}
			byID[r.CustomerID] = c
			ids = append(ids, r.CustomerID)
		}
		c.m.Sent++
		w, err := time.ParseInLocation(time.DateOnly, r.Window, s.loc)
		if err != nil {
			continue
		}
		if !w.After(today) {
			c.after = append(c.after, w)
		}
		if r.OrderID != nil {
			planned = append(planned, *r.OrderID)
		}
	}
	if len(planned) > 0 {
		var live []struct{ CustomerID uint64 }
		if err := db.Model(&model.Order{}).Select("customer_id").Where("id IN ? AND stage <> ?", planned, StageCancelled).Scan(&live).Error; err != nil {
			return nil, err
		}
		for _, o := range live {
			if c := byID[o.CustomerID]; c != nil {
				c.m.Ordered++
			}
		}
	}
	if len(ids) == 0 {
		return []StockingMeasure{{Customer: ""}}, nil
	}
	var custs []model.Customer
	if err := db.Where("id IN ?", ids).Find(&custs).Error; err != nil {
		return nil, err
	}
	for _, cu := range custs {
		byID[cu.ID].m.Customer, byID[cu.ID].m.Name = cu.Code, cu.Name
	}
	// The windows before the first list: the same day of the month, back
	// over the history read, none before the customer's first order.
	since := today.AddDate(0, 0, -s.cfg.HistoryDays)
	// (One query a customer: SQLite answers MIN() of a time as text.)
	first := map[uint64]time.Time{}
	for _, id := range ids {
		var at []time.Time
		if err := db.Model(&model.Order{}).Where("customer_id = ?", id).Order("created_at").Limit(1).Pluck("created_at", &at).Error; err != nil {
			return nil, err
		}
		if len(at) == 1 {
			first[id] = at[0]
		}
	}
	done := map[uint64]bool{}
	for _, r := range sends { // each customer's first list sets its past windows
		c := byID[r.CustomerID]
		if done[r.CustomerID] {
			continue
		}
		done[r.CustomerID] = true
		w, err := time.ParseInLocation(time.DateOnly, r.Window, s.loc)
		if err != nil {
			continue
		}
		from := since
		if f, ok := first[r.CustomerID]; ok && f.In(s.loc).After(from) {
			f = f.In(s.loc)
			from = time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, s.loc)
		}
		for k := 1; k <= 12; k++ {
			st := windowStart(w.Year(), w.Month()-time.Month(k), w.Day(), s.loc)
			if st.AddDate(0, 0, -StockingPrepDays).Before(from) {
				break
			}
			c.before = append(c.before, st)
		}
	}
	var rows []struct {
		CustomerID uint64
		CreatedAt  time.Time
		PromisedAt *time.Time
		Remark     string
	}
	if err := db.Model(&model.Order{}).Select("customer_id, created_at, promised_at, remark").
		Where("customer_id IN ? AND created_at >= ? AND stage <> ?", ids, since.AddDate(0, 0, -StockingPrepDays).UTC(), StageCancelled).
		Scan(&rows).Error; err != nil {
		return nil, err
	}
	in := func(at time.Time, starts []time.Time) bool {
		for _, st := range starts {
			if !at.Before(st.AddDate(0, 0, -StockingPrepDays)) && at.Before(st.AddDate(0, 0, ClusterSpan)) {
				return true
			}
		}
		return false
	}
	for _, r := range rows {
		c := byID[r.CustomerID]
		at := r.CreatedAt.In(s.loc)
		rush := RushOrder(r.CreatedAt, r.PromisedAt, r.Remark)
		switch {
		case in(at, c.after):
			c.m.After.add(rush)
		case in(at, c.before):
			c.m.Before.add(rush)
		}
	}
	out := make([]StockingMeasure, 0, len(ids)+1)
	all := StockingMeasure{}
	for _, id := range ids {
		c := byID[id]
		c.m.Before.Windows, c.m.After.Windows = len(c.before), len(c.after)
		out = append(out, c.m)
		all.Sent += c.m.Sent
		all.Ordered += c.m.Ordered
		for _, p := range []struct{ to, from *RushShare }{{&all.Before, &c.m.Before}, {&all.After, &c.m.After}} {
			p.to.Windows += p.from.Windows
			p.to.Orders += p.from.Orders
			p.to.Rush += p.from.Rush
			p.to.Share = ratio(p.to.Rush, p.to.Orders)
		}
	}
	slices.SortStableFunc(out, func(a, b StockingMeasure) int { return strings.Compare(a.Customer, b.Customer) })
	return append(out, all), nil
}

// RushOrder is the purchase calendar's rule for a rush order: promised
// within 24 h of placing, or marked 加急 or 急用 in its remark.
func RushOrder(created time.Time, promised *time.Time, remark string) bool {
	return (promised != nil && promised.Sub(created) <= 24*time.Hour) || strings.Contains(remark, "加急") || strings.Contains(remark, "急用")
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
