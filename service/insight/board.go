package insight

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service"
	"orderhub/service/catalog"
	"orderhub/service/kernel"
)

// Clock states of an open order on the board, most urgent first. The board
// colours a row by its first state and writes every state as a word (the
// words are the edge's: web's board).
const (
	StateEscalated = "escalated"        // an escalation level fired for this stage entry
	StateOverdue   = "overdue"          // past its stage's SLA
	StateTicket    = "open_ticket"      // a problem not yet resolved
	StateTransfer  = "waiting_transfer" // stock still on its way from another warehouse
	StateAtRisk    = "at_risk"          // past the at-risk share of its stage's SLA
	StateOnTrack   = "on_track"
)

// Board is the supervisors' view of open orders: the same rows, filters
// and clocks for the page, its live updates and the gauges.
type Board struct {
	db     *gorm.DB
	pipe   *service.Pipeline
	clock  kernel.Clock
	atRisk float64
}

// NewBoard returns a Board. atRisk is the share of a stage's SLA after
// which an order is at risk (0.75).
func NewBoard(db *gorm.DB, pipe *service.Pipeline, clock kernel.Clock, atRisk float64) *Board {
	if db == nil || pipe == nil || clock == nil {
		panic("insight: NewBoard: nil dependency")
	}
	if atRisk <= 0 || atRisk >= 1 {
		atRisk = 0.75
	}
	return &Board{db: db, pipe: pipe, clock: clock, atRisk: atRisk}
}

// AtRisk is the share of a stage's SLA after which an order is at risk.
func (b *Board) AtRisk() float64 { return b.atRisk }

// openStages are the stages an order is still being worked in.
func (b *Board) openStages() []string {
	var keys []string
	last := b.pipe.Last().Key
	for _, s := range b.pipe.Stages() {
		if s.Key != last {
			keys = append(keys, s.Key)
		}
	}
	return keys
}

// BoardFilter narrows the board. Codes and userids match exactly; Q
// searches order number (part), customer code or name (part), SKU and
// tracking number (exact).
type BoardFilter struct {
	Stage, Warehouse, Channel, Customer, Owner string
	Q                                          string
	Page, Size                                 int
}

// Flag is one clock state of an order, as facts the board words.
type Flag struct {
	Key string
	// Level is the escalation level fired (escalated only).
	Level int
	// Unacked: someone has yet to take the problem on (接单), the first
	// thing a supervisor asks (open_ticket only).
	Unacked bool
}

// BoardRow is one open order on the board.
type BoardRow struct {
	service.Summary
	WarehouseCode string
	StageName     string
	// State is the most urgent of Flags; Flags always holds at least one.
	State string
	Flags []Flag
	// Used is the share of the stage's SLA used so far (0 without a clock).
	Used             float64
	Level            int
	PendingTransfers int
	OpenTickets      int
	// Unacked counts the open tickets nobody acknowledged (接单) yet.
	Unacked int
	// LineCount is how many lines the order has.
	LineCount int
}

// StageCount is one stage's counter at the top of the board.
type StageCount struct {
	Stage, Name   string
	Open, Overdue int
}

// BoardPage is one page of the board.
type BoardPage struct {
	Rows     []BoardRow
	Total    int64
	Counters []StageCount
	Page     int
	Size     int
	At       time.Time
}

// Open returns the open orders that pass f, most urgent deadline first,
// with their clock states, and the per-stage counters of the same filter
// (all stages).
func (b *Board) Open(ctx context.Context, f BoardFilter) (BoardPage, error) {
	page, size := kernel.PageBounds(f.Page, f.Size)
	now := b.clock()
	out := BoardPage{Page: page, Size: size, At: now}
	db := b.db.WithContext(ctx)
	q, err := b.filtered(db, f)
	if err != nil {
		return out, err
	}
	// Counters: the filter without its stage.
	var counts []struct {
		Stage   string
		Open    int
		Overdue int
	}
	if err := q.Session(&gorm.Session{}).Select("o.stage AS stage, COUNT(*) AS open, COALESCE(SUM(CASE WHEN o.stage_due_at < ? THEN 1 ELSE 0 END), 0) AS overdue", now).
		Group("o.stage").Scan(&counts).Error; err != nil {
		return out, err
	}
	for _, key := range b.openStages() {
		sc := StageCount{Stage: key, Name: b.pipe.Name(key)}
		for _, c := range counts {
			if c.Stage == key {
				sc.Open, sc.Overdue = c.Open, c.Overdue
			}
		}
		out.Counters = append(out.Counters, sc)
	}
	if f.Stage != "" {
		if !slices.Contains(b.openStages(), f.Stage) {
			return out, kernel.Invalid("stage", kernel.CodeUnknownStage, "没有未完成的阶段 %q；未完成的阶段有 %s", f.Stage, strings.Join(b.openStages(), ", "))
		}
		q = q.Where("o.stage = ?", f.Stage)
		for _, c := range out.Counters {
			if c.Stage == f.Stage {
				out.Total = int64(c.Open)
			}
		}
	} else {
		for _, c := range out.Counters {
			out.Total += int64(c.Open)
		}
	}
	// Most urgent first: the earliest stage deadline, orders without one
	// last, then the oldest.
	var orders []model.Order
	if err := q.Select("o.*").Order("CASE WHEN o.stage_due_at IS NULL THEN 1 ELSE 0 END, o.stage_due_at, o.id").
		Offset((page - 1) * size).Limit(size).Scan(&orders).Error; err != nil {
		return out, err
	}
	out.Rows, err = b.rows(db, orders, now)
	return out, err
}

