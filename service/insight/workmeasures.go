package insight

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"orderhub/model"
	"orderhub/service"
)

// How long work took, from the recorded events: tickets, stage dwell,
// volume, escalations, delays, transfers and cancellations.

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
		for _, t := range service.ToldLevels(a.Told) {
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
