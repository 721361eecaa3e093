package service

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// Practice is one trainee's sandbox: it runs on that trainee's practice
// database, which the same services (Orders, Stock, Transfers, Tickets …)
// run on too. The real database is only ever read, when the sandbox is
// filled: practice cannot change a real row, because nothing built on
// the sandbox holds a handle on the real database that writes.
type Practice struct {
	db     *gorm.DB // the sandbox
	real   *gorm.DB // read only: where the past orders are copied from
	orders *Orders  // on the sandbox
	clock  Clock
	// done is the pipeline's last stage (delivered).
	done string
	// roles are what the trainee holds in the sandbox besides their own:
	// every stage owner's and their leads', and the transfer keeper's, so
	// they can carry an order from the first stage to delivery alone and
	// handle the tickets it raises.
	roles []string
}

// NewPractice returns the sandbox on db, filled from real when it begins;
// orders must run on db.
func NewPractice(db, real *gorm.DB, orders *Orders, clock Clock) *Practice {
	if db == nil || real == nil || orders == nil || clock == nil {
		panic("service: NewPractice: nil dependency")
	}
	if db == real {
		panic("service: NewPractice: the sandbox is the real database")
	}
	pipe := orders.Pipeline()
	var roles []string
	add := func(rs ...string) {
		for _, r := range rs {
			if r != "" && !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
	}
	for _, st := range pipe.Stages() {
		add(st.OwnerRole)
	}
	// And their leads: a ticket opened in practice is assigned to the
	// lead of the stage's role, who is the trainee there too.
	for _, st := range pipe.Stages() {
		if st.OwnerRole != "" {
			add(pipe.Lead(st.OwnerRole))
		}
	}
	add(pipe.Duties().TransferKeeper)
	return &Practice{db: db, real: real, orders: orders, clock: clock, done: pipe.Last().Key, roles: roles}
}

// PracticeStart is what beginning (or resuming) practice did.
type PracticeStart struct {
	// Resumed is true when the sandbox existed: nothing was copied again.
	Resumed bool
	// Orders are the sandbox's order numbers, oldest first.
	Orders []string
}

// Begin makes userID's sandbox ready and marks them practising. A new
// sandbox is given the warehouses, the catalogue, practice stock (what is
// available now, topped up where the copied orders need more), the
// trainee, and n past orders — delivered ones first, newest first — with
// their customers anonymised; the orders are placed through Orders.Create,
// so they reserve practice stock and make transfers as real orders do.
// A sandbox that exists is resumed as it was. A run cut short is finished
// by the next (the orders carry idempotency keys).
func (p *Practice) Begin(ctx context.Context, userID string, n int) (_ PracticeStart, err error) {
	defer wrapOp(&err, "Practice.Begin")
	var s model.PracticeSession
	err = p.db.WithContext(ctx).Where("user_id = ?", userID).Take(&s).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		if err := p.fill(ctx, userID, n); err != nil {
			return PracticeStart{}, err
		}
	case err != nil:
		return PracticeStart{}, err
	}
	resumed := err == nil && s.State != model.PracticeSeeding
	if !resumed {
		if err := p.placeOrders(ctx, userID); err != nil {
			return PracticeStart{}, err
		}
	}
	now := p.clock()
	if err := p.db.WithContext(ctx).Model(&model.PracticeSession{}).Where("user_id = ?", userID).
		Updates(map[string]any{"state": model.PracticeActive, "ended_at": nil, "updated_at": now}).Error; err != nil {
		return PracticeStart{}, err
	}
	var nos []string
	if err := p.db.WithContext(ctx).Model(&model.Order{}).Order("id").Pluck("no", &nos).Error; err != nil {
		return PracticeStart{}, err
	}
	return PracticeStart{Resumed: resumed, Orders: nos}, nil
}

