package insight

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service"
	"orderhub/service/kernel"
)

// MaxMetricDays bounds one metrics range, so one request cannot scan years.
const MaxMetricDays = 366

// Measures computes the supervisors' numbers from the recorded events
// (order timeline, tickets, transfers, alarms, delay notices), never from
// counters kept beside them that could drift.
type Measures struct {
	db         *gorm.DB
	pipe       *service.Pipeline
	clock      kernel.Clock
	loc        *time.Location
	otifWindow time.Duration
}

// NewMeasures returns a Measures. otifWindow is how long after delivery a
// missing-items or wrong-item report still makes an order not "in full".
func NewMeasures(db *gorm.DB, pipe *service.Pipeline, clock kernel.Clock, loc *time.Location, otifWindow time.Duration) *Measures {
	if db == nil || pipe == nil || clock == nil || loc == nil {
		panic("insight: NewMeasures: nil dependency")
	}
	if otifWindow <= 0 {
		otifWindow = 7 * 24 * time.Hour
	}
	return &Measures{db: db, pipe: pipe, clock: clock, loc: loc, otifWindow: otifWindow}
}

// MetricFilter selects the local days and the orders a metric covers.
type MetricFilter struct {
	// From and To are local days, YYYY-MM-DD, both included.
	From, To string
	// Customer and Warehouse are codes, Channel a channel key; empty: all.
	Customer, Warehouse, Channel string
}

// span is a validated MetricFilter: [from, to) in UTC and the order filter.
type span struct {
	from, to   time.Time
	days       []string
	customerID uint64
	warehouse  uint64
	channel    string
}

func (s span) filtered() bool { return s.customerID != 0 || s.warehouse != 0 || s.channel != "" }

// where narrows a query joined to orders (aliased o) to the filter's orders.
func (s span) where(q *gorm.DB) *gorm.DB {
	if s.customerID != 0 {
		q = q.Where("o.customer_id = ?", s.customerID)
	}
	if s.warehouse != 0 {
		q = q.Where("o.warehouse_id = ?", s.warehouse)
	}
	if s.channel != "" {
		q = q.Where("o.channel = ?", s.channel)
	}
	return q
}

// day is the local day t falls on.
func (s span) dayOf(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

// LastDays is the filter of the n local days ending with today.
func (m *Measures) LastDays(n int) MetricFilter {
	today := m.clock().In(m.loc)
	return MetricFilter{From: today.AddDate(0, 0, -(n - 1)).Format(time.DateOnly), To: today.Format(time.DateOnly)}
}

func (m *Measures) span(ctx context.Context, f MetricFilter) (span, error) {
	var s span
	from, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(f.From), m.loc)
	if err != nil {
		return s, kernel.Invalid("from", kernel.CodeInvalidDate, "须为日期，例如 2026-11-01")
	}
	to, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(f.To), m.loc)
	if err != nil {
		return s, kernel.Invalid("to", kernel.CodeInvalidDate, "须为日期，例如 2026-11-30")
	}
	if to.Before(from) {
		return s, kernel.Invalid("to", kernel.CodeInvalidRange, "不能早于开始日期 from")
	}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		s.days = append(s.days, d.Format(time.DateOnly))
		if len(s.days) > MaxMetricDays {
			return s, kernel.Invalid("to", kernel.CodeRangeTooLong, "时间范围最多 %d 天", MaxMetricDays)
		}
	}
	s.from, s.to = from.UTC(), to.AddDate(0, 0, 1).UTC()
	db := m.db.WithContext(ctx)
	if code := strings.ToUpper(strings.TrimSpace(f.Customer)); code != "" {
		var c model.Customer
		if err := db.Where("code = ?", code).Take(&c).Error; err != nil {
			return s, kernel.NotFound(err, "customer", code)
		}
		s.customerID = c.ID
	}
	if code := strings.ToUpper(strings.TrimSpace(f.Warehouse)); code != "" {
		var w model.Warehouse
		if err := db.Where("code = ?", code).Take(&w).Error; err != nil {
			return s, kernel.NotFound(err, "warehouse", code)
		}
		s.warehouse = w.ID
	}
	if ch := strings.TrimSpace(f.Channel); ch != "" {
		if len(ch) > 16 {
			return s, kernel.Invalid("channel", kernel.CodeInvalidChannel, "渠道键最多 16 个字符")
		}
		s.channel = ch
	}
	return s, nil
}

