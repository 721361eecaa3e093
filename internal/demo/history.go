// Package demo seeds the embedded demo: the company and, in history.go,
// ninety days of past orders, so that the board and its charts tell a story
// on first start.
package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"orderhub/model"
	"orderhub/service"
	"orderhub/service/catalog"
)

// History seeds past orders as the services would have recorded them:
// orders, lines, timeline, tickets, transfers and delay notices of orders
// long delivered or cancelled (so they hold no stock), written in bulk,
// plus today's open orders placed and moved through the real services.
type History struct {
	db      *gorm.DB
	catalog *catalog.Catalog
	orders  *service.Orders
	tickets *service.Tickets
	clock   service.Clock
	loc     *time.Location
}

// NewHistory returns a History seeder.
func NewHistory(db *gorm.DB, cat *catalog.Catalog, orders *service.Orders, tickets *service.Tickets, clock service.Clock, loc *time.Location) *History {
	if db == nil || cat == nil || orders == nil || tickets == nil || clock == nil || loc == nil {
		panic("demo: NewHistory: nil dependency")
	}
	return &History{db: db, catalog: cat, orders: orders, tickets: tickets, clock: clock, loc: loc}
}

// Report says what was seeded.
type Report struct {
	Orders, Lines, Events, Tickets, Transfers, Open int
}

// historyCustomers join the demo company's four; the first three order in
// a cluster of days each month, mostly urgent, as some real customers do.
var historyCustomers = []catalog.CustomerInput{
	{Code: "C101", Name: "昆山永固建材有限公司", Contact: "沈强", Phone: "13900000101", Region: "苏州", Warehouse: "SZ"},
	{Code: "C102", Name: "嘉兴宏盛管道工程", Contact: "陆平", Phone: "13900000102", Region: "杭州", Warehouse: "HZ"},
	{Code: "C103", Name: "上海申通机电维修站", Contact: "顾斌", Phone: "13900000103", Region: "上海", Warehouse: "SH"},
	{Code: "C104", Name: "无锡华明不锈钢制品", Contact: "蒋涛", Phone: "13900000104", Region: "苏州", Warehouse: "SZ"},
	{Code: "C105", Name: "宁波港城五金批发部", Contact: "汪洁", Phone: "13900000105", Region: "杭州"},
	{Code: "C106", Name: "常州金鼎装饰材料", Contact: "钱进", Phone: "13900000106", Region: "苏州"},
	{Code: "C107", Name: "上海浦江物业维修中心", Contact: "朱丽", Phone: "13900000107", Region: "上海", Warehouse: "SH"},
	{Code: "C108", Name: "绍兴柯桥纺机配件行", Contact: "胡军", Phone: "13900000108", Region: "杭州", Warehouse: "HZ"},
	{Code: "C109", Name: "南通海安钢构公司", Contact: "马超", Phone: "13900000109", Region: "南京"},
	{Code: "C110", Name: "杭州西溪酒店工程部", Contact: "叶青", Phone: "13900000110", Region: "杭州", Warehouse: "HZ"},
	{Code: "C111", Name: "合肥新站机械厂", Contact: "彭飞", Phone: "13900000111", Region: "南京"},
	{Code: "C112", Name: "上海闵行精密模具", Contact: "邓辉", Phone: "13900000112", Region: "上海", Warehouse: "SH"},
}

// clusters are the customers whose orders bunch on certain days of the
// month (22nd–25th, 1st–3rd, 14th–16th).
var clusters = map[string][2]int{"C101": {22, 25}, "C102": {1, 3}, "C103": {14, 16}}

// usual are the SKUs a clustered customer orders in its window, as such a
// customer does: a builder's anchors and bolts, not the whole catalogue.
// The stocking list (service/stocking.go) proposes them.
var usual = map[string][]string{
	"C101": {"ANCHOR-M10", "BOLT-M12-50", "NUT-M12-LOCK", "WASHER-M10-SPR"},
	"C102": {"FM-SS-80", "FM-DISC-100", "SCREW-M5-12-HEX"},
	"C103": {"BOLT-M8-30", "NUT-M8", "WASHER-M8"},
}

