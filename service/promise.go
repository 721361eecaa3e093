package service

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/model"
)

// Proposal is the promised time orderhub proposes for an order, from what
// the business measured, not from a rule of thumb: on-time (promised ± 2
// h, early counting as not on time) rewards an accurate promise, so a
// padded one is as wrong as an optimistic one.
type Proposal struct {
	// At is the proposed promised time: the order ships after Work of its
	// warehouse's working time from now, then travels Transit.
	At time.Time
	// Ship is when it should leave the warehouse.
	Ship time.Time
	// Work is the warehouse working time still needed: the recent dwell
	// (percentile per stage, per warehouse) of every stage left before
	// shipping, or clearing the queue in front of it at the measured
	// pace, whichever is longer.
	Work time.Duration
	// Queue is how many open orders of the warehouse are ahead of it.
	Queue int
	// Transit is the carrier's time to the destination (Region), measured
	// from recent deliveries there, else the configured table.
	Transit time.Duration
	Region  string
	// Confidence is the share of the recent orders of the warehouse that
	// would have been delivered within this proposal's work and transit
	// (+ the 2 h tolerance); Samples is how many there were.
	Confidence float64
	Samples    int
	// Measured says whether the dwell came from history (false: too few
	// recent orders, the stages' SLAs were used).
	Measured bool
}

// Words says the proposal the way a person reads it.
func (p Proposal) Words(loc *time.Location) string {
	basis := fmt.Sprintf("仓内还需 %s（前面还有 %d 单），运输 %s", Waited(p.Work), p.Queue, Waited(p.Transit))
	if p.Samples > 0 {
		return fmt.Sprintf("%s，置信度 %.0f%%（近期 %d 单）；%s", p.At.In(loc).Format("01-02 15:04"), 100*p.Confidence, p.Samples, basis)
	}
	return fmt.Sprintf("%s（按各阶段时限，近期单量不足）；%s", p.At.In(loc).Format("01-02 15:04"), basis)
}

// ProposedWord, given as promised_at (chat: 交期=建议), takes the
// proposed promised time.
const ProposedWord = "proposed"

// promiseStats is what recent history says, per warehouse; kept for a
// while, since every confirmation would otherwise read weeks of events.
type promiseStats struct {
	at time.Time
	// dwell[wh][stage] are the working-time stays in stage (wh 0: every
	// warehouse).
	dwell map[uint64]map[string][]time.Duration
	// transit[region] are the shipped → delivered wall times ("": all).
	transit map[string][]time.Duration
	// fits[wh] are recent orders' (work after confirmation, transit).
	fits map[uint64][][2]time.Duration
	// shipped[wh] counts orders shipped in the window, for the pace, over
	// the time since paceFrom[wh]: the first order placed in the window
	// (a company that moved in a week ago has a week of pace, not the
	// window's fourteen days with nothing in most of them).
	shipped  map[uint64]int
	paceFrom map[uint64]time.Time
}

// promiser proposes promised times for one Orders.
type promiser struct {
	cfg config.Promise
	mu  sync.Mutex
	st  *promiseStats
}

// minSamples is how many recent orders a figure needs to be used.
const minSamples = 10

// Propose returns the promised time orderhub proposes for order no, as
// of now: shown when the order is confirmed (and while it waits to be),
// used when the person confirms with 交期=建议; they may give their own.
func (o *Orders) Propose(ctx context.Context, no string) (_ Proposal, err error) {
	defer wrapOp(&err, "Orders.Propose")
	var ord model.Order
	if err := o.db.WithContext(ctx).Where("no = ?", strings.ToUpper(strings.TrimSpace(no))).Take(&ord).Error; err != nil {
		return Proposal{}, notFound(err, "order", no)
	}
	return o.propose(o.db.WithContext(ctx), ord, o.clock())
}

// propose is Propose for a loaded order, read through db.
func (o *Orders) propose(db *gorm.DB, ord model.Order, now time.Time) (Proposal, error) {
	st, err := o.promiseStats(db, now)
	if err != nil {
		return Proposal{}, err
	}
	// The queue in front: open orders of the warehouse placed before it.
	var ahead int64
	if err := db.Model(&model.Order{}).Where("warehouse_id = ? AND id < ? AND stage IN ?", ord.WarehouseID, ord.ID, o.workStages()).
		Count(&ahead).Error; err != nil {
		return Proposal{}, err
	}
	return o.proposal(st, ord, o.region(db, ord), int(ahead), now), nil
}

