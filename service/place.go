package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// Orders placed at the same moment in one process are written together:
// one transaction, one multi-row INSERT per table and one conditional
// UPDATE per stock row for the whole batch. Each order is still planned and
// refused on its own (all-or-nothing per order), in arrival order, against
// the stock the orders before it in the batch took. Under load this turns
// a hot SKU's row lock, held from its UPDATE to COMMIT, from one hold per
// order into one hold per batch.

// maxBatchLines bounds one batch, so its multi-row INSERTs stay well under
// the database's placeholder limit.
const maxBatchLines = 2000

// placeReq is one validated order waiting to be placed.
type placeReq struct {
	in     NewOrder
	merged []LineInput

	// Set by resolveBatch.
	cust    model.Customer
	lines   []orderLineReq
	primary uint64
	whOrder []uint64
	ws      []model.Warehouse
	scope   string
	hash    string

	// Set by the batch.
	done    chan struct{}
	d       Detail
	created bool
	err     error
	// replay: another request in the same batch carries the same
	// idempotency key; this one returns that order once it is committed.
	replay bool
}

// placer gathers concurrent placements into batches without a background
// goroutine: the first caller to find no batch running leads one batch,
// and hands on to a new leader if more arrived meanwhile.
type placer struct {
	run     func(ctx context.Context, batch []*placeReq)
	mu      sync.Mutex
	pending []*placeReq
	leading bool
}

func (p *placer) submit(ctx context.Context, r *placeReq) (Detail, bool, error) {
	r.done = make(chan struct{})
	p.mu.Lock()
	p.pending = append(p.pending, r)
	lead := !p.leading
	p.leading = true
	p.mu.Unlock()
	if lead {
		// The batch carries other callers' orders: it must not die with
		// this caller's request.
		p.lead(context.WithoutCancel(ctx))
	}
	select {
	case <-r.done:
		return r.d, r.created, r.err
	case <-ctx.Done():
		// The order may still be placed; a retry with the same
		// Idempotency-Key finds it.
		return Detail{}, false, ctx.Err()
	}
}

// lead runs one batch, then passes the lead on if more orders wait.
func (p *placer) lead(ctx context.Context) {
	p.mu.Lock()
	var batch []*placeReq
	lines := 0
	for len(p.pending) > 0 && (len(batch) == 0 || lines+len(p.pending[0].lines) <= maxBatchLines) {
		lines += len(p.pending[0].lines)
		batch = append(batch, p.pending[0])
		p.pending = p.pending[1:]
	}
	p.mu.Unlock()
	bctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	p.run(bctx, batch)
	cancel()
	for _, r := range batch {
		close(r.done)
	}
	p.mu.Lock()
	more := len(p.pending) > 0
	p.leading = more
	p.mu.Unlock()
	if more {
		go p.lead(ctx)
	}
}

// placeBatch places a batch. First without any lock but the database's:
// the conditional updates suffice whenever stock is plentiful. Only when a
// planned lock no longer fits (another instance took that stock meanwhile)
// is the batch planned again serialised: per-SKU Redis locks across
// instances, and row locks read with FOR UPDATE. A batch that fails for any
// other reason is placed again one order at a time, so one bad order never
// fails the others.
func (o *Orders) placeBatch(ctx context.Context, batch []*placeReq) {
	if err := o.resolveBatch(ctx, batch); err != nil {
		for _, r := range batch {
			r.err = err
		}
		return
	}
	seen := map[string]bool{}
	var work []*placeReq
	for _, r := range batch {
		if r.err != nil || r.replay {
			continue
		}
		if k := r.in.IdempotencyKey; k != "" {
			if seen[r.scope+"\x00"+k] {
				r.replay = true
				continue
			}
			seen[r.scope+"\x00"+k] = true
		}
		work = append(work, r)
	}
	var err error
	if len(work) > 0 {
		err = o.placeContended(ctx, work)
	}
	if err != nil && len(work) > 1 {
		for _, r := range work {
			r.err = o.placeContended(ctx, []*placeReq{r})
		}
	} else if err != nil {
		work[0].err = err
	}
	for _, r := range batch {
		if isDuplicate(r.err) && r.in.IdempotencyKey != "" {
			// A concurrent request with the same key won the race.
			r.replay, r.err = true, nil
		}
		if r.replay {
			r.d, _, r.err = o.replay(ctx, r.scope, r.in.IdempotencyKey, r.hash)
			if r.err == nil && r.d.Order.ID == 0 {
				r.err = errors.New("idempotent replay found no order")
			}
		}
	}
}