// practiceSource is what a sandbox is filled from: the real rows, read.
type practiceSource struct {
	trainee    model.Staff
	warehouses []model.Warehouse
	products   []model.Product
	stocks     []model.Stock
	orders     []model.Order
	lines      map[uint64][]model.OrderLine
	customers  map[uint64]model.Customer
}

func (p *Practice) read(ctx context.Context, userID string, n int) (src practiceSource, err error) {
	db := p.real.WithContext(ctx)
	if err := db.Where("user_id = ? AND active = ?", userID, true).Take(&src.trainee).Error; err != nil {
		return src, notFound(err, "staff", userID)
	}
	if err := db.Order("id").Find(&src.warehouses).Error; err != nil {
		return src, err
	}
	if err := db.Order("id").Find(&src.products).Error; err != nil {
		return src, err
	}
	if err := db.Order("id").Find(&src.stocks).Error; err != nil {
		return src, err
	}
	// Delivered orders first (their whole story happened), newest first;
	// then any other order not cancelled. An order with a product retired
	// since could not be placed again, so it is passed over.
	active := map[uint64]bool{}
	for _, pr := range src.products {
		active[pr.ID] = pr.Active
	}
	for _, stages := range [][]string{{p.done}, {p.done, StageCancelled}} {
		q := db.Where("stage IN ?", stages)
		if len(stages) > 1 {
			q = db.Where("stage NOT IN ?", stages)
		}
		var cands []model.Order
		if err := q.Order("id DESC").Limit(5 * n).Find(&cands).Error; err != nil {
			return src, err
		}
		if len(cands) == 0 {
			continue
		}
		ids := make([]uint64, len(cands))
		for i, o := range cands {
			ids[i] = o.ID
		}
		var lines []model.OrderLine
		if err := db.Where("order_id IN ?", ids).Find(&lines).Error; err != nil {
			return src, err
		}
		retired := map[uint64]bool{}
		for _, l := range lines {
			if !active[l.ProductID] {
				retired[l.OrderID] = true
			}
		}
		for _, o := range cands {
			if len(src.orders) < n && !retired[o.ID] {
				src.orders = append(src.orders, o)
			}
		}
	}
	if len(src.orders) == 0 {
		return src, Conflict(CodeNoPastOrders, "还没有可以练习的历史订单")
	}
	return src, p.readOrders(ctx, &src)
}

// readOrders loads the lines and customers of src.orders, sorting them
// oldest first, as they happened.
func (p *Practice) readOrders(ctx context.Context, src *practiceSource) error {
	db := p.real.WithContext(ctx)
	// Oldest first, as they happened.
	sort.Slice(src.orders, func(i, j int) bool { return src.orders[i].ID < src.orders[j].ID })
	ids := make([]uint64, len(src.orders))
	custIDs := make([]uint64, len(src.orders))
	for i, o := range src.orders {
		ids[i], custIDs[i] = o.ID, o.CustomerID
	}
	var lines []model.OrderLine
	if err := db.Where("order_id IN ?", ids).Order("id").Find(&lines).Error; err != nil {
		return err
	}
	src.lines = map[uint64][]model.OrderLine{}
	for _, l := range lines {
		src.lines[l.OrderID] = append(src.lines[l.OrderID], l)
	}
	var custs []model.Customer
	if err := db.Where("id IN ?", custIDs).Find(&custs).Error; err != nil {
		return err
	}
	src.customers = map[uint64]model.Customer{}
	for _, c := range custs {
		src.customers[c.ID] = c
	}
	return nil
}

// practiceCode is the sandbox code of the i-th anonymised customer.
func practiceCode(i int) string { return fmt.Sprintf("LX%02d", i+1) }