// proposal is the proposal for ord at now from measured history st, with
// ahead orders in front of it in its warehouse.
func (o *Orders) proposal(st *promiseStats, ord model.Order, region string, ahead int, now time.Time) Proposal {
	cfg := o.promises.cfg
	p := Proposal{Region: region, Queue: ahead}
	// The stages still to be worked before shipping, from the current one.
	var left []config.Stage
	started := false
	for _, s := range o.pipe.Stages() {
		if s.Key == StageShipped || o.pipe.carried(s.Key) {
			break
		}
		if s.Key == ord.Stage {
			started = true
		}
		if started {
			left = append(left, s)
		}
	}
	// With a booked delivery slot an early parcel waits for its slot and
	// is on time, a late one is late: the stays and the transit are taken
	// at no less than their 80th and 90th percentiles.
	dwellQ, transitQ := cfg.Percentile, cfg.Percentile
	if cfg.Slot > 0 {
		dwellQ, transitQ = max(dwellQ, 0.8), max(transitQ, 0.9)
	}
	p.Measured = true
	for i, s := range left {
		d, ok := pick(st.dwell[ord.WarehouseID][s.Key], st.dwell[0][s.Key], dwellQ)
		if !ok {
			d, p.Measured = s.SLA.D(), false
		}
		if i == 0 && s.Key == ord.Stage {
			d -= o.pipe.hours.Between(ord.WarehouseID, ord.StageEnteredAt, now)
			d = max(d, 0)
		}
		p.Work += d
	}
	// The queue in front, cleared at the pace the warehouse shipped at
	// over the window (from its first order in it).
	if n := st.shipped[ord.WarehouseID]; n >= minSamples {
		hours := o.pipe.hours.Between(ord.WarehouseID, st.paceFrom[ord.WarehouseID], now)
		if perHour := float64(n) / hours.Hours(); perHour > 0 {
			if clear := time.Duration(float64(ahead) / perHour * float64(time.Hour)); clear > p.Work {
				p.Work = clear
			}
		}
	}
	p.Ship = o.pipe.hours.Add(ord.WarehouseID, now, p.Work)
	if d, ok := pick(st.transit[p.Region], nil, transitQ); ok {
		p.Transit = d
	} else {
		p.Transit = cfg.TransitFor(p.Region)
	}
	p.At = o.deliverable(p.Ship.Add(p.Transit).Truncate(time.Minute))
	if rows := st.fits[ord.WarehouseID]; len(rows) > 0 {
		fit := 0
		for _, r := range rows {
			if r[0] <= p.Work && r[1] <= p.Transit+OnTimeTolerance {
				fit++
			}
		}
		p.Samples = len(rows)
		p.Confidence = float64(fit) / float64(len(rows))
	}
	// In the configured zone, as every time orderhub answers with.
	p.At, p.Ship = p.At.In(o.loc), p.Ship.In(o.loc)
	return p
}

// workStages are the stages an order waits in the warehouse.
func (o *Orders) workStages() []string {
	var out []string
	for _, s := range o.pipe.Stages() {
		if s.Key == StageShipped || o.pipe.carried(s.Key) {
			break
		}
		out = append(out, s.Key)
	}
	return out
}

// region is where ord goes: the longest place name of the transit table
// found in its address, else the customer's region.
func (o *Orders) region(db *gorm.DB, ord model.Order) string {
	var c model.Customer
	_ = db.Select("region").Where("id = ?", ord.CustomerID).Take(&c).Error
	return o.regionOf(ord.Address, c.Region)
}

// pick is the percentile q of own, else of all, when one has enough
// samples.
func pick(own, all []time.Duration, q float64) (time.Duration, bool) {
	for _, ds := range [][]time.Duration{own, all} {
		if len(ds) >= minSamples {
			return percentile(ds, q), true
		}
	}
	return 0, false
}