// resolveBatch looks up, for every order of the batch at once, its
// customer, its products, the warehouses and whether its idempotency key
// was used before: a handful of queries per batch instead of per order.
// What is unknown becomes that order's error; a key seen before marks it
// for replay.
func (o *Orders) resolveBatch(ctx context.Context, batch []*placeReq) error {
	db := o.db.WithContext(ctx)
	var ids []uint64
	var codes, skus []string
	for _, r := range batch {
		if r.in.CustomerID != 0 {
			ids = append(ids, r.in.CustomerID)
		} else {
			codes = append(codes, strings.ToUpper(strings.TrimSpace(r.in.Customer)))
		}
		for _, l := range r.merged {
			skus = append(skus, l.SKU)
		}
	}
	var custs []model.Customer
	if err := db.Where("id IN ? OR code IN ?", append(ids, 0), append(codes, "")).Find(&custs).Error; err != nil {
		return err
	}
	var products []model.Product
	if err := db.Where("sku IN ?", skus).Find(&products).Error; err != nil {
		return err
	}
	bySKU := make(map[string]model.Product, len(products))
	for _, p := range products {
		bySKU[p.SKU] = p
	}
	ws, err := warehouses(db)
	if err != nil {
		return err
	}
	if len(ws) == 0 {
		return conflict(CodeNoWarehouses, "no warehouse is set up")
	}
	var keys, scopes []string
	for _, r := range batch {
		r.cust = model.Customer{}
		for _, c := range custs {
			if (r.in.CustomerID != 0 && c.ID == r.in.CustomerID) || (r.in.CustomerID == 0 && c.Code == strings.ToUpper(strings.TrimSpace(r.in.Customer))) {
				r.cust = c
			}
		}
		if r.cust.ID == 0 {
			if r.in.CustomerID != 0 {
				r.err = &NotFoundError{What: "customer", Key: strconv.FormatUint(r.in.CustomerID, 10)}
			} else {
				r.err = invalid("customer", CodeUnknownCustomer, "no customer %q", r.in.Customer)
			}
			continue
		}
		// Goods need somewhere to go: the order's address, else the one on
		// file; with neither the order is refused, not left to a keeper
		// to find out at the door.
		if deliveryChannel(r.in.Channel) && orderAddress(r.in.Address, r.cust) == "" {
			r.err = invalid("address", CodeAddressRequired, "is required: the order gives none and customer %s has no address on file", r.cust.Code)
			continue
		}
		r.scope = r.in.Channel + ":" + strconv.FormatUint(r.cust.ID, 10)
		r.hash = requestHash(r.cust.ID, r.merged, r.in)
		r.lines = make([]orderLineReq, 0, len(r.merged))
		var unknown, retired []string
		for _, l := range r.merged {
			p, ok := bySKU[l.SKU]
			if !ok {
				unknown = append(unknown, l.SKU)
				continue
			}
			if !p.Active {
				retired = append(retired, l.SKU)
				continue
			}
			r.lines = append(r.lines, orderLineReq{product: p, qty: l.Qty})
		}
		if len(unknown) > 0 {
			r.err = invalid("lines", CodeUnknownSKU, "unknown SKU %s", strings.Join(unknown, ", "))
			continue
		}
		if len(retired) > 0 {
			r.err = invalid("lines", CodeInactiveSKU, "SKU %s is no longer sold", strings.Join(retired, ", "))
			continue
		}
		r.ws, r.primary = ws, primaryWarehouse(ws, r.cust)
		r.whOrder = warehouseOrder(ws, r.primary)
		if r.in.IdempotencyKey != "" {
			keys = append(keys, r.in.IdempotencyKey)
			scopes = append(scopes, r.scope)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	// Both columns, so the unique (scope, key) index is used: on key alone
	// (the index's second column) the lookup scanned every key ever stored,
	// and each order cost more than the last. The loop below keeps only the
	// exact (scope, key) pairs of this batch.
	var used []model.IdempotencyKey
	if err := db.Where("scope IN ? AND `key` IN ?", scopes, keys).Find(&used).Error; err != nil {
		return err
	}
	for _, r := range batch {
		for _, k := range used {
			if r.err == nil && k.Scope == r.scope && k.Key == r.in.IdempotencyKey {
				r.replay = true
			}
		}
	}
	return nil
}

func (o *Orders) placeContended(ctx context.Context, batch []*placeReq) error {
	for attempt := 0; ; attempt++ {
		contended := attempt > 0
		release := func() {}
		if contended {
			o.m.ReserveRetries.Inc()
			var keys []string
			for _, r := range batch {
				for _, l := range r.lines {
					keys = append(keys, "sku:"+l.product.SKU)
				}
			}
			var held bool
			release, held = o.locker.Lock(ctx, keys)
			if !held {
				o.m.LockFallbacks.Inc()
			}
		}
		err := o.writeBatch(ctx, batch, contended)
		release()
		var stale errStale
		if errors.As(err, &stale) && attempt < 8 {
			continue
		}
		return err
	}
}

// writeBatch runs one attempt at writing the batch's orders and locking
// their stock, in one transaction: orders, lines, allocations, transfers,
// ledger rows, timelines and idempotency keys commit together or not at
// all. Orders refused for stock get their ShortError and write nothing.
func (o *Orders) writeBatch(ctx context.Context, batch []*placeReq, contended bool) error {
	var accepted []*placeReq
	err := inTx(ctx, o.db, func(tx *gorm.DB) error {
		accepted = accepted[:0]
		now := o.clock()
		var ids []uint64
		for _, r := range batch {
			r.err, r.created = nil, false
			for _, l := range r.lines {
				ids = append(ids, l.product.ID)
			}
		}
		var stocks []model.Stock
		q := tx.Where("product_id IN ?", ids).Order("id")
		if contended {
			q = forUpdate(q)
		}
		if err := q.Find(&stocks).Error; err != nil {
			return err
		}
		// Plan each order in turn against what the ones before it left.
		plans := make([]reservation, len(batch))
		var allocs []plannedAlloc
		for i, r := range batch {
			plans[i] = planReservation(r.lines, stocks, r.whOrder)
			if len(plans[i].shortages) > 0 {
				r.err = &ShortError{Lines: plans[i].shortages}
				continue
			}
			for _, a := range plans[i].allocs {
				for j := range stocks {
					if stocks[j].ID == a.stockID {
						stocks[j].Locked += a.qty
					}
				}
			}
			allocs = append(allocs, plans[i].allocs...)
			accepted = append(accepted, r)
		}
		if len(accepted) == 0 {
			return nil
		}

		first := o.pipe.First()
		closed := []string{o.pipe.Last().Key, StageCancelled}
		// Owners are spread over the role's holders, fewest open orders first.
		pick := o.owners.picker(tx, first.OwnerRole, closed, now)
		orders := make([]model.Order, len(accepted))
		for i, r := range accepted {
			owner, err := pick(r.primary)
			if err != nil {
				return err
			}
			// The number is derived from the id: a unique placeholder goes
			// in first and the real number right after.
			orders[i] = model.Order{
				No: "tmp-" + randomToken()[:28], Channel: r.in.Channel, CustomerID: r.cust.ID, WarehouseID: r.primary,
				Address: orderAddress(r.in.Address, r.cust), AddressSource: addressSource(r.in.Address, r.cust), Remark: strings.TrimSpace(r.in.Remark), PromisedAt: utcPtr(r.in.PromisedAt),
				Stage: first.Key, StageEnteredAt: now, StageDueAt: o.pipe.Due(first.Key, now), Fields: "{}", CreatedAt: now, UpdatedAt: now,
			}
			if owner != nil {
				orders[i].OwnerStaffID = &owner.ID
			}
			for _, l := range r.lines {
				orders[i].TotalFen += l.product.PriceFen * l.qty
			}
			r.d = Detail{Customer: r.cust, Owner: owner}
		}
		if err := tx.Omit("Lines").Create(&orders).Error; err != nil {
			return err
		}
		if err := numberOrders(tx, orders, o.loc); err != nil {
			return err
		}

		var lines []model.OrderLine
		var events []model.OrderEvent
		var allocRows []model.Allocation
		var moves []model.StockMovement
		var keys []model.IdempotencyKey
		for i, r := range accepted {
			ord := &orders[i]
			for _, l := range r.lines {
				lines = append(lines, model.OrderLine{OrderID: ord.ID, ProductID: l.product.ID, SKU: l.product.SKU, Name: l.product.Name, Qty: l.qty, PriceFen: l.product.PriceFen})
			}
			events = append(events, model.OrderEvent{OrderID: ord.ID, Kind: "created", ToStage: first.Key, Actor: r.in.Actor.Label(), Fields: "{}",
				Note: fmt.Sprintf("%s下单，%d 行", channelName(r.in.Channel), len(r.lines)), CreatedAt: now})
			for _, a := range plans[indexOf(batch, r)].allocs {
				alloc := model.Allocation{OrderID: ord.ID, ProductID: a.productID, WarehouseID: a.warehouseID, Qty: a.qty, State: model.AllocActive, CreatedAt: now, UpdatedAt: now}
				if a.warehouseID != r.primary {
					t, err := o.transfer(tx, ord, a, now)
					if err != nil {
						return err
					}
					r.d.Transfers = append(r.d.Transfers, t)
					alloc.TransferID = &t.ID
					events = append(events, model.OrderEvent{OrderID: ord.ID, Kind: "transfer_created", Actor: System.Label(), Fields: "{}",
						Note: fmt.Sprintf("调拨单 #%d：%s ×%d 从 %s 调往 %s", t.ID, r.lines[a.line].product.SKU, a.qty, whCode(r.ws, a.warehouseID), whCode(r.ws, r.primary)), CreatedAt: now})
				}
				allocRows = append(allocRows, alloc)
				orderID := ord.ID
				moves = append(moves, model.StockMovement{WarehouseID: a.warehouseID, ProductID: a.productID, Kind: model.MoveReserve, DeltaLocked: a.qty,
					OrderID: &orderID, Actor: r.in.Actor.Label(), Reason: ord.No, CreatedAt: now})
			}
			if r.in.IdempotencyKey != "" {
				keys = append(keys, model.IdempotencyKey{Scope: r.scope, Key: r.in.IdempotencyKey, RequestHash: r.hash, OrderID: ord.ID, CreatedAt: now})
			}
		}
		for _, rows := range []any{&lines, &allocRows, &moves, &events} {
			if err := tx.CreateInBatches(rows, 500).Error; err != nil {
				return err
			}
		}
		if len(keys) > 0 {
			// A key another request committed meanwhile fails the batch
			// here; placed one by one, that request then replays.
			if err := tx.Create(&keys).Error; err != nil {
				return err
			}
		}
		// Last, so the hot stock rows stay locked only until the commit.
		if err := lockStock(tx, allocs); err != nil {
			return err
		}
		for i, r := range accepted {
			r.d.Order = orders[i]
			for _, l := range lines {
				if l.OrderID == orders[i].ID {
					r.d.Order.Lines = append(r.d.Order.Lines, l)
				}
			}
			for _, a := range allocRows {
				if a.OrderID == orders[i].ID {
					r.d.Allocations = append(r.d.Allocations, a)
				}
			}
			for _, e := range events {
				if e.OrderID == orders[i].ID {
					r.d.Events = append(r.d.Events, e)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range accepted {
		r.created = true
		r.d = decorate(r.d, r.ws)
		o.m.TransfersCreated.Add(float64(len(r.d.Transfers)))
		o.m.StageChanges.WithLabelValues(r.d.Order.Stage).Inc()
	}
	return nil
}

func indexOf(batch []*placeReq, r *placeReq) int {
	for i, b := range batch {
		if b == r {
			return i
		}
	}
	return -1
}

// numberOrders gives freshly inserted orders their numbers, which come from
// their ids: one UPDATE for the whole batch.
func numberOrders(tx *gorm.DB, orders []model.Order, loc *time.Location) error {
	var sb strings.Builder
	args := make([]any, 0, 2*len(orders)+1)
	ids := make([]uint64, len(orders))
	sb.WriteString("UPDATE orders SET no = CASE id")
	for i := range orders {
		orders[i].No = OrderNo(orders[i].CreatedAt.In(loc), orders[i].ID)
		sb.WriteString(" WHEN ? THEN ?")
		args = append(args, orders[i].ID, orders[i].No)
		ids[i] = orders[i].ID
	}
	sb.WriteString(" END WHERE id IN ?")
	args = append(args, ids)
	res := tx.Exec(sb.String(), args...)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != int64(len(orders)) {
		return fmt.Errorf("numbering orders: %d of %d rows updated", res.RowsAffected, len(orders))
	}
	return nil
}

// transfer creates the work order that brings an allocation made outside
// the order's warehouse to it, assigned to the source warehouse's keeper.
func (o *Orders) transfer(tx *gorm.DB, ord *model.Order, a plannedAlloc, now time.Time) (model.Transfer, error) {
	t := model.Transfer{OrderID: ord.ID, ProductID: a.productID, FromWarehouseID: a.warehouseID, ToWarehouseID: ord.WarehouseID,
		Qty: a.qty, Status: model.TransferPending, CreatedAt: now, UpdatedAt: now}
	keeper, err := staffWithRole(tx, o.pipe.duties.TransferKeeper, a.warehouseID)
	if err != nil {
		return t, err
	}
	if keeper != nil {
		t.AssigneeStaffID = &keeper.ID
	}
	return t, tx.Create(&t).Error
}

// AddressFromCustomer marks an order whose address was taken from its
// customer's address on file (model.Order.AddressSource).
const AddressFromCustomer = "customer"

// deliveryChannel says whether orders from channel are delivered, so need
// an address: the mini-program, the staff API and chat are; a shop's
// channel (a till's 门店自提) may hand goods over the counter.
func deliveryChannel(channel string) bool {
	switch channel {
	case ChannelMiniProgram, ChannelAPI, ChannelWeCom:
		return true
	}
	return false
}

func addressSource(given string, cu model.Customer) string {
	if strings.TrimSpace(given) == "" && cu.Address != "" {
		return AddressFromCustomer
	}
	return ""
}

// orderAddress is the address an order gives, else the customer's address
// on file.
func orderAddress(given string, cu model.Customer) string {
	if a := strings.TrimSpace(given); a != "" {
		return a
	}
	return cu.Address
}