// fill copies the master data into an empty sandbox, in one transaction
// that ends with the session row (state seeding): a crash before it
// leaves nothing, after it the orders are placed by the next Begin.
func (p *Practice) fill(ctx context.Context, userID string, n int) error {
	src, err := p.read(ctx, userID, n)
	if err != nil {
		return err
	}
	now := p.clock()
	return inTx(ctx, p.db, func(tx *gorm.DB) error {
		roles := SplitRoles(src.trainee.Roles)
		for _, r := range p.roles {
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
		trainee := model.Staff{UserID: src.trainee.UserID, Name: src.trainee.Name, Roles: joinRoles(roles),
			WarehouseID: src.trainee.WarehouseID, Phone: src.trainee.Phone, Active: true, CreatedAt: now}
		if err := tx.Create(&trainee).Error; err != nil {
			return err
		}
		whs := slices.Clone(src.warehouses)
		for i := range whs {
			id := trainee.ID
			whs[i].KeeperStaffID = &id // every keeper's work is the trainee's
		}
		if len(whs) > 0 {
			if err := tx.CreateInBatches(whs, 200).Error; err != nil {
				return err
			}
		}
		if len(src.products) > 0 {
			// gorm leaves a false bool with a default out of the INSERT
			// (and reads the default back into the struct): retired
			// products, noted first, are retired again after it.
			var retired []uint64
			for _, pr := range src.products {
				if !pr.Active {
					retired = append(retired, pr.ID)
				}
			}
			if err := tx.CreateInBatches(slices.Clone(src.products), 500).Error; err != nil {
				return err
			}
			if len(retired) > 0 {
				if err := tx.Model(&model.Product{}).Where("id IN ?", retired).Update("active", false).Error; err != nil {
					return err
				}
			}
		}
		if err := p.fillStock(tx, src, now); err != nil {
			return err
		}
		for i, c := range anonymise(src) {
			c := c
			c.Code = practiceCode(i)
			c.CreatedAt = now
			if err := tx.Create(&c).Error; err != nil {
				return err
			}
		}
		ids := make([]string, len(src.orders))
		for i, o := range src.orders {
			ids[i] = strconv.FormatUint(o.ID, 10)
		}
		return tx.Create(&model.PracticeSession{UserID: userID, Name: src.trainee.Name, State: model.PracticeSeeding,
			Sources: strings.Join(ids, ","), StartedAt: now, UpdatedAt: now}).Error
	})
}

// fillStock gives the sandbox what is available now in each warehouse
// (nothing locked: the real orders holding it are not copied), topped up
// in the order's warehouse where the copied orders need more than there is
// in all warehouses together. Each row has its ledger line, so the
// sandbox's ledger adds up like the real one.
func (p *Practice) fillStock(tx *gorm.DB, src practiceSource, now time.Time) error {
	type key struct{ wh, product uint64 }
	onHand := map[key]int64{}
	total := map[uint64]int64{}
	for _, s := range src.stocks {
		if a := s.OnHand - s.Locked; a > 0 {
			onHand[key{s.WarehouseID, s.ProductID}] = a
			total[s.ProductID] += a
		} else if _, ok := onHand[key{s.WarehouseID, s.ProductID}]; !ok {
			onHand[key{s.WarehouseID, s.ProductID}] = 0 // the row, empty
		}
	}
	need := map[uint64]int64{}
	for _, o := range src.orders {
		for _, l := range src.lines[o.ID] {
			need[l.ProductID] += l.Qty
			if short := need[l.ProductID] - total[l.ProductID]; short > 0 {
				onHand[key{o.WarehouseID, l.ProductID}] += short
				total[l.ProductID] += short
			}
		}
	}
	keys := make([]key, 0, len(onHand))
	for k := range onHand {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].wh != keys[j].wh {
			return keys[i].wh < keys[j].wh
		}
		return keys[i].product < keys[j].product
	})
	stocks := make([]model.Stock, 0, len(keys))
	var moves []model.StockMovement
	for _, k := range keys {
		stocks = append(stocks, model.Stock{WarehouseID: k.wh, ProductID: k.product, OnHand: onHand[k], UpdatedAt: now})
		if onHand[k] > 0 {
			moves = append(moves, model.StockMovement{WarehouseID: k.wh, ProductID: k.product, Kind: model.MoveCount,
				DeltaOnHand: onHand[k], Actor: "practice", Reason: "练习期初库存", CreatedAt: now})
		}
	}
	if len(stocks) > 0 {
		if err := tx.CreateInBatches(stocks, 500).Error; err != nil {
			return err
		}
	}
	if len(moves) > 0 {
		return tx.CreateInBatches(moves, 500).Error
	}
	return nil
}