// filtered is the open orders that pass f, but for its stage.
func (b *Board) filtered(db *gorm.DB, f BoardFilter) (*gorm.DB, error) {
	q := db.Table("orders AS o").Where("o.stage IN ?", b.openStages())
	if code := strings.ToUpper(strings.TrimSpace(f.Warehouse)); code != "" {
		var w model.Warehouse
		if err := db.Where("code = ?", code).Take(&w).Error; err != nil {
			return nil, kernel.NotFound(err, "warehouse", code)
		}
		q = q.Where("o.warehouse_id = ?", w.ID)
	}
	if ch := strings.TrimSpace(f.Channel); ch != "" {
		q = q.Where("o.channel = ?", ch)
	}
	if code := strings.ToUpper(strings.TrimSpace(f.Customer)); code != "" {
		var c model.Customer
		if err := db.Where("code = ?", code).Take(&c).Error; err != nil {
			return nil, kernel.NotFound(err, "customer", code)
		}
		q = q.Where("o.customer_id = ?", c.ID)
	}
	if who := strings.TrimSpace(f.Owner); who != "" {
		// A supervisor types the person's name; a link may carry the userid.
		var ss []model.Staff
		if err := db.Where("user_id = ? OR name = ?", who, who).Order("id").Find(&ss).Error; err != nil {
			return nil, err
		}
		var ids []uint64
		for _, s := range ss {
			if s.UserID == who {
				ids = []uint64{s.ID}
				break
			}
			ids = append(ids, s.ID)
		}
		if len(ids) == 0 {
			return nil, &kernel.NotFoundError{What: "staff", Key: who}
		}
		q = q.Where("o.owner_staff_id IN ?", ids)
	}
	if text := strings.TrimSpace(f.Q); text != "" {
		if err := kernel.CheckText("q", text, 64, false); err != nil {
			return nil, err
		}
		// A % or _ typed into the search box acts as a wildcard: harmless
		// in a read-only filter over open orders.
		like := "%" + text + "%"
		up := strings.ToUpper(text)
		q = q.Where(`o.no LIKE ? OR o.tracking_no = ? OR o.customer_id IN (SELECT id FROM customers WHERE code = ? OR name LIKE ?)
			OR o.id IN (SELECT order_id FROM order_lines WHERE sku = ?)`, "%"+up+"%", text, up, like, catalog.NormalizeSKU(text))
	}
	return q, nil
}

// rows decorates orders with their customers, owners, transfers, tickets
// and escalations: one query each for the whole page.
func (b *Board) rows(db *gorm.DB, orders []model.Order, now time.Time) ([]BoardRow, error) {
	if len(orders) == 0 {
		return nil, nil
	}
	var ids, custIDs, staffIDs []uint64
	for _, o := range orders {
		ids = append(ids, o.ID)
		custIDs = append(custIDs, o.CustomerID)
		if o.OwnerStaffID != nil {
			staffIDs = append(staffIDs, *o.OwnerStaffID)
		}
	}
	custs, err := service.CustomersByID(db, custIDs)
	if err != nil {
		return nil, err
	}
	owners := map[uint64]*model.Staff{}
	if len(staffIDs) > 0 {
		var ss []model.Staff
		if err := db.Where("id IN ?", staffIDs).Find(&ss).Error; err != nil {
			return nil, err
		}
		for i := range ss {
			owners[ss[i].ID] = &ss[i]
		}
	}
	ws, err := catalog.Warehouses(db)
	if err != nil {
		return nil, err
	}
	counts := func(table, where string, args ...any) (map[uint64]int, error) {
		var rs []struct {
			OrderID uint64
			N       int
		}
		err := db.Table(table).Select("order_id, COUNT(*) AS n").Where("order_id IN ?", ids).Where(where, args...).Group("order_id").Scan(&rs).Error
		m := map[uint64]int{}
		for _, r := range rs {
			m[r.OrderID] = r.N
		}
		return m, err
	}
	transfers, err := counts("transfers", "status = ?", model.TransferPending)
	if err != nil {
		return nil, err
	}
	tickets, err := counts("tickets", "state IN ?", []string{model.TicketOpen, model.TicketAcknowledged})
	if err != nil {
		return nil, err
	}
	unacked, err := counts("tickets", "state = ?", model.TicketOpen)
	if err != nil {
		return nil, err
	}
	lines, err := counts("order_lines", "1 = 1")
	if err != nil {
		return nil, err
	}
	var alarms []model.Alarm
	if err := db.Select("subject_id, entered_at, level, told").Where("subject = ? AND clock = ? AND subject_id IN ?", model.AlarmOrder, model.ClockStage, ids).
		Find(&alarms).Error; err != nil {
		return nil, err
	}
	out := make([]BoardRow, len(orders))
	for i, o := range orders {
		r := BoardRow{Summary: service.Summary{Order: o, Customer: custs[o.CustomerID]}, WarehouseCode: service.WarehouseCode(ws, o.WarehouseID),
			StageName: b.pipe.Name(o.Stage), PendingTransfers: transfers[o.ID], OpenTickets: tickets[o.ID], Unacked: unacked[o.ID], LineCount: lines[o.ID]}
		if o.OwnerStaffID != nil {
			r.Owner = owners[*o.OwnerStaffID]
		}
		for _, a := range alarms {
			if a.SubjectID == o.ID && a.EnteredAt.Equal(o.StageEnteredAt) {
				for _, t := range service.ToldLevels(a.Told) {
					r.Level = max(r.Level, t.Level)
				}
			}
		}
		b.classify(&r, now)
		out[i] = r
	}
	return out, nil
}

