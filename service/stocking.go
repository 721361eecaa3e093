package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/model"
)

// Stocking turns the purchase calendar into action: before a customer's
// busy window (the 22nd–25th of each month, say) it proposes the lines
// they usually order in it — a 月度备货清单 — sends it once, and lets the
// buyer place it as a planned order.
type Stocking struct {
	db     *gorm.DB
	cals   Calendars
	pipe   *Pipeline
	clock  Clock
	loc    *time.Location
	cfg    config.Stocking
	sms    bool    // text customers without the mini-program (WithSMS)
	orders *Orders // places planned orders (WithOrders)
}

// Calendars answers the purchase calendar of one customer (code), or of
// every customer with orders in the last days days (code empty): insight's
// Insight.Calendar, handed over at wiring (service/insight imports this
// package, so this one cannot import it).
type Calendars interface {
	Calendar(ctx context.Context, code string, days int) ([]CustomerCalendar, error)
}

// NewStocking returns a Stocking that reads the purchase calendar from cals.
func NewStocking(db *gorm.DB, cals Calendars, pipe *Pipeline, clock Clock, loc *time.Location, cfg config.Stocking) *Stocking {
	if db == nil || cals == nil || pipe == nil || clock == nil || loc == nil {
		panic("service: NewStocking: nil dependency")
	}
	if cfg.LeadDays < 1 {
		cfg = config.DefaultStocking()
	}
	return &Stocking{db: db, cals: cals, pipe: pipe, clock: clock, loc: loc, cfg: cfg}
}

// StockingLine is one line of a list: what the customer usually orders in
// the window, and whether it is on the shelf today.
type StockingLine struct {
	SKU, Name, Unit string
	// Qty is the median of what they ordered in the past windows in
	// which they ordered it.
	Qty      int64
	PriceFen int64
	// Windows is in how many of the past windows they ordered it.
	Windows int
	// Available is on hand less locked, every warehouse, now.
	Available int64
	Short     bool
}

// StockingList is a customer's list for their next window.
type StockingList struct {
	CustomerID     uint64
	Customer, Name string
	// From is the window's first day, To its last (local midnight).
	From, To time.Time
	// SendOn is the day it is sent: From less LeadDays working days.
	SendOn time.Time
	// Windows is how many past windows the lines were read from.
	Windows  int
	Lines    []StockingLine
	ValueFen int64
	// PromisedAt is a delivery the warehouse can meet: the evening before
	// the window, or the earliest the pipeline allows if that is later;
	// nil when a line is short (stock must come in first).
	PromisedAt *time.Time
	// SentAt is when it was sent (nil: not yet); OrderNo the planned
	// order placed from it.
	SentAt  *time.Time
	OrderNo string
	// Address is where the buyer's page proposes to deliver: the
	// customer's address on file, else their last order's (the buyer sees
	// it and may change it before placing).
	Address string

	warehouseID *uint64 // the customer's nearest, whose hours count
}

// Stocking rules: a SKU is proposed when the customer ordered it in at
// least half the past windows (one-offs are left out).
const stockingMinShare = 0.5

// Lists proposes the list of every customer whose orders cluster (the
// purchase calendar's rule), for their next window, soonest first.
func (s *Stocking) Lists(ctx context.Context) (_ []StockingList, err error) {
	defer wrapOp(&err, "Stocking.Lists")
	return s.lists(ctx, "")
}

// List is one customer's list; not found when their orders do not
// cluster or no SKU recurs.
func (s *Stocking) List(ctx context.Context, code string) (_ StockingList, err error) {
	defer wrapOp(&err, "Stocking.List")
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" {
		return StockingList{}, invalid("customer", CodeRequired, "请填写客户编码")
	}
	ls, err := s.lists(ctx, code)
	if err != nil {
		return StockingList{}, err
	}
	if len(ls) == 0 {
		return StockingList{}, &NotFoundError{What: "stocking_list", Key: code}
	}
	return ls[0], nil
}

func (s *Stocking) lists(ctx context.Context, code string) ([]StockingList, error) {
	cals, err := s.cals.Calendar(ctx, code, s.cfg.HistoryDays)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	var out []StockingList
	for _, c := range cals {
		if !c.Clustered {
			continue
		}
		l, ok, err := s.build(ctx, c, now)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, l)
		}
	}
	slices.SortStableFunc(out, func(a, b StockingList) int { return a.From.Compare(b.From) })
	return out, nil
}

// windowStart is day d of the month of t (the month's last day when it
// has fewer), local midnight.
func windowStart(year int, month time.Month, d int, loc *time.Location) time.Time {
	last := time.Date(year, month+1, 0, 0, 0, 0, 0, loc).Day()
	return time.Date(year, month, min(d, last), 0, 0, 0, 0, loc)
}

// WorkdaysBefore is the day n working days before day, by workday (nil:
// Monday–Friday).
func WorkdaysBefore(day time.Time, n int, workday func(time.Time) bool) time.Time {
	if workday == nil {
		workday = func(d time.Time) bool { return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday }
	}
	for i := 0; n > 0 && i < 366; i++ {
		day = day.AddDate(0, 0, -1)
		if workday(day) {
			n--
		}
	}
	return day
}