// OnTime is the on-time fulfilment rate of the orders delivered in a range.
type OnTime struct {
	From, To string
	// Delivered counts orders whose delivery was recorded in the range.
	Delivered int
	// OnTime were delivered within promised ± 2 h, Early more than 2 h
	// before, Late more than 2 h after. Unpromised had no promised time;
	// they count as delivered but not on time.
	OnTime, Early, Late, Unpromised int
	// Rate is OnTime / Delivered (0 when nothing was delivered).
	Rate float64
	// OTIF counts on-time orders with no missing-items or wrong-item
	// problem reported within the OTIF window after delivery.
	OTIF       int
	OTIFRate   float64
	OTIFWindow time.Duration
	// Days is the same count per local day of delivery.
	Days []OnTimeDay
}

// OnTimeDay is one local day's deliveries.
type OnTimeDay struct {
	Day                            string
	Delivered, OnTime, Early, Late int
	OTIF                           int
	Rate, OTIFRate                 float64
}

// notInFull are the words a missing-items (少发) or wrong-item (错发)
// problem carries: the mini-program writes them as 【少发】/【错发】 at the
// head of the ticket, staff write them in their 异常 report.
var notInFull = []string{"少发", "错发"}

// OnTime computes the on-time rate and OTIF of the orders delivered in the
// filter's days. The delivery time is the timeline's move into the last
// stage of the pipeline (已签收), by staff or by the buyer confirming receipt;
// the order's stage_entered_at holds that same time (moveStage writes both,
// in one transaction, and the last stage is never left), so the deliveries
// are read from the orders in the last stage (see deliveries).
//
// The database classifies and counts: one GROUP BY over the range's
// deliveries (by local day, early / late / unpromised by SQL comparisons of
// the delivery with the promise ± OnTimeTolerance), so a 90-day range
// returns at most 90 rows instead of every delivery. Only the deliveries of
// the few orders with a missing-items or wrong-item problem are read
// row by row, for OTIF.
func (m *Measures) OnTime(ctx context.Context, f MetricFilter) (OnTime, error) {
	s, err := m.span(ctx, f)
	if err != nil {
		return OnTime{}, err
	}
	out := OnTime{From: s.days[0], To: s.days[len(s.days)-1], OTIFWindow: m.otifWindow}
	early, late, err := service.PunctualitySQL(m.db)
	if err != nil {
		return out, err
	}
	// dayIdx is the index in s.days of the local day a delivery falls on:
	// a binary search over the days' UTC starts (computed here, in m.loc),
	// so each row costs about log2(days) comparisons, in any time zone.
	days := make([]*OnTimeDay, len(s.days))
	starts := make([]time.Time, len(s.days))
	for i, day := range s.days {
		days[i] = &OnTimeDay{Day: day}
		start, err := time.ParseInLocation(time.DateOnly, day, m.loc)
		if err != nil {
			return out, err
		}
		starts[i] = start.UTC()
	}
	var args []any
	var search func(lo, hi int) string
	search = func(lo, hi int) string {
		if lo == hi {
			return strconv.Itoa(lo)
		}
		mid := (lo + hi + 1) / 2
		args = append(args, starts[mid])
		return "CASE WHEN o.stage_entered_at < ? THEN " + search(lo, mid-1) + " ELSE " + search(mid, hi) + " END"
	}
	dayIdx := search(0, len(days)-1)
	var rows []struct {
		DayIdx                             int
		Delivered, Unpromised, Early, Late int
	}
	q := m.deliveries(ctx, s, true).Select(dayIdx+" AS day_idx, COUNT(*) AS delivered"+
		", SUM(CASE WHEN o.promised_at IS NULL THEN 1 ELSE 0 END) AS unpromised"+
		", SUM(CASE WHEN o.promised_at IS NOT NULL AND "+early+" THEN 1 ELSE 0 END) AS early"+
		", SUM(CASE WHEN o.promised_at IS NOT NULL AND "+late+" THEN 1 ELSE 0 END) AS late", args...).
		Group("day_idx")
	if err := q.Scan(&rows).Error; err != nil {
		return out, err
	}
	for _, r := range rows {
		if r.DayIdx < 0 || r.DayIdx >= len(days) { // cannot happen: the query bounds the days
			continue
		}
		d := days[r.DayIdx]
		onTime := r.Delivered - r.Unpromised - r.Early - r.Late
		d.Delivered, d.OnTime, d.Early, d.Late, d.OTIF = r.Delivered, onTime, r.Early, r.Late, onTime
		out.Delivered += r.Delivered
		out.OnTime += onTime
		out.Early += r.Early
		out.Late += r.Late
		out.Unpromised += r.Unpromised
	}
	out.OTIF = out.OnTime
	// Not in full: an on-time delivery with a matching problem reported on
	// the order within the window after it. Few orders have one; their
	// deliveries in the range are read with the same SQL classification.
	problems, err := m.notInFull(ctx, s.from, s.to.Add(m.otifWindow))
	if err != nil {
		return out, err
	}
	ids := make([]uint64, 0, len(problems))
	for id := range problems {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for chunk := range slices.Chunk(ids, 500) {
		var ds []struct {
			OrderID     uint64
			DeliveredAt time.Time
			OnTime      bool
		}
		q := m.deliveries(ctx, s, false).Select("o.id AS order_id, o.stage_entered_at AS delivered_at"+
			", CASE WHEN o.promised_at IS NOT NULL AND NOT ("+early+") AND NOT ("+late+") THEN 1 ELSE 0 END AS on_time").
			Where("o.id IN ?", chunk)
		if err := q.Scan(&ds).Error; err != nil {
			return out, err
		}
		for _, d := range ds {
			if !d.OnTime {
				continue
			}
			for _, at := range problems[d.OrderID] {
				if !at.Before(d.DeliveredAt) && !at.After(d.DeliveredAt.Add(m.otifWindow)) {
					out.OTIF--
					if i := slices.Index(s.days, s.dayOf(d.DeliveredAt, m.loc)); i >= 0 {
						days[i].OTIF--
					}
					break
				}
			}
		}
	}
	out.Rate, out.OTIFRate = ratio(out.OnTime, out.Delivered), ratio(out.OTIF, out.Delivered)
	for _, d := range days {
		d.Rate, d.OTIFRate = ratio(d.OnTime, d.Delivered), ratio(d.OTIF, d.Delivered)
		out.Days = append(out.Days, *d)
	}
	return out, nil
}

// deliveries is the query of the filter's deliveries: the orders (o) in the
// last stage that entered it in the range. Their stage_entered_at is the
// time of the timeline's move into that stage: moveStage sets it in the
// same transaction as it records that event, and an order never leaves the
// last stage (checkInvariants proves the two agree after every service
// test). Read this way a range is one index range of idx_orders_delivered
// (stage, stage_entered_at, promised_at, customer_id, warehouse_id,
// channel), answered from the index alone, where the events had to be
// joined to their orders row by row (docs/benchmarks.md).
//
// byIndex names that index to the database (FORCE INDEX / INDEXED BY): most
// orders are in the last stage, so statistics that spread rows evenly over
// the stages make a plan on the stage prefix alone — every delivery ever —
// look cheap. Without it (a handful of order ids) the primary key serves.
func (m *Measures) deliveries(ctx context.Context, s span, byIndex bool) *gorm.DB {
	table := "orders AS o"
	if byIndex {
		switch m.db.Dialector.Name() {
		case "mysql":
			table += " FORCE INDEX (idx_orders_delivered)"
		case "sqlite":
			table += " INDEXED BY idx_orders_delivered"
		}
	}
	q := m.db.WithContext(ctx).Table(table).
		Where("o.stage = ? AND o.stage_entered_at >= ? AND o.stage_entered_at < ?", m.pipe.Last().Key, s.from, s.to)
	return s.where(q)
}

// notInFull returns, per order, when missing-items or wrong-item problems
// were reported on it between from and to: one query over the (few)
// tickets of the range, not one per delivered order.
func (m *Measures) notInFull(ctx context.Context, from, to time.Time) (map[uint64][]time.Time, error) {
	out := map[uint64][]time.Time{}
	var rows []struct {
		OrderID   uint64
		CreatedAt time.Time
	}
	q := m.db.WithContext(ctx).Model(&model.Ticket{}).Select("order_id, created_at").
		Where("created_at >= ? AND created_at < ? AND order_id IS NOT NULL AND kind IN ?", from, to, []string{model.TicketCustomerProblem, model.TicketStaffProblem})
	var or []string
	var args []any
	for _, w := range notInFull {
		or = append(or, "description LIKE ?")
		args = append(args, "%"+w+"%")
	}
	if err := q.Where(strings.Join(or, " OR "), args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.OrderID] = append(out[r.OrderID], r.CreatedAt)
	}
	return out, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
