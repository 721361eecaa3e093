package service

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"orderhub/config"
	"orderhub/model"
)

// The decisions of a placement batch, as pure functions: what each order
// is (resolveOrders), which orders fit the stock and what rows they write
// (decideBatch), the rows that hang off an order once it has its id
// (childRows), and what each caller gets back (assembleDetails). The
// database work around them is in place.go: load, then apply.

// batchData is what a batch is decided against, loaded at once for all
// its orders (loadBatch).
type batchData struct {
	custs    []model.Customer
	products []model.Product
	ws       []model.Warehouse // in priority order
	used     []model.IdempotencyKey
	// stocks of the batch's products, in id order: read before the write
	// transaction when planning optimistically, and read again under FOR
	// UPDATE inside it when planning serialised.
	stocks []model.Stock
	// owners and keepers: the active staff holding the first stage's owner
	// role and the transfer keeper role, in id order (ownerLoads.pick and
	// pickStaff choose among them).
	owners, keepers []model.Staff
}

// resolveOrders fills each request's customer, products, warehouses,
// scope and hash from what was loaded, or its error: unknown customer,
// no address, unknown or retired SKU. A key found among used marks the
// request for replay.
func resolveOrders(batch []*placeReq, data batchData) error {
	if len(data.ws) == 0 {
		return Conflict(CodeNoWarehouses, "还没有设置仓库")
	}
	bySKU := make(map[string]model.Product, len(data.products))
	for _, p := range data.products {
		bySKU[p.SKU] = p
	}
	for _, r := range batch {
		r.cust = findCustomer(data.custs, r.in)
		if r.cust.ID == 0 {
			if r.in.CustomerID != 0 {
				r.err = &NotFoundError{What: "customer", Key: strconv.FormatUint(r.in.CustomerID, 10)}
			} else {
				r.err = invalid("customer", CodeUnknownCustomer, "没有客户 %q", r.in.Customer)
			}
			continue
		}
		// Goods need somewhere to go: the order's address, else the one on
		// file; with neither the order is refused, not left to a keeper
		// to find out at the door.
		if deliveryChannel(r.in.Channel) && orderAddress(r.in.Address, r.cust) == "" {
			r.err = invalid("address", CodeAddressRequired, "必填：订单没有地址，客户 %s 也没有登记地址", r.cust.Code)
			continue
		}
		r.scope = keyScope(r.in.Channel, r.cust.ID)
		r.fp = fingerprint{customerID: r.cust.ID, lines: r.merged, in: r.in}
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
			r.err = invalid("lines", CodeUnknownSKU, "没有这个 SKU：%s", strings.Join(unknown, ", "))
			continue
		}
		if len(retired) > 0 {
			r.err = invalid("lines", CodeInactiveSKU, "SKU %s 已停售", strings.Join(retired, ", "))
			continue
		}
		r.ws, r.primary = data.ws, primaryWarehouse(data.ws, r.cust)
		r.whOrder = warehouseOrder(data.ws, r.primary)
		for _, k := range data.used {
			if r.in.IdempotencyKey != "" && k.Scope == r.scope && k.Key == r.in.IdempotencyKey {
				r.replay = true
			}
		}
	}
	return nil
}

func findCustomer(custs []model.Customer, in NewOrder) model.Customer {
	code := strings.ToUpper(strings.TrimSpace(in.Customer))
	for _, c := range custs {
		if (in.CustomerID != 0 && c.ID == in.CustomerID) || (in.CustomerID == 0 && c.Code == code) {
			return c
		}
	}
	return model.Customer{}
}

// keyScope is where an idempotency key is unique: per channel and customer.
func keyScope(channel string, customerID uint64) string {
	return channel + ":" + strconv.FormatUint(customerID, 10)
}

// pickStaff is who holds a role for a warehouse, as staffWithRole answers
// it: the first (by id) of that warehouse, else the first of any; nil if
// nobody holds it. holders are the role's active staff in id order.
func pickStaff(holders []model.Staff, warehouseID uint64) *model.Staff {
	for i := range holders {
		if w := holders[i].WarehouseID; w != nil && *w == warehouseID {
			s := holders[i]
			return &s
		}
	}
	if len(holders) == 0 {
		return nil
	}
	s := holders[0]
	return &s
}

// placement is one accepted order as decided: its rows before they have
// ids.
type placement struct {
	req   *placeReq
	res   reservation
	order model.Order
	// owner is chosen when the batch is applied (ownerLoads counts what
	// this process gave out).
	owner *model.Staff
	// transfers: one per allocation outside the order's warehouse, in the
	// order of res.allocs (transferOf maps an allocation to its transfer).
	transfers  []model.Transfer
	transferOf map[int]int
}

// batchDecision is what a batch will write.
type batchDecision struct {
	placed []placement
	// short[i] is why batch[i] was refused for stock (nil: accepted, or
	// not in play).
	short [][]Shortage
	// locks are every accepted allocation: the conditional UPDATEs.
	locks []plannedAlloc
}