// workday says whether the company works on the local day that starts at
// day: the working-time calendar's (shifts, weekdays, statutory holidays
// and 调休 make-up days) when the pipeline counts one, else Monday–Friday.
func (s *Stocking) workday(day time.Time) bool {
	h := s.pipe.Hours()
	if h == nil {
		return day.Weekday() != time.Saturday && day.Weekday() != time.Sunday
	}
	open := h.cal.NextOpen("", day).In(s.loc)
	y, m, d := day.Date()
	oy, om, od := open.Date()
	return y == oy && m == om && d == od
}

func (s *Stocking) build(ctx context.Context, c CustomerCalendar, now time.Time) (StockingList, bool, error) {
	db := s.db.WithContext(ctx)
	var cu model.Customer
	if err := db.Where("code = ?", c.Code).Take(&cu).Error; err != nil {
		return StockingList{}, false, notFound(err, "customer", c.Code)
	}
	today := now.In(s.loc)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, s.loc)
	from := windowStart(today.Year(), today.Month(), c.From, s.loc)
	if from.Before(today) || from.Equal(today) {
		from = windowStart(today.Year(), today.Month()+1, c.From, s.loc)
	}
	// A list already offered for a window not yet over stays the list:
	// the planned order itself, or a late order, may move the calendar's
	// window a day, and the customer must not be offered (or sent) a
	// second list for the same busy days.
	offered, err := s.upcoming(db, cu.ID, today)
	if err != nil {
		return StockingList{}, false, err
	}
	if offered != nil {
		w, err := time.ParseInLocation(time.DateOnly, offered.Window, s.loc)
		switch {
		case err != nil:
			return StockingList{}, false, fmt.Errorf("stocking list %d: window %q: %w", offered.ID, offered.Window, err)
		case w.After(today):
			from = w
		default:
			// Its busy days have begun: the next list is next month's.
			from, offered = windowStart(w.Year(), w.Month()+1, c.From, s.loc), nil
		}
	}
	l := StockingList{CustomerID: cu.ID, Customer: cu.Code, Name: cu.Name, Address: cu.Address, warehouseID: cu.WarehouseID, From: from, To: from.AddDate(0, 0, ClusterSpan-1),
		SendOn: WorkdaysBefore(from, s.cfg.LeadDays, s.workday)}
	// The past windows inside the history read, and since the customer's
	// first order (a window before it says nothing about them).
	since := today.AddDate(0, 0, -s.cfg.HistoryDays)
	var first []time.Time
	if err := db.Model(&model.Order{}).Where("customer_id = ?", cu.ID).Order("created_at").Limit(1).Pluck("created_at", &first).Error; err != nil {
		return StockingList{}, false, err
	}
	if len(first) == 1 {
		f := first[0].In(s.loc)
		if f = time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, s.loc); f.After(since) {
			since = f
		}
	}
	var starts []time.Time
	for k := 1; k <= 12; k++ {
		st := windowStart(from.Year(), from.Month()-time.Month(k), c.From, s.loc)
		if st.Before(since) {
			break
		}
		starts = append(starts, st)
	}
	if len(starts) == 0 && offered == nil {
		return l, false, nil
	}
	var rows []struct {
		CreatedAt time.Time
		SKU       string
		Qty       int64
	}
	if len(starts) > 0 {
		err = db.Table("orders AS o").Joins("JOIN order_lines AS l ON l.order_id = o.id").
			Select("o.created_at AS created_at, l.sku AS sku, l.qty AS qty").
			Where("o.customer_id = ? AND o.created_at >= ? AND o.stage <> ?", cu.ID, starts[len(starts)-1].UTC(), StageCancelled).Scan(&rows).Error
		if err != nil {
			return l, false, err
		}
	}
	// qty[sku][i]: what they ordered of sku in window i.
	qty := map[string][]int64{}
	for _, r := range rows {
		at := r.CreatedAt.In(s.loc)
		for i, st := range starts {
			if !at.Before(st) && at.Before(st.AddDate(0, 0, ClusterSpan)) {
				if qty[r.SKU] == nil {
					qty[r.SKU] = make([]int64, len(starts))
				}
				qty[r.SKU][i] += r.Qty
				break
			}
		}
	}
	l.Windows = len(starts)
	for sku, per := range qty {
		var got []int64
		for _, q := range per {
			if q > 0 {
				got = append(got, q)
			}
		}
		if float64(len(got)) < stockingMinShare*float64(len(starts)) || (len(starts) > 1 && len(got) < 2) {
			continue
		}
		l.Lines = append(l.Lines, StockingLine{SKU: sku, Qty: median(got), Windows: len(got)})
	}
	if offered != nil {
		// The lines as offered, however the history reads today.
		var was []stockingLine
		if err := json.Unmarshal([]byte(offered.Lines), &was); err != nil {
			return l, false, fmt.Errorf("stocking list %d: lines: %w", offered.ID, err)
		}
		read := l.Lines
		l.Lines = make([]StockingLine, len(was))
		for i, w := range was {
			l.Lines[i] = StockingLine{SKU: w.SKU, Qty: w.Qty}
			for _, r := range read {
				if r.SKU == w.SKU {
					l.Lines[i].Windows = r.Windows
				}
			}
		}
	}
	if len(l.Lines) == 0 {
		return l, false, nil
	}
	sort.Slice(l.Lines, func(i, j int) bool { return l.Lines[i].SKU < l.Lines[j].SKU })
	if err := s.price(db, &l, now); err != nil {
		return l, false, err
	}
	if err := s.sent(db, &l); err != nil {
		return l, false, err
	}
	if offered != nil {
		// What the planned order is promised (Place): as offered.
		l.PromisedAt = offered.PromisedAt
	}
	if l.Address == "" {
		var last []string
		if err := db.Model(&model.Order{}).Where("customer_id = ? AND address <> ''", cu.ID).Order("created_at DESC").Limit(1).Pluck("address", &last).Error; err != nil {
			return l, false, err
		}
		if len(last) == 1 {
			l.Address = last[0]
		}
	}
	return l, true, nil
}