// percentile is the nearest-rank percentile q (0..1) of ds.
func percentile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// promiseStats reads, at most every cfg.Refresh, the window's stage moves:
// each order's stays (working time of its warehouse) and its transit.
func (o *Orders) promiseStats(db *gorm.DB, now time.Time) (*promiseStats, error) {
	pr := o.promises
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.st != nil && now.Sub(pr.st.at) < pr.cfg.Refresh.D() && !now.Before(pr.st.at) {
		return pr.st, nil
	}
	st, err := o.readStats(db, now)
	if err != nil {
		return nil, err
	}
	pr.st = st
	return st, nil
}

// readStats reads the window before now: orders placed in it, their
// stays (working time of their warehouse) and their transit, as far as
// they had got by now.
func (o *Orders) readStats(db *gorm.DB, now time.Time) (*promiseStats, error) {
	from := now.Add(-o.promises.cfg.Window.D())
	type row struct {
		OrderID         uint64
		FromStage       string
		ToStage         string
		CreatedAt       time.Time
		WarehouseID     uint64
		Placed          time.Time
		Address, Region string
	}
	var rows []row
	err := db.Table("order_events AS e").
		Select("e.order_id, e.from_stage, e.to_stage, e.created_at, o.warehouse_id, o.created_at AS placed, o.address, c.region").
		Joins("JOIN orders o ON o.id = e.order_id").Joins("LEFT JOIN customers c ON c.id = o.customer_id").
		Where("e.kind = ? AND o.created_at >= ? AND o.created_at < ? AND e.created_at < ?", "stage", from, now, now).
		Order("e.order_id, e.created_at, e.id").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	st := &promiseStats{at: now, dwell: map[uint64]map[string][]time.Duration{0: {}}, transit: map[string][]time.Duration{},
		fits: map[uint64][][2]time.Duration{}, shipped: map[uint64]int{}, paceFrom: map[uint64]time.Time{}}
	first, last := o.pipe.First().Key, o.pipe.Last().Key
	confirm := ""
	if next, ok := o.pipe.Next(first); ok {
		confirm = next.Key
	}
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].OrderID == rows[i].OrderID {
			j++
		}
		r0 := rows[i]
		wh := r0.WarehouseID
		if f, ok := st.paceFrom[wh]; !ok || r0.Placed.Before(f) {
			st.paceFrom[wh] = r0.Placed
		}
		if st.dwell[wh] == nil {
			st.dwell[wh] = map[string][]time.Duration{}
		}
		entered := map[string]time.Time{first: r0.Placed}
		var confirmed, shipped time.Time
		for _, r := range rows[i:j] {
			if at, ok := entered[r.FromStage]; ok && r.FromStage != StageShipped && !o.pipe.carried(r.FromStage) {
				d := o.pipe.hours.Between(wh, at, r.CreatedAt)
				st.dwell[wh][r.FromStage] = append(st.dwell[wh][r.FromStage], d)
				st.dwell[0][r.FromStage] = append(st.dwell[0][r.FromStage], d)
			}
			entered[r.ToStage] = r.CreatedAt
			switch r.ToStage {
			case confirm:
				confirmed = r.CreatedAt
			case StageShipped:
				shipped = r.CreatedAt
				st.shipped[wh]++
			case last:
				if !shipped.IsZero() {
					t := r.CreatedAt.Sub(shipped)
					reg := o.regionOf(r0.Address, r0.Region)
					st.transit[reg] = append(st.transit[reg], t)
					if !confirmed.IsZero() {
						st.fits[wh] = append(st.fits[wh], [2]time.Duration{o.pipe.hours.Between(wh, confirmed, shipped), t})
					}
				}
			}
		}
		i = j
	}
	return st, nil
}

// regionOf is where an order goes, for transit: of the transit table's
// places named in the address, the one named last (a city after its
// province: 江苏省苏州市 is 苏州), else one in the customer's region, else
// that region itself.
func (o *Orders) regionOf(address, custRegion string) string {
	best, at := "", -2
	for name := range o.promises.cfg.Transit {
		i := strings.LastIndex(address, name)
		if i < 0 {
			i = -2 // not named
			if strings.Contains(custRegion, name) {
				i = -1
			}
		}
		if i > at || (i == at && i > -2 && name < best) {
			best, at = name, i
		}
	}
	if best == "" {
		return custRegion
	}
	return best
}