// remarks are what buyers write again and again; the empty ones weigh in
// as orders without a remark.
var remarks = []string{
	"", "", "", "", "", "", "",
	"外箱加防潮膜，禁用胶带封口", "请加防潮膜", "禁用胶带，用打包带", "送货前电话联系仓库收货员", "工作日白天送货，周末不收",
	"木托打包，叉车卸货", "单独包装并贴标签", "加急，产线停工待料", "发票随货", "送到二号门卸货平台", "防潮膜包好，雨天不送",
	"需要质检报告", "分两次送货也可以", "请核对规格后再发", "急用，请优先安排",
}

var cancelReasons = []string{"客户改单", "客户改单", "重复下单", "缺货取消", "价格异议"}

// ticketKinds are the problems history records, with their descriptions.
var ticketKinds = []struct {
	kind, desc string
}{
	{model.TicketCustomerProblem, "【少发】少了一盒"},
	{model.TicketCustomerProblem, "【破损】外箱压坏"},
	{model.TicketCustomerProblem, "【错发】规格发错了"},
	{model.TicketCustomerProblem, "【延迟】还没到货"},
	{model.TicketStaffProblem, "货架实物与系统不符"},
	{model.TicketStaffProblem, "包装材料不够"},
}

// Seed writes days of history ending yesterday, and today's open orders.
// It runs once, on an empty history (the demo's own seed just ran).
func (h *History) Seed(ctx context.Context, days int) (Report, error) {
	var rep Report
	db := h.db.WithContext(ctx)
	for _, c := range historyCustomers {
		if _, err := h.catalog.CreateCustomer(ctx, c); err != nil {
			return rep, fmt.Errorf("demo history customer %s: %w", c.Code, err)
		}
	}
	var customers []model.Customer
	var products []model.Product
	var warehouses []model.Warehouse
	var staff []model.Staff
	if err := db.Order("id").Find(&customers).Error; err != nil {
		return rep, err
	}
	if err := db.Order("id").Find(&products).Error; err != nil {
		return rep, err
	}
	if err := db.Order("priority DESC").Find(&warehouses).Error; err != nil {
		return rep, err
	}
	if err := db.Order("id").Find(&staff).Error; err != nil {
		return rep, err
	}
	if len(customers) == 0 || len(products) == 0 || len(warehouses) < 2 {
		return rep, fmt.Errorf("demo history: seed the demo company first")
	}
	g := &gen{h: h, rng: rand.New(rand.NewPCG(11, 2026)), customers: customers, products: products, warehouses: warehouses, staff: staff, now: h.clock()}
	today := h.clock().In(h.loc)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, h.loc)
	// Today's open orders first, so the board is alive at once; then the
	// past, newest day first, one transaction a day: short write locks, so
	// a server seeding in the background keeps answering.
	n, err := h.openOrders(ctx, g)
	rep.Open = n
	if err != nil {
		return rep, err
	}
	for ago := 1; ago <= days; ago++ {
		b := &batch{}
		g.day(b, today.AddDate(0, 0, -ago), days-ago, days)
		if err := b.write(db, h.loc); err != nil {
			return rep, fmt.Errorf("demo history: %w", err)
		}
		rep.Orders += len(b.orders)
		rep.Lines += len(b.lines)
		rep.Events += len(b.events)
		rep.Tickets += len(b.tickets)
		rep.Transfers += len(b.transfers)
	}
	return rep, nil
}

// gen makes up the history, deterministically (a fixed seed).
type gen struct {
	h          *History
	rng        *rand.Rand
	customers  []model.Customer
	products   []model.Product
	warehouses []model.Warehouse
	staff      []model.Staff
	// now ends the history: nothing in it is dated later.
	now time.Time
}

type batch struct {
	orders    []model.Order
	lines     []model.OrderLine
	events    []model.OrderEvent
	tickets   []model.Ticket
	transfers []model.Transfer
	delays    []model.DelayNotice
	// ticketEvents index the events that name a ticket, in ticket order.
	ticketEvents []int
}