// median of positive quantities, the upper middle for an even count
// (never proposes less than a typical window took).
func median(q []int64) int64 {
	slices.Sort(q)
	return q[len(q)/2]
}

// price fills names, prices, today's availability, the value and a
// promise the warehouse can meet.
func (s *Stocking) price(db *gorm.DB, l *StockingList, now time.Time) error {
	skus := make([]string, len(l.Lines))
	for i, ln := range l.Lines {
		skus[i] = ln.SKU
	}
	var ps []model.Product
	if err := db.Where("sku IN ?", skus).Find(&ps).Error; err != nil {
		return err
	}
	var avail []struct {
		ProductID uint64
		N         int64
	}
	ids := make([]uint64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	if len(ids) > 0 {
		if err := db.Model(&model.Stock{}).Select("product_id, SUM(on_hand - locked) AS n").Where("product_id IN ?", ids).
			Group("product_id").Scan(&avail).Error; err != nil {
			return err
		}
	}
	short := false
	kept := l.Lines[:0]
	for _, ln := range l.Lines {
		i := slices.IndexFunc(ps, func(p model.Product) bool { return p.SKU == ln.SKU })
		if i < 0 || !ps[i].Active {
			continue // retired since: not proposed
		}
		ln.Name, ln.Unit, ln.PriceFen = ps[i].Name, ps[i].Unit, ps[i].PriceFen
		for _, a := range avail {
			if a.ProductID == ps[i].ID {
				ln.Available = a.N
			}
		}
		ln.Short = ln.Available < ln.Qty
		short = short || ln.Short
		l.ValueFen += ln.Qty * ln.PriceFen
		kept = append(kept, ln)
	}
	l.Lines = kept
	if !short {
		// The evening before the window, so the goods are there when
		// the busy days start; later only if the stages cannot make it.
		p := l.From.Add(-6 * time.Hour).UTC()
		var wh uint64
		if l.warehouseID != nil {
			wh = *l.warehouseID
		}
		if earliest := s.pipe.Estimate(s.pipe.First().Key, wh, now, now); earliest.After(p) {
			p = earliest.UTC()
		}
		l.PromisedAt = &p
	}
	return nil
}

// upcoming is the customer's list already offered (sent, or ordered from
// the mini-program) for a window that is not over on today; nil if none.
func (s *Stocking) upcoming(db *gorm.DB, customerID uint64, today time.Time) (*model.StockingSend, error) {
	var rows []model.StockingSend
	since := today.AddDate(0, 0, -(ClusterSpan - 1)).Format(time.DateOnly)
	if err := db.Where("customer_id = ? AND window >= ?", customerID, since).Order("window").Limit(1).Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// sent fills when the list was sent and the order placed from it.
func (s *Stocking) sent(db *gorm.DB, l *StockingList) error {
	var rows []model.StockingSend
	if err := db.Where("customer_id = ? AND window = ?", l.CustomerID, l.From.Format(time.DateOnly)).Limit(1).Find(&rows).Error; err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	at := rows[0].SentAt.UTC()
	l.SentAt = &at
	if rows[0].OrderID != nil {
		l.OrderNo = orderNoOf(db, *rows[0].OrderID)
	}
	return nil
}

// stockingLine is a line as the list was sent.
type stockingLine struct {
	SKU      string `json:"sku"`
	Name     string `json:"name"`
	Qty      int64  `json:"qty"`
	PriceFen int64  `json:"price_fen"`
}

func linesJSON(ls []StockingLine) string {
	out := make([]stockingLine, len(ls))
	for i, l := range ls {
		out[i] = stockingLine{SKU: l.SKU, Name: l.Name, Qty: l.Qty, PriceFen: l.PriceFen}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func (l StockingList) window() string { return l.From.Format(time.DateOnly) }

func (l StockingList) title() string {
	return fmt.Sprintf("%s 月度备货清单（%s–%s）", l.Name, l.From.Format("1月2日"), l.To.Format("1月2日"))
}