// anonymise returns the copied orders' customers, one per real customer
// in order of first appearance, with everything that names or reaches a
// real person replaced; region and nearest warehouse are kept, so the
// orders are placed where they were.
func anonymise(src practiceSource) []model.Customer {
	var out []model.Customer
	seen := map[uint64]bool{}
	for _, o := range src.orders {
		if seen[o.CustomerID] {
			continue
		}
		seen[o.CustomerID] = true
		real := src.customers[o.CustomerID]
		i := len(out) + 1
		out = append(out, model.Customer{
			Name: fmt.Sprintf("练习客户%02d", i), Contact: fmt.Sprintf("练习联系人%02d", i), Phone: fmt.Sprintf("000-0000-%04d", i),
			Region: real.Region, WarehouseID: real.WarehouseID, Address: practiceAddress(real.Region, i), Tags: "练习",
		})
	}
	return out
}

func practiceAddress(region string, i int) string {
	return fmt.Sprintf("%s练习路%d号", region, i)
}

// phoneLike are digit runs long enough to be a phone number or an id.
var phoneLike = regexp.MustCompile(`\d{7,}`)

// placeOrders places the copied orders (the real ones the session names)
// in the sandbox, each with the idempotency key of the real order it
// copies, so a second run places none twice.
func (p *Practice) placeOrders(ctx context.Context, userID string) error {
	var s model.PracticeSession
	if err := p.db.WithContext(ctx).Where("user_id = ?", userID).Take(&s).Error; err != nil {
		return err
	}
	var ids []uint64
	for _, f := range strings.Split(s.Sources, ",") {
		if id, err := strconv.ParseUint(f, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	var src practiceSource
	if err := p.real.WithContext(ctx).Where("id IN ?", ids).Find(&src.orders).Error; err != nil {
		return err
	}
	if err := p.readOrders(ctx, &src); err != nil {
		return err
	}
	custs := anonymiseOrder(src)
	actor := Actor{Kind: ActorSystem, ID: "practice", Name: "练习"}
	for i, o := range src.orders {
		lines := make([]LineInput, 0, len(src.lines[o.ID]))
		for _, l := range src.lines[o.ID] {
			lines = append(lines, LineInput{SKU: l.SKU, Qty: l.Qty})
		}
		if len(lines) == 0 {
			continue
		}
		c := slices.Index(custs, o.CustomerID)
		_, _, err := p.orders.Create(ctx, NewOrder{Channel: o.Channel, Customer: practiceCode(c), Lines: lines,
			Address: practiceAddress(src.customers[o.CustomerID].Region, c+1), Remark: phoneLike.ReplaceAllString(o.Remark, "*******"),
			IdempotencyKey: "practice:" + o.No, Actor: actor})
		if isKind(err) {
			// Refused (a customer's warehouse gone, a rule changed since):
			// the sandbox has one order fewer rather than none.
			continue
		}
		if err != nil {
			return fmt.Errorf("practice order %d (from %s): %w", i+1, o.No, err)
		}
	}
	return nil
}

// anonymiseOrder lists the real customer ids in the order anonymise
// numbers them.
func anonymiseOrder(src practiceSource) []uint64 {
	var out []uint64
	for _, o := range src.orders {
		if !slices.Contains(out, o.CustomerID) {
			out = append(out, o.CustomerID)
		}
	}
	return out
}

// Active reports whether userID is practising in this sandbox now.
func (p *Practice) Active(ctx context.Context, userID string) (_ bool, err error) {
	defer wrapOp(&err, "Practice.Active")
	var n int64
	err = p.db.WithContext(ctx).Model(&model.PracticeSession{}).Where("user_id = ? AND state = ?", userID, model.PracticeActive).Count(&n).Error
	return n > 0, err
}

// End marks userID no longer practising; their chat goes to the real
// system again. The sandbox stays, for the mentor and a later 练习.
func (p *Practice) End(ctx context.Context, userID string) (err error) {
	defer wrapOp(&err, "Practice.End")
	now := p.clock()
	res := p.db.WithContext(ctx).Model(&model.PracticeSession{}).Where("user_id = ? AND state = ?", userID, model.PracticeActive).
		Updates(map[string]any{"state": model.PracticeEnded, "ended_at": now, "updated_at": now})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return Conflict(CodeNotPractising, "%s 不在练习中", userID)
	}
	return nil
}

// Refused records a practice command the services refused, for the
// mentor.
func (p *Practice) Refused(ctx context.Context, r model.PracticeRefusal) (err error) {
	defer wrapOp(&err, "Practice.Refused")
	r.ID = 0
	r.Command = trunc(r.Command, 255)
	r.OrderNo = trunc(r.OrderNo, 32)
	r.Code = trunc(r.Code, 64)
	r.Reason = trunc(r.Reason, 500)
	r.CreatedAt = p.clock()
	return p.db.WithContext(ctx).Create(&r).Error
}

// PracticeProgress is how a trainee is doing, for their mentor.
type PracticeProgress struct {
	UserID, Name string
	State        string
	StartedAt    time.Time
	EndedAt      *time.Time
	Orders       []PracticeOrder
	// Done counts the orders delivered.
	Done int
	// Refusals counts every refused command; Recent are the latest few.
	Refusals int
	Recent   []model.PracticeRefusal
}

// PracticeOrder is one sandbox order's state.
type PracticeOrder struct {
	No    string
	Stage string
	Done  bool
	// Took is from the trainee's first action on the order (its first
	// event after it was placed) to its delivery; zero until delivered.
	Took time.Duration
}

// Progress reads the sandbox's session, orders and refusals.
func (p *Practice) Progress(ctx context.Context) (pr PracticeProgress, err error) {
	defer wrapOp(&err, "Practice.Progress")
	db := p.db.WithContext(ctx)
	var s model.PracticeSession
	if err := db.Order("id").Take(&s).Error; err != nil {
		return pr, notFound(err, "practice", "session")
	}
	pr = PracticeProgress{UserID: s.UserID, Name: s.Name, State: s.State, StartedAt: s.StartedAt, EndedAt: s.EndedAt}
	var orders []model.Order
	if err := db.Order("id").Find(&orders).Error; err != nil {
		return pr, err
	}
	var events []model.OrderEvent
	// What placing the order wrote is not the trainee's doing.
	if err := db.Where("kind NOT IN ?", []string{"created", "transfer_created"}).Order("id").Find(&events).Error; err != nil {
		return pr, err
	}
	first := map[uint64]time.Time{}
	delivered := map[uint64]time.Time{}
	for _, e := range events {
		if _, ok := first[e.OrderID]; !ok {
			first[e.OrderID] = e.CreatedAt
		}
		if e.Kind == "stage" && e.ToStage == p.done {
			delivered[e.OrderID] = e.CreatedAt
		}
	}
	for _, o := range orders {
		po := PracticeOrder{No: o.No, Stage: o.Stage, Done: o.Stage == p.done}
		if d, ok := delivered[o.ID]; ok && po.Done {
			po.Took = d.Sub(first[o.ID])
			pr.Done++
		}
		pr.Orders = append(pr.Orders, po)
	}
	var n int64
	if err := db.Model(&model.PracticeRefusal{}).Count(&n).Error; err != nil {
		return pr, err
	}
	pr.Refusals = int(n)
	if err := db.Order("id DESC").Limit(5).Find(&pr.Recent).Error; err != nil {
		return pr, err
	}
	return pr, nil
}
