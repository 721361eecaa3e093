package service

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// MaxMetricDays bounds one metrics range, so one request cannot scan years.
const MaxMetricDays = 366

// Measures computes the supervisors' numbers from the recorded events
// (order timeline, tickets, transfers, alarms, delay notices), never from
// counters kept beside them that could drift.
type Measures struct {
	db         *gorm.DB
	pipe       *Pipeline
	clock      Clock
	loc        *time.Location
	otifWindow time.Duration
}

// NewMeasures returns a Measures. otifWindow is how long after delivery a
// missing-items or wrong-item report still makes an order not "in full".
func NewMeasures(db *gorm.DB, pipe *Pipeline, clock Clock, loc *time.Location, otifWindow time.Duration) *Measures {
	if db == nil || pipe == nil || clock == nil || loc == nil {
		panic("service: NewMeasures: nil dependency")
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
		return s, invalid("from", CodeInvalidDate, "须为日期，例如 2026-11-01")
	}
	to, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(f.To), m.loc)
	if err != nil {
		return s, invalid("to", CodeInvalidDate, "须为日期，例如 2026-11-30")
	}
	if to.Before(from) {
		return s, invalid("to", CodeInvalidRange, "不能早于开始日期 from")
	}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		s.days = append(s.days, d.Format(time.DateOnly))
		if len(s.days) > MaxMetricDays {
			return s, invalid("to", CodeRangeTooLong, "时间范围最多 %d 天", MaxMetricDays)
		}
	}
	s.from, s.to = from.UTC(), to.AddDate(0, 0, 1).UTC()
	db := m.db.WithContext(ctx)
	if code := strings.ToUpper(strings.TrimSpace(f.Customer)); code != "" {
		var c model.Customer
		if err := db.Where("code = ?", code).Take(&c).Error; err != nil {
			return s, notFound(err, "customer", code)
		}
		s.customerID = c.ID
	}
	if code := strings.ToUpper(strings.TrimSpace(f.Warehouse)); code != "" {
		var w model.Warehouse
		if err := db.Where("code = ?", code).Take(&w).Error; err != nil {
			return s, notFound(err, "warehouse", code)
		}
		s.warehouse = w.ID
	}
	if ch := strings.TrimSpace(f.Channel); ch != "" {
		if len(ch) > 16 {
			return s, invalid("channel", CodeInvalidChannel, "渠道键最多 16 个字符")
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
	early, late, err := punctualitySQL(m.db)
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

// Durations summarises a set of waits: count, mean and the nearest-rank
// 50th and 90th percentiles (the smallest value with at least p% of the
// values at or below it).
type Durations struct {
	Count          int
	Mean, P50, P90 time.Duration
}

// Summarize computes Durations of ds.
func Summarize(ds []time.Duration) Durations {
	out := Durations{Count: len(ds)}
	if len(ds) == 0 {
		return out
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	var sum time.Duration
	for _, d := range sorted {
		sum += d
	}
	out.Mean = sum / time.Duration(len(sorted))
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
		return sorted[max(i, 0)]
	}
	out.P50, out.P90 = rank(50), rank(90)
	return out
}

// TicketTimes are the response and resolution times of the tickets opened
// in a range.
type TicketTimes struct {
	From, To string
	// Opened counts tickets created in the range; Acknowledged and
	// Resolved those of them that were, so far.
	Opened, Acknowledged, Resolved int
	// Response is created → acknowledged; Resolution created → resolved.
	Response, Resolution Durations
	// ByKind counts the opened tickets per kind.
	ByKind map[string]int
}

// Tickets computes ticket response and resolution times over the tickets
// opened in the filter's days (filtered by their order).
func (m *Measures) Tickets(ctx context.Context, f MetricFilter) (TicketTimes, error) {
	s, err := m.span(ctx, f)
	if err != nil {
		return TicketTimes{}, err
	}
	out := TicketTimes{From: s.days[0], To: s.days[len(s.days)-1], ByKind: map[string]int{}}
	var ts []model.Ticket
	q := m.db.WithContext(ctx).Table("tickets AS t").Select("t.*").
		Where("t.created_at >= ? AND t.created_at < ?", s.from, s.to)
	if s.filtered() {
		q = s.where(q.Joins("JOIN orders AS o ON o.id = t.order_id"))
	}
	if err := q.Scan(&ts).Error; err != nil {
		return out, err
	}
	var resp, res []time.Duration
	for _, t := range ts {
		out.Opened++
		out.ByKind[t.Kind]++
		if t.AckAt != nil {
			out.Acknowledged++
			resp = append(resp, t.AckAt.Sub(t.CreatedAt))
		}
		if t.ResolvedAt != nil {
			out.Resolved++
			res = append(res, t.ResolvedAt.Sub(t.CreatedAt))
		}
	}
	out.Response, out.Resolution = Summarize(resp), Summarize(res)
	return out, nil
}

// StageDwell is how long orders stayed in one stage.
type StageDwell struct {
	Stage, Name string
	Durations
}

// Dwell computes, per stage, how long orders stayed in it, over the stays
// that ended (the order moved on, or was cancelled) in the filter's days.
func (m *Measures) Dwell(ctx context.Context, f MetricFilter) ([]StageDwell, error) {
	s, err := m.span(ctx, f)
	if err != nil {
		return nil, err
	}
	// The orders that left a stage in the range; then their whole timeline,
	// to find when each stay began.
	var ids []uint64
	q := m.db.WithContext(ctx).Table("order_events AS e").Joins("JOIN orders AS o ON o.id = e.order_id").
		Distinct("e.order_id").Where("e.created_at >= ? AND e.created_at < ? AND e.from_stage <> ''", s.from, s.to)
	if err := s.where(q).Pluck("e.order_id", &ids).Error; err != nil {
		return nil, err
	}
	stays := map[string][]time.Duration{}
	for chunk := range slices.Chunk(ids, 500) {
		var evs []model.OrderEvent
		if err := m.db.WithContext(ctx).Select("id, order_id, from_stage, to_stage, created_at").
			Where("order_id IN ? AND to_stage <> ''", chunk).Order("order_id, id").Find(&evs).Error; err != nil {
			return nil, err
		}
		entered := map[uint64]model.OrderEvent{}
		for _, e := range evs {
			if prev, ok := entered[e.OrderID]; ok && e.FromStage != "" && prev.ToStage == e.FromStage &&
				!e.CreatedAt.Before(s.from) && e.CreatedAt.Before(s.to) {
				stays[e.FromStage] = append(stays[e.FromStage], e.CreatedAt.Sub(prev.CreatedAt))
			}
			entered[e.OrderID] = e
		}
	}
	var out []StageDwell
	for _, st := range m.pipe.Stages() {
		if st.Key == m.pipe.Last().Key {
			continue // the last stage is never left
		}
		out = append(out, StageDwell{Stage: st.Key, Name: st.Name, Durations: Summarize(stays[st.Key])})
	}
	return out, nil
}

// VolumeDay is one local day's intake.
type VolumeDay struct {
	Day           string
	Orders, Lines int
}

// Volume counts the orders placed and their lines per local day.
func (m *Measures) Volume(ctx context.Context, f MetricFilter) ([]VolumeDay, error) {
	s, err := m.span(ctx, f)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		CreatedAt time.Time
		LineCount int
	}
	q := m.db.WithContext(ctx).Table("orders AS o").
		Select("o.created_at AS created_at, (SELECT COUNT(*) FROM order_lines AS l WHERE l.order_id = o.id) AS line_count").
		Where("o.created_at >= ? AND o.created_at < ?", s.from, s.to)
	if err := s.where(q).Scan(&rows).Error; err != nil {
		return nil, err
	}
	by := map[string]*VolumeDay{}
	out := make([]VolumeDay, len(s.days))
	for i, d := range s.days {
		out[i].Day = d
		by[d] = &out[i]
	}
	for _, r := range rows {
		if d := by[s.dayOf(r.CreatedAt, m.loc)]; d != nil {
			d.Orders++
			d.Lines += r.LineCount
		}
	}
	return out, nil
}

// EscalationCount is how many pushes one level of one clock fired.
type EscalationCount struct {
	// Clock is what was waited for: stage, ack, resolve, transfer.
	Clock string
	Level int
	Count int
}

// Escalations counts the escalation levels fired in the filter's days,
// from each alarm's push history.
func (m *Measures) Escalations(ctx context.Context, f MetricFilter) ([]EscalationCount, error) {
	s, err := m.span(ctx, f)
	if err != nil {
		return nil, err
	}
	var alarms []model.Alarm
	// A level fired at t updates the alarm at t, so updated_at >= from
	// finds every alarm that may have fired in the range.
	if err := m.db.WithContext(ctx).Where("updated_at >= ? AND told IS NOT NULL AND told <> ''", s.from).Find(&alarms).Error; err != nil {
		return nil, err
	}
	var keep map[uint64]bool
	if s.filtered() {
		if keep, err = m.alarmOrders(ctx, s, alarms); err != nil {
			return nil, err
		}
	}
	type key struct {
		clock string
		level int
	}
	counts := map[key]int{}
	for _, a := range alarms {
		if keep != nil && !keep[a.ID] {
			continue
		}
		for _, t := range parseTold(a.Told) {
			if !t.At.Before(s.from) && t.At.Before(s.to) {
				counts[key{a.Clock, t.Level}]++
			}
		}
	}
	var out []EscalationCount
	for k, n := range counts {
		out = append(out, EscalationCount{Clock: k.clock, Level: k.level, Count: n})
	}
	slices.SortFunc(out, func(a, b EscalationCount) int {
		if a.Clock != b.Clock {
			return strings.Compare(a.Clock, b.Clock)
		}
		return a.Level - b.Level
	})
	return out, nil
}

// alarmOrders returns the alarms (by id) whose order passes the filter.
func (m *Measures) alarmOrders(ctx context.Context, s span, alarms []model.Alarm) (map[uint64]bool, error) {
	db := m.db.WithContext(ctx)
	orderOf := map[uint64]uint64{}
	var ticketIDs, transferIDs []uint64
	for _, a := range alarms {
		switch a.Subject {
		case model.AlarmOrder:
			orderOf[a.ID] = a.SubjectID
		case model.AlarmTicket:
			ticketIDs = append(ticketIDs, a.SubjectID)
		case model.AlarmTransfer:
			transferIDs = append(transferIDs, a.SubjectID)
		}
	}
	ticketOrder, transferOrder := map[uint64]uint64{}, map[uint64]uint64{}
	for chunk := range slices.Chunk(ticketIDs, 500) {
		var ts []model.Ticket
		if err := db.Select("id, order_id").Where("id IN ?", chunk).Find(&ts).Error; err != nil {
			return nil, err
		}
		for _, t := range ts {
			if t.OrderID != nil {
				ticketOrder[t.ID] = *t.OrderID
			}
		}
	}
	for chunk := range slices.Chunk(transferIDs, 500) {
		var ts []model.Transfer
		if err := db.Select("id, order_id").Where("id IN ?", chunk).Find(&ts).Error; err != nil {
			return nil, err
		}
		for _, t := range ts {
			transferOrder[t.ID] = t.OrderID
		}
	}
	var orderIDs []uint64
	for _, a := range alarms {
		switch a.Subject {
		case model.AlarmTicket:
			orderOf[a.ID] = ticketOrder[a.SubjectID]
		case model.AlarmTransfer:
			orderOf[a.ID] = transferOrder[a.SubjectID]
		}
		orderIDs = append(orderIDs, orderOf[a.ID])
	}
	match := map[uint64]bool{}
	for chunk := range slices.Chunk(orderIDs, 500) {
		var ids []uint64
		if err := s.where(db.Table("orders AS o").Where("o.id IN ?", chunk)).Pluck("o.id", &ids).Error; err != nil {
			return nil, err
		}
		for _, id := range ids {
			match[id] = true
		}
	}
	keep := map[uint64]bool{}
	for _, a := range alarms {
		keep[a.ID] = match[orderOf[a.ID]]
	}
	return keep, nil
}

// Delays are the delay notices (buyers told their order will miss its
// promised time) and the compensation coupons recorded in a range.
type Delays struct {
	From, To  string
	Notices   int
	Coupons   int
	CouponFen int64
}

// Delays counts delay notices and coupons recorded in the filter's days.
func (m *Measures) Delays(ctx context.Context, f MetricFilter) (Delays, error) {
	s, err := m.span(ctx, f)
	if err != nil {
		return Delays{}, err
	}
	out := Delays{From: s.days[0], To: s.days[len(s.days)-1]}
	var row struct {
		Notices, Coupons int
		CouponFen        int64
	}
	q := m.db.WithContext(ctx).Table("delay_notices AS d").Joins("JOIN orders AS o ON o.id = d.order_id").
		Select("COUNT(*) AS notices, COALESCE(SUM(CASE WHEN d.coupon_fen > 0 THEN 1 ELSE 0 END), 0) AS coupons, COALESCE(SUM(d.coupon_fen), 0) AS coupon_fen").
		Where("d.created_at >= ? AND d.created_at < ?", s.from, s.to)
	if err := s.where(q).Scan(&row).Error; err != nil {
		return out, err
	}
	out.Notices, out.Coupons, out.CouponFen = row.Notices, row.Coupons, row.CouponFen
	return out, nil
}

// TransferTimes are the transfer work orders created in a range and how
// long the received ones took.
type TransferTimes struct {
	From, To                              string
	Created, Received, Pending, Cancelled int
	// LeadTime is created → received, over the received ones.
	LeadTime Durations
}

// Transfers counts the transfers created in the filter's days and
// summarises their lead time.
func (m *Measures) Transfers(ctx context.Context, f MetricFilter) (TransferTimes, error) {
	s, err := m.span(ctx, f)
	if err != nil {
		return TransferTimes{}, err
	}
	out := TransferTimes{From: s.days[0], To: s.days[len(s.days)-1]}
	var ts []model.Transfer
	q := m.db.WithContext(ctx).Table("transfers AS t").Joins("JOIN orders AS o ON o.id = t.order_id").Select("t.*").
		Where("t.created_at >= ? AND t.created_at < ?", s.from, s.to)
	if err := s.where(q).Scan(&ts).Error; err != nil {
		return out, err
	}
	var lead []time.Duration
	for _, t := range ts {
		out.Created++
		switch t.Status {
		case model.TransferReceived:
			out.Received++
			if t.ReceivedAt != nil {
				lead = append(lead, t.ReceivedAt.Sub(t.CreatedAt))
			}
		case model.TransferPending:
			out.Pending++
		case model.TransferCancelled:
			out.Cancelled++
		}
	}
	out.LeadTime = Summarize(lead)
	return out, nil
}

// CancelReason is how many orders were cancelled with one reason.
type CancelReason struct {
	Reason string
	Count  int
}

// Cancellations counts the orders cancelled in the filter's days by the
// reason given (the note of the cancellation), most frequent first.
func (m *Measures) Cancellations(ctx context.Context, f MetricFilter) (total int, reasons []CancelReason, err error) {
	s, err := m.span(ctx, f)
	if err != nil {
		return 0, nil, err
	}
	var notes []string
	q := m.db.WithContext(ctx).Table("order_events AS e").Joins("JOIN orders AS o ON o.id = e.order_id").
		Where("e.kind = ? AND e.created_at >= ? AND e.created_at < ?", "cancelled", s.from, s.to)
	if err := s.where(q).Pluck("e.note", &notes).Error; err != nil {
		return 0, nil, err
	}
	by := map[string]int{}
	for _, n := range notes {
		n = strings.TrimSpace(n)
		if n == "" {
			n = "未说明"
		}
		by[n]++
	}
	for r, n := range by {
		reasons = append(reasons, CancelReason{Reason: r, Count: n})
	}
	slices.SortFunc(reasons, func(a, b CancelReason) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Reason, b.Reason)
	})
	return len(notes), reasons, nil
}