// classify sets a row's clock states from its stage deadline, escalation
// level, transfers and tickets.
func (b *Board) classify(r *BoardRow, now time.Time) {
	o := r.Order
	var flags []Flag
	add := func(key string) { flags = append(flags, Flag{Key: key}) }
	if r.Level > 0 {
		flags = append(flags, Flag{Key: StateEscalated, Level: r.Level})
	}
	atRisk := false
	if o.StageDueAt != nil {
		// Shares of working time: the night a stage waits through uses
		// none of its clock, as the escalation counts it.
		total := b.pipe.Counted(o.Stage, o.WarehouseID, o.StageEnteredAt, *o.StageDueAt)
		if total > 0 {
			r.Used = float64(b.pipe.Counted(o.Stage, o.WarehouseID, o.StageEnteredAt, now)) / float64(total)
		}
		if now.After(*o.StageDueAt) {
			add(StateOverdue)
		} else if r.Used >= b.atRisk {
			atRisk = true
		}
	}
	if r.OpenTickets > 0 {
		flags = append(flags, Flag{Key: StateTicket, Unacked: r.Unacked > 0})
	}
	if r.PendingTransfers > 0 {
		add(StateTransfer)
	}
	if atRisk {
		add(StateAtRisk)
	}
	if len(flags) == 0 {
		add(StateOnTrack)
	}
	r.Flags, r.State = flags, flags[0].Key
}

// gauges serves the board's current values to Prometheus, read from the
// database at each scrape so that every instance reports the same truth.
type gauges struct {
	b                          *Board
	open, overdue, openTickets *prometheus.Desc
}

// Collector returns the board gauges: open orders per stage, overdue open
// orders, open tickets.
func (b *Board) Collector() prometheus.Collector {
	return &gauges{b: b,
		open:        prometheus.NewDesc("orderhub_open_orders", "Open orders per stage, now.", []string{"stage"}, nil),
		overdue:     prometheus.NewDesc("orderhub_overdue_orders", "Open orders past their stage SLA, now.", nil, nil),
		openTickets: prometheus.NewDesc("orderhub_open_tickets", "Tickets not resolved or closed, now.", nil, nil),
	}
}

func (g *gauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- g.open
	ch <- g.overdue
	ch <- g.openTickets
}

func (g *gauges) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	db := g.b.db.WithContext(ctx)
	now := g.b.clock()
	var counts []struct {
		Stage         string
		Open, Overdue int
	}
	if err := db.Table("orders").Select("stage, COUNT(*) AS open, COALESCE(SUM(CASE WHEN stage_due_at < ? THEN 1 ELSE 0 END), 0) AS overdue", now).
		Where("stage IN ?", g.b.openStages()).Group("stage").Scan(&counts).Error; err != nil {
		ch <- prometheus.NewInvalidMetric(g.open, err)
		return
	}
	overdue := 0
	for _, key := range g.b.openStages() {
		n := 0
		for _, c := range counts {
			if c.Stage == key {
				n = c.Open
				overdue += c.Overdue
			}
		}
		ch <- prometheus.MustNewConstMetric(g.open, prometheus.GaugeValue, float64(n), key)
	}
	ch <- prometheus.MustNewConstMetric(g.overdue, prometheus.GaugeValue, float64(overdue))
	var tickets int64
	if err := db.Model(&model.Ticket{}).Where("state IN ?", []string{model.TicketOpen, model.TicketAcknowledged}).Count(&tickets).Error; err != nil {
		ch <- prometheus.NewInvalidMetric(g.openTickets, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(g.openTickets, prometheus.GaugeValue, float64(tickets))
}
