package service

import (
	"context"
	"time"

	"orderhub/model"
)

// PromiseError is how far promises were from the deliveries.
type PromiseError struct {
	Orders int
	// P50 and P90 are of the absolute error |delivered − promised|.
	P50, P90 time.Duration
	// Within is the share delivered within promised ± OnTimeTolerance
	// (the on-time rule); Early and Late count the others.
	Within      float64
	Early, Late int
}

// PromiseCheck compares, over the same delivered orders, the promise
// orderhub would have proposed with the one people gave.
type PromiseCheck struct {
	Proposed, Given PromiseError
}

// CheckPromises replays the proposal for every order delivered in
// [from, to) at the moment it was confirmed, from the history measured
// before that day (the window up to its local midnight), and compares it
// and the promise people gave with the delivery. The queue term is left
// out: the history does not say how many orders were open then.
func (o *Orders) CheckPromises(ctx context.Context, from, to time.Time) (_ PromiseCheck, err error) {
	defer wrapOp(&err, "Orders.CheckPromises")
	db := o.db.WithContext(ctx)
	next, ok := o.pipe.Next(o.pipe.First().Key)
	if !ok {
		return PromiseCheck{}, nil
	}
	var rows []struct {
		ID, WarehouseID, CustomerID uint64
		Address, Region             string
		PromisedAt                  *time.Time
		Delivered, Confirmed        time.Time
	}
	err = db.Table("orders AS o").
		Select("o.id, o.warehouse_id, o.customer_id, o.address, c.region, o.promised_at, o.stage_entered_at AS delivered, e.created_at AS confirmed").
		Joins("JOIN order_events e ON e.order_id = o.id AND e.kind = ? AND e.to_stage = ?", "stage", next.Key).
		Joins("LEFT JOIN customers c ON c.id = o.customer_id").
		Where("o.stage = ? AND o.stage_entered_at >= ? AND o.stage_entered_at < ?", o.pipe.Last().Key, from, to).
		Order("e.created_at").Scan(&rows).Error
	if err != nil {
		return PromiseCheck{}, err
	}
	var proposed, given []time.Duration
	stats := map[time.Time]*promiseStats{}
	for _, r := range rows {
		y, m, d := r.Confirmed.In(o.loc).Date()
		day := time.Date(y, m, d, 0, 0, 0, 0, o.loc)
		st := stats[day]
		if st == nil {
			if st, err = o.readStats(db, day); err != nil {
				return PromiseCheck{}, err
			}
			stats[day] = st
		}
		ord := model.Order{ID: r.ID, WarehouseID: r.WarehouseID, CustomerID: r.CustomerID, Address: r.Address, Stage: next.Key, StageEnteredAt: r.Confirmed}
		p := o.proposal(st, ord, o.regionOf(r.Address, r.Region), 0, r.Confirmed)
		proposed = append(proposed, r.Delivered.Sub(p.At))
		if r.PromisedAt != nil {
			given = append(given, r.Delivered.Sub(*r.PromisedAt))
		}
	}
	return PromiseCheck{Proposed: promiseError(proposed), Given: promiseError(given)}, nil
}

// promiseError summarises signed errors (delivered − promised).
func promiseError(errs []time.Duration) PromiseError {
	out := PromiseError{Orders: len(errs)}
	if len(errs) == 0 {
		return out
	}
	abs := make([]time.Duration, len(errs))
	within := 0
	for i, e := range errs {
		abs[i] = e.Abs()
		switch {
		case e < -OnTimeTolerance:
			out.Early++
		case e > OnTimeTolerance:
			out.Late++
		default:
			within++
		}
	}
	out.P50, out.P90 = percentile(abs, 0.5), percentile(abs, 0.9)
	out.Within = float64(within) / float64(len(errs))
	return out
}