func (b *batch) write(db *gorm.DB, loc *time.Location) error {
	// No hooks or associations to run: plain multi-row INSERTs.
	db = db.Session(&gorm.Session{SkipHooks: true})
	return db.Transaction(func(tx *gorm.DB) error {
		// Number the batch after the highest ids, inside the transaction:
		// SQLite's write lock, and on MySQL the FOR UPDATE next-key lock on
		// the end of the primary key, keep concurrent inserts (a live
		// order, the escalation scanner's ticket) out until commit.
		lock := func(q *gorm.DB) *gorm.DB {
			if model.IsMySQL(tx) {
				return q.Clauses(clause.Locking{Strength: "UPDATE"})
			}
			return q
		}
		var maxOrder, maxTicket uint64
		if err := lock(tx.Model(&model.Order{}).Select("COALESCE(MAX(id), 0)")).Scan(&maxOrder).Error; err != nil {
			return err
		}
		if err := lock(tx.Model(&model.Ticket{}).Select("COALESCE(MAX(id), 0)")).Scan(&maxTicket).Error; err != nil {
			return err
		}
		for i := range b.orders {
			o := &b.orders[i]
			o.ID += maxOrder
			o.No = service.OrderNo(o.CreatedAt.In(loc), o.ID)
		}
		for i := range b.lines {
			b.lines[i].OrderID += maxOrder
		}
		for i := range b.events {
			b.events[i].OrderID += maxOrder
		}
		for i := range b.transfers {
			b.transfers[i].OrderID += maxOrder
		}
		for i := range b.delays {
			b.delays[i].OrderID += maxOrder
		}
		for i := range b.tickets {
			t := &b.tickets[i]
			t.ID += maxTicket
			*t.OrderID += maxOrder
			t.No = service.TicketNo(t.CreatedAt.In(loc), t.ID)
			e := &b.events[b.ticketEvents[i]]
			e.Note = "异常 " + t.No + e.Note
		}
		for _, rows := range []any{&b.orders, &b.lines, &b.events, &b.tickets, &b.transfers, &b.delays} {
			if err := tx.Omit(clause.Associations).CreateInBatches(rows, 400).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// perDay is how many orders the business took on day i of n: rising from
// 86 to 340, as it did, with weekday noise.
func (g *gen) perDay(day time.Time, i, n int) int {
	base := 86 + float64(340-86)*float64(i)/float64(max(n-1, 1))
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		base *= 0.55
	}
	return int(base * (0.9 + 0.2*g.rng.Float64()))
}

func (g *gen) between(a, b time.Duration) time.Duration {
	return a + time.Duration(g.rng.Int64N(int64(b-a)+1))
}

func (g *gen) staffWith(role string) string {
	for _, s := range g.staff {
		if strings.Contains(","+s.Roles+",", ","+role+",") {
			return s.Name + "(" + s.UserID + ")"
		}
	}
	return "系统(system)"
}

// customer picks who orders on day: a clustered customer inside its days,
// else anyone, the big ones more often.
func (g *gen) customer(day time.Time) (model.Customer, bool) {
	for _, c := range g.customers {
		if r, ok := clusters[c.Code]; ok && day.Day() >= r[0] && day.Day() <= r[1] && g.rng.IntN(12) == 0 {
			return c, true
		}
	}
	for {
		c := g.customers[int(math.Pow(g.rng.Float64(), 1.6)*float64(len(g.customers)))]
		if _, ok := clusters[c.Code]; !ok || g.rng.IntN(20) == 0 {
			return c, false
		}
	}
}

// day makes one day's orders: i of n days, on-time share improving as
// orderhub took hold (from about 62% to about 91%).
// product is the catalogue's product with sku, nil if none.
func (g *gen) product(sku string) *model.Product {
	for i := range g.products {
		if g.products[i].SKU == sku {
			return &g.products[i]
		}
	}
	return nil
}

func (g *gen) day(b *batch, day time.Time, i, n int) {
	onTime := 0.62 + 0.29*float64(i)/float64(max(n-1, 1))
	stages := g.h.orders.Pipeline().Stages()
	for k := g.perDay(day, i, n); k > 0; k-- {
		cust, urgent := g.customer(day)
		created := day.Add(g.between(7*time.Hour+30*time.Minute, 20*time.Hour)).UTC()
		// Ids are local to the batch (1, 2, …) until write numbers them.
		id := uint64(len(b.orders) + 1)
		wh := g.warehouses[0].ID
		if cust.WarehouseID != nil {
			wh = *cust.WarehouseID
		}
		channel := []string{service.ChannelMiniProgram, service.ChannelMiniProgram, service.ChannelMiniProgram, service.ChannelWeCom, service.ChannelAPI}[g.rng.IntN(5)]
		remark := remarks[g.rng.IntN(len(remarks))]
		if urgent && g.rng.IntN(3) > 0 {
			remark = "加急，产线停工待料"
		}
		ord := model.Order{ID: id, Channel: channel, CustomerID: cust.ID, WarehouseID: wh,
			Address: cust.Region + "客户收货地址", Remark: remark, Fields: "{}", CreatedAt: created}
		var total int64
		for l := g.rng.IntN(4) + 1; l > 0; l-- {
			p := g.products[g.rng.IntN(len(g.products))]
			if u := usual[cust.Code]; urgent && len(u) > 0 {
				// The same draw picks among their usual SKUs, so the
				// rest of the history is what it was.
				if q := g.product(u[int(p.ID)%len(u)]); q != nil {
					p = *q
				}
			}
			qty := int64(g.rng.IntN(40) + 1)
			b.lines = append(b.lines, model.OrderLine{OrderID: id, ProductID: p.ID, SKU: p.SKU, Name: p.Name, Qty: qty, PriceFen: p.PriceFen})
			total += qty * p.PriceFen
		}
		ord.TotalFen = total
		ev := func(kind, from, to string, at time.Time, actor, note, fields string) {
			b.events = append(b.events, model.OrderEvent{OrderID: id, Kind: kind, FromStage: from, ToStage: to, Actor: actor, Fields: fields, Note: note, CreatedAt: at})
		}
		ev("created", "", stages[0].Key, created, "买家", "", "{}")
		// Promised: 24 h for urgent orders, else 48 h, at a round hour.
		promise := 48 * time.Hour
		if urgent {
			promise = 24 * time.Hour
		}
		promised := created.Add(promise).Truncate(time.Hour)
		// The delivery, by the day's on-time share; then the stages fit
		// in before it.
		var delivered time.Time
		switch r := g.rng.Float64(); {
		case r < onTime:
			delivered = promised.Add(g.between(-2*time.Hour, 2*time.Hour))
		case r < onTime+(1-onTime)*0.8:
			delivered = promised.Add(g.between(2*time.Hour+time.Minute, 30*time.Hour))
		default:
			delivered = promised.Add(-g.between(2*time.Hour+time.Minute, 8*time.Hour))
		}
		if latest := g.now.Add(-10 * time.Minute); delivered.After(latest) {
			// Not delivered yet by now at the usual pace (yesterday's
			// orders are promised for tomorrow): the history holds no open
			// orders (they would hold stock), so these were rush orders,
			// delivered before now in working hours and promised for that
			// delivery, met by the same share as any other day's, so the
			// last days look like the others (no early-delivery dip).
			delivered = created.Add(time.Duration(float64(latest.Sub(created)) * (0.6 + 0.35*g.rng.Float64())))
			// In working hours first, then the promise that delivery met.
			delivered, _ = g.daytime(delivered, created.Add(time.Hour), latest)
			if g.rng.Float64() < onTime {
				promised = delivered.Truncate(time.Hour).Add(time.Hour)
			} else if p := delivered.Add(-g.between(2*time.Hour+time.Minute, 6*time.Hour)).Truncate(time.Hour); p.After(created) {
				promised = p
			} else {
				promised = delivered.Truncate(time.Hour).Add(time.Hour)
			}
		}
		var fits bool
		delivered, fits = g.daytime(delivered, created.Add(time.Hour), g.now.Add(-10*time.Minute))
		// An order placed late last night that no morning delivery before
		// now fits was, in this history, called off by the buyer.
		if cancelled := g.rng.IntN(100) < 3 || !fits; cancelled {
			at := created.Add(g.between(20*time.Minute, 5*time.Hour))
			if latest := g.now.Add(-10 * time.Minute); at.After(latest) {
				at = created.Add(latest.Sub(created) / 2)
			}
			ev("cancelled", stages[0].Key, service.StageCancelled, at, g.staffWith("customer_service"), cancelReasons[g.rng.IntN(len(cancelReasons))], "{}")
			ord.Stage, ord.StageEnteredAt, ord.UpdatedAt = service.StageCancelled, at, at
			b.orders = append(b.orders, ord)
			continue
		}
		// Stage moves: spread the time from placing to delivery over the
		// stages, by their SLA weights, with noise.
		span := delivered.Sub(created)
		var weights []float64
		var sum float64
		// weights[j]: the stay in stages[j], by that stage's SLA.
		for _, s := range stages[:len(stages)-1] {
			w := s.SLA.D().Hours()*(0.4+g.rng.Float64()) + 0.5
			weights = append(weights, w)
			sum += w
		}
		at := created
		fields := map[string]string{}
		for j, s := range stages[1:] {
			from := stages[j].Key
			if j == len(stages)-2 {
				at = delivered
			} else {
				at = at.Add(time.Duration(float64(span) * weights[j] / sum * 0.999))
			}
			given := "{}"
			switch s.Key {
			case "confirmed":
				given = fmt.Sprintf(`{"promised_at":%q}`, promised.Format(time.RFC3339))
			case "qc":
				given = `{"qc_inspector":"刘洋"}`
			case "shipped":
				given = fmt.Sprintf(`{"carrier":"顺丰","tracking_no":"SF%010d","waybill_photo":""}`, id)
				fields["tracking_no"] = fmt.Sprintf("SF%010d", id)
			}
			ev("stage", from, s.Key, at, g.staffWith(stages[j].OwnerRole), "", given)
			if s.Key == "confirmed" && g.rng.IntN(100) < 8 {
				// Stock pulled from another warehouse, received hours later.
				from := g.warehouses[(g.rng.IntN(len(g.warehouses)-1)+1)%len(g.warehouses)].ID
				if from == wh {
					from = g.warehouses[0].ID
				}
				if from != wh {
					recv := at.Add(g.between(90*time.Minute, 9*time.Hour))
					if recv.After(delivered) {
						recv = delivered
					}
					b.transfers = append(b.transfers, model.Transfer{OrderID: id, ProductID: b.lines[len(b.lines)-1].ProductID, FromWarehouseID: from, ToWarehouseID: wh,
						Qty: b.lines[len(b.lines)-1].Qty, Status: model.TransferReceived, ReceivedBy: g.staffWith("keeper"), ReceivedAt: &recv, CreatedAt: at, UpdatedAt: recv})
				}
			}
		}
		if delivered.After(promised.Add(2*time.Hour)) && g.rng.IntN(3) == 0 {
			notice := promised.Add(-g.between(time.Hour, 10*time.Hour))
			if !notice.After(created) {
				notice = created.Add(10 * time.Minute)
			}
			coupon := int64(0)
			if g.rng.IntN(2) == 0 {
				coupon = 2000
			}
			b.delays = append(b.delays, model.DelayNotice{OrderID: id, PromisedAt: promised, ETA: delivered, CouponFen: coupon, CreatedAt: notice})
		}
		if g.rng.IntN(100) < 6 {
			tk := ticketKinds[g.rng.IntN(len(ticketKinds))]
			opened := delivered.Add(g.between(time.Hour, 72*time.Hour))
			if tk.kind == model.TicketStaffProblem {
				opened = created.Add(g.between(30*time.Minute, span/2+time.Minute))
			}
			// Acknowledged within minutes, faster as the team got used to it.
			ackMin := math.Exp(g.rng.NormFloat64()*0.7) * (25 - 15*float64(i)/float64(max(n-1, 1)))
			ack := opened.Add(time.Duration(ackMin * float64(time.Minute)))
			res := ack.Add(g.between(30*time.Minute, 6*time.Hour))
			if !res.After(g.now) { // a problem not reported yet is left out
				oid := id
				b.tickets = append(b.tickets, model.Ticket{ID: uint64(len(b.tickets) + 1), Kind: tk.kind, OrderID: &oid, Reporter: "演示",
					Description: tk.desc, State: model.TicketClosed, Resolution: "已处理", AckAt: &ack, ResolvedAt: &res, ClosedAt: &res, CreatedAt: opened, UpdatedAt: res})
				b.ticketEvents = append(b.ticketEvents, len(b.events))
				ev("ticket", "", "", opened, "演示", "："+tk.desc, "{}")
			}
		}
		last := stages[len(stages)-1].Key
		ord.Stage, ord.StageEnteredAt, ord.PromisedAt, ord.UpdatedAt = last, delivered, &promised, delivered
		ord.Carrier, ord.TrackingNo = "顺丰", fields["tracking_no"]
		b.orders = append(b.orders, ord)
	}
}

// daytime moves a delivery that fell in the small hours (before 06:00
// local) to the evening before or that morning, staying within (lo, hi];
// ok is false when no such time fits. Nobody delivers hardware at 2 a.m.
func (g *gen) daytime(t, lo, hi time.Time) (time.Time, bool) {
	l := t.In(g.h.loc)
	if l.Hour() >= 6 {
		return t, true
	}
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, g.h.loc)
	cands := []time.Time{day.Add(-5*time.Hour + g.between(0, 90*time.Minute)), day.Add(8*time.Hour + g.between(0, 60*time.Minute))}
	for _, c := range cands {
		if c.After(lo) && !c.After(hi) {
			return c.UTC(), true
		}
	}
	return t, false
}

// openOrders places today's orders through the real services (stock
// reserved, transfers made), moves them along, opens a few tickets, and
// then dates them back a few hours so their clocks tell a story: most on
// track, some at risk, some overdue.
func (h *History) openOrders(ctx context.Context, g *gen) (int, error) {
	actor := service.Actor{Kind: service.ActorSystem, ID: "seed", Name: "演示数据"}
	stages := h.orders.Pipeline().Stages()
	n := 0
	for k := 0; k < 36; k++ {
		c := g.customers[g.rng.IntN(len(g.customers))]
		var lines []service.LineInput
		for l := g.rng.IntN(2) + 1; l > 0; l-- {
			lines = append(lines, service.LineInput{SKU: g.products[g.rng.IntN(len(g.products))].SKU, Qty: int64(g.rng.IntN(3) + 1)})
		}
		d, _, err := h.orders.Create(ctx, service.NewOrder{Channel: []string{service.ChannelMiniProgram, service.ChannelWeCom, service.ChannelAPI}[k%3],
			CustomerID: c.ID, Lines: lines, Address: c.Region + "客户收货地址", Remark: remarks[g.rng.IntN(len(remarks))], Actor: actor})
		if err != nil {
			continue // out of stock for this mix: the demo goes on without it
		}
		n++
		// Confirmed as a person would: taking orderhub's proposal, which
		// lands in a delivery slot of the working day, never at night.
		promised := service.ProposedWord
		target := 1 + k%5 // up to 待发货
		for j := 1; j <= target && j < len(stages)-2; j++ {
			f := map[string]string{}
			switch stages[j].Key {
			case "confirmed":
				f["promised_at"] = promised
			case "qc":
				f["qc_inspector"] = "刘洋"
			}
			if _, err := h.orders.Advance(ctx, service.Move{No: d.Order.No, To: stages[j].Key, Fields: f, Actor: service.System}); err != nil {
				break
			}
		}
		if k%7 == 3 {
			desc := []string{"货架实物与系统不符，少 2 盒", "客户来电要求改地址", "包装材料不够"}[k%3]
			if _, err := h.tickets.Open(ctx, service.NewTicket{Kind: model.TicketStaffProblem, OrderNo: d.Order.No, Description: desc, Actor: actor}); err != nil {
				return n, err
			}
		}
		// Back-date: the stage entered some share of its SLA ago.
		var o model.Order
		if err := h.db.WithContext(ctx).Where("id = ?", d.Order.ID).Take(&o).Error; err != nil {
			return n, err
		}
		// A share of the stage's time limit, never all of it: the open
		// work starts on track or at risk, none already overdue, so the
		// first escalation comes a while after start-up (the README says
		// when), not ten within seconds.
		sla := time.Hour
		if st, ok := h.orders.Pipeline().Stage(o.Stage); ok && st.SLA.D() > 0 {
			sla = st.SLA.D()
		}
		shift := time.Duration(float64(sla) * []float64{0.1, 0.3, 0.5, 0.7, 0.75, 0.2, 0.4, 0.6}[k%8])
		upd := map[string]any{"stage_entered_at": o.StageEnteredAt.Add(-shift), "created_at": o.CreatedAt.Add(-shift)}
		if o.StageDueAt != nil {
			upd["stage_due_at"] = o.StageDueAt.Add(-shift)
		}
		if err := h.db.WithContext(ctx).Model(&model.Order{}).Where("id = ?", o.ID).Updates(upd).Error; err != nil {
			return n, err
		}
		var evs []model.OrderEvent
		if err := h.db.WithContext(ctx).Where("order_id = ?", o.ID).Find(&evs).Error; err != nil {
			return n, err
		}
		for _, e := range evs {
			if err := h.db.WithContext(ctx).Model(&model.OrderEvent{}).Where("id = ?", e.ID).Update("created_at", e.CreatedAt.Add(-shift)).Error; err != nil {
				return n, err
			}
		}
	}
	return n, nil
}