// decideBatch plans each order in turn (arrival order) against the stock
// the orders before it left: an order with any line short is refused
// whole and takes nothing; the others go on. It changes nothing but the
// copy of the stock it was given.
func decideBatch(batch []*placeReq, data batchData, first config.Stage, firstDue *time.Time, now time.Time) batchDecision {
	stocks := append([]model.Stock(nil), data.stocks...)
	at := make(map[uint64]int, len(stocks))
	for i, s := range stocks {
		at[s.ID] = i
	}
	d := batchDecision{short: make([][]Shortage, len(batch))}
	for i, r := range batch {
		res := planReservation(r.lines, stocks, r.whOrder)
		if len(res.shortages) > 0 {
			d.short[i] = res.shortages
			continue
		}
		for _, a := range res.allocs {
			stocks[at[a.stockID]].Locked += a.qty
		}
		d.locks = append(d.locks, res.allocs...)
		p := placement{req: r, res: res, transferOf: map[int]int{}}
		p.order = model.Order{
			Channel: r.in.Channel, CustomerID: r.cust.ID, WarehouseID: r.primary,
			Address: orderAddress(r.in.Address, r.cust), AddressSource: addressSource(r.in.Address, r.cust), Remark: strings.TrimSpace(r.in.Remark), PromisedAt: utcPtr(r.in.PromisedAt),
			Stage: first.Key, StageEnteredAt: now, StageDueAt: firstDue, Fields: "{}", CreatedAt: now, UpdatedAt: now,
		}
		for _, l := range r.lines {
			p.order.TotalFen += l.product.PriceFen * l.qty
		}
		for j, a := range res.allocs {
			if a.warehouseID == r.primary {
				continue
			}
			t := model.Transfer{ProductID: a.productID, FromWarehouseID: a.warehouseID, ToWarehouseID: r.primary,
				Qty: a.qty, Status: model.TransferPending, CreatedAt: now, UpdatedAt: now}
			if k := pickStaff(data.keepers, a.warehouseID); k != nil {
				t.AssigneeStaffID = &k.ID
			}
			p.transferOf[j] = len(p.transfers)
			p.transfers = append(p.transfers, t)
		}
		d.placed = append(d.placed, p)
	}
	return d
}

// batchRows are the rows that hang off the batch's orders.
type batchRows struct {
	lines  []model.OrderLine
	allocs []model.Allocation
	moves  []model.StockMovement
	events []model.OrderEvent
	keys   []model.IdempotencyKey
}

// childRows builds the lines, allocations, ledger rows, timeline events and
// idempotency keys of placed orders whose order and transfer rows already
// have their ids (and numbers).
func childRows(placed []placement, now time.Time) batchRows {
	var b batchRows
	for _, p := range placed {
		r, ord := p.req, &p.order
		for _, l := range r.lines {
			b.lines = append(b.lines, model.OrderLine{OrderID: ord.ID, ProductID: l.product.ID, SKU: l.product.SKU, Name: l.product.Name, Qty: l.qty, PriceFen: l.product.PriceFen})
		}
		b.events = append(b.events, model.OrderEvent{OrderID: ord.ID, Kind: "created", ToStage: ord.Stage, Actor: r.in.Actor.Label(), Fields: "{}",
			Note: fmt.Sprintf("%s下单，%d 行", channelName(r.in.Channel), len(r.lines)), CreatedAt: now})
		for j, a := range p.res.allocs {
			alloc := model.Allocation{OrderID: ord.ID, ProductID: a.productID, WarehouseID: a.warehouseID, Qty: a.qty, State: model.AllocActive, CreatedAt: now, UpdatedAt: now}
			if ti, ok := p.transferOf[j]; ok {
				t := p.transfers[ti]
				transferID := t.ID
				alloc.TransferID = &transferID
				b.events = append(b.events, model.OrderEvent{OrderID: ord.ID, Kind: "transfer_created", Actor: System.Label(), Fields: "{}",
					Note: fmt.Sprintf("调拨单 #%d：%s ×%d 从 %s 调往 %s", t.ID, r.lines[a.line].product.SKU, a.qty, WarehouseCode(r.ws, a.warehouseID), WarehouseCode(r.ws, r.primary)), CreatedAt: now})
			}
			b.allocs = append(b.allocs, alloc)
			orderID := ord.ID
			b.moves = append(b.moves, model.StockMovement{WarehouseID: a.warehouseID, ProductID: a.productID, Kind: model.MoveReserve, DeltaLocked: a.qty,
				OrderID: &orderID, Actor: r.in.Actor.Label(), Reason: ord.No, CreatedAt: now})
		}
		if r.in.IdempotencyKey != "" {
			b.keys = append(b.keys, model.IdempotencyKey{Scope: r.scope, Key: r.in.IdempotencyKey, RequestHash: r.fp.String(), OrderID: ord.ID, CreatedAt: now})
		}
	}
	return b
}

// assembleDetails is what each placed order's caller gets back.
func assembleDetails(placed []placement, b batchRows) []Detail {
	at := make(map[uint64]int, len(placed))
	out := make([]Detail, len(placed))
	for i, p := range placed {
		at[p.order.ID] = i
		out[i] = Detail{Order: p.order, Customer: p.req.cust, Owner: p.owner, Transfers: p.transfers}
	}
	for _, l := range b.lines {
		d := &out[at[l.OrderID]]
		d.Order.Lines = append(d.Order.Lines, l)
	}
	for _, a := range b.allocs {
		d := &out[at[a.OrderID]]
		d.Allocations = append(d.Allocations, a)
	}
	for _, e := range b.events {
		d := &out[at[e.OrderID]]
		d.Events = append(d.Events, e)
	}
	for i, p := range placed {
		out[i] = decorate(out[i], p.req.ws)
	}
	return out
}
