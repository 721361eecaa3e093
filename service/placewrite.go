package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// Writing a decided batch: under contention with locks, as one
// transaction (or one script on MySQL), the ids numbered ahead.

func (o *Orders) placeContended(ctx context.Context, batch []*placeReq, data batchData) error {
	dupRetried := false
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
		err := o.writeBatch(ctx, batch, data, contended)
		release()
		var stale errStale
		if errors.As(err, &stale) && attempt < 8 {
			continue
		}
		if isDuplicate(err) && !dupRetried {
			// Once more, from a fresh block of order ids (writeBatch
			// dropped the one in hand); a key another request committed
			// meanwhile fails again, and the caller replays it.
			dupRetried = true
			continue
		}
		return err
	}
}

// writeBatch runs one attempt at writing the batch's orders and locking
// their stock, in one transaction: orders, lines, allocations, transfers,
// ledger rows, timelines and idempotency keys commit together or not at
// all. Orders refused for stock get their ShortError and write nothing.
// Optimistic (contended false), the plan uses the stock loaded with the
// batch; contended, the stock rows are read again under FOR UPDATE.
func (o *Orders) writeBatch(ctx context.Context, batch []*placeReq, data batchData, contended bool) error {
	var dec batchDecision
	var rows batchRows
	var err error
	if !contended && model.IsMySQL(o.db) {
		dec, rows, err = o.writeBatchScript(ctx, batch, data)
	} else {
		err = inTx(ctx, o.db, func(tx *gorm.DB) error {
			now := o.clock()
			world := data
			if contended {
				var ids []uint64
				for _, r := range batch {
					for _, l := range r.lines {
						ids = append(ids, l.product.ID)
					}
				}
				world.stocks = nil
				if err := forUpdate(tx.Where("product_id IN ?", ids).Order("id")).Find(&world.stocks).Error; err != nil {
					return err
				}
			}
			var err error
			if dec, err = o.decide(tx, batch, world, now); err != nil || len(dec.placed) == 0 {
				return err
			}
			if err := o.numberAhead(ctx, dec); err != nil {
				return err
			}
			rows, err = applyBatch(tx, dec, o.loc, now)
			return err
		})
	}
	for _, r := range batch {
		r.err, r.created = nil, false
	}
	if isDuplicate(err) {
		// Perhaps an order id of the block in hand was taken by an
		// order inserted without one (orderids.go).
		o.ids.drop()
	}
	if err != nil {
		return err
	}
	for i, short := range dec.short {
		if short != nil {
			batch[i].err = &ShortError{Lines: short}
		}
	}
	for i, d := range assembleDetails(dec.placed, rows) {
		r := dec.placed[i].req
		r.d, r.created = d, true
		o.m.TransfersCreated.Add(float64(len(d.Transfers)))
		o.m.StageChanges.WithLabelValues(d.Order.Stage).Inc()
	}
	return nil
}

// writeBatchScript is writeBatch's optimistic attempt on MySQL and
// MariaDB: decided as in a transaction, applied by applyBatchScript, and
// run again on a deadlock or lock timeout as inTx would.
func (o *Orders) writeBatchScript(ctx context.Context, batch []*placeReq, data batchData) (dec batchDecision, rows batchRows, err error) {
	if pendingOf(ctx) != nil {
		// As inTx: a placement never finishes a chat message.
		return dec, rows, errUnfinished
	}
	for attempt := 0; attempt < 5; attempt++ {
		now := o.clock()
		if dec, err = o.decide(o.db.WithContext(ctx), batch, data, now); err != nil || len(dec.placed) == 0 {
			return dec, rows, err
		}
		if err = o.numberAhead(ctx, dec); err != nil {
			return dec, rows, err
		}
		err = model.InScript(ctx, o.db, func(s *model.Script) (err error) {
			rows, err = applyBatchScript(s, o.db, dec, now)
			return err
		})
		if !model.Retryable(err) {
			return dec, rows, err
		}
		select {
		case <-ctx.Done():
			return dec, rows, ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
	return dec, rows, err
}

// decide settles which of batch's orders fit world's stock and who owns
// each. Owners are spread over the role's holders, fewest open orders
// first (assign.go): counted per process, so chosen here, for the accepted
// orders only; db reads the counts when they are due.
func (o *Orders) decide(db *gorm.DB, batch []*placeReq, world batchData, now time.Time) (batchDecision, error) {
	first := o.pipe.First()
	dec := decideBatch(batch, world, first, nil, now)
	closed := []string{o.pipe.Last().Key, StageCancelled}
	for i := range dec.placed {
		p := &dec.placed[i]
		// The first stage's clock counts the order's warehouse's hours.
		p.order.StageDueAt = o.pipe.Due(first.Key, p.order.WarehouseID, now)
		owner, err := o.owners.pick(db, world.owners, p.req.primary, closed, now)
		if err != nil {
			return dec, err
		}
		p.owner, p.order.OwnerStaffID = owner, nil
		if owner != nil {
			p.order.OwnerStaffID = &owner.ID
		}
	}
	return dec, nil
}

// numberAhead gives the batch's orders their ids and numbers before they
// are written, on MySQL and MariaDB (orderids.go). On SQLite, one process
// writing, they get them from the INSERT and an UPDATE after it.
func (o *Orders) numberAhead(ctx context.Context, dec batchDecision) error {
	if !model.IsMySQL(o.db) {
		return nil
	}
	ids, err := o.ids.take(ctx, o.db, len(dec.placed))
	if err != nil {
		return err
	}
	for i := range dec.placed {
		ord := &dec.placed[i].order
		ord.ID, ord.No = ids[i], OrderNo(ord.CreatedAt.In(o.loc), ids[i])
	}
	return nil
}

// applyBatch writes what decideBatch settled: the orders (numbered from
// their ids), their transfers, then every row hanging off them, one
// multi-row INSERT per table, and last the conditional UPDATEs, so a hot
// stock row stays locked only from its UPDATE to the COMMIT. It gives the
// placements their ids.
func applyBatch(tx *gorm.DB, dec batchDecision, loc *time.Location, now time.Time) (batchRows, error) {
	numberedAhead := dec.placed[0].order.ID != 0 // numberAhead, on MySQL
	orders := unnumbered(dec)
	per := rowsPerInsert(tx)
	if err := tx.Omit("Lines").CreateInBatches(&orders, per).Error; err != nil {
		return batchRows{}, err
	}
	for at := 0; at < len(orders) && !numberedAhead; at += per {
		if err := numberOrders(tx, orders[at:min(at+per, len(orders))], loc); err != nil {
			return batchRows{}, err
		}
	}
	if transfers := withOrders(dec, orders); len(transfers) > 0 {
		if err := tx.CreateInBatches(&transfers, per).Error; err != nil {
			return batchRows{}, err
		}
		withTransfers(dec, transfers)
	}
	rows := childRows(dec.placed, now)
	for _, table := range []any{&rows.lines, &rows.allocs, &rows.moves, &rows.events} {
		if err := tx.CreateInBatches(table, per).Error; err != nil {
			return rows, err
		}
	}
	if len(rows.keys) > 0 {
		// A key another request committed meanwhile fails the batch
		// here; placed one by one, that request then replays.
		if err := tx.CreateInBatches(&rows.keys, per).Error; err != nil {
			return rows, err
		}
	}
	// Last, so the hot stock rows stay locked only until the commit.
	return rows, lockStock(tx, dec.locks)
}

// applyBatchScript writes what applyBatch writes, on MySQL and MariaDB, in
// two round trips instead of about ten (model.Script): the orders arrive
// numbered (numberAhead), so BEGIN, their INSERT, every row hanging off
// them and the conditional stock UPDATEs go as one multi-statement, then
// COMMIT — or ROLLBACK when a stock UPDATE changed fewer rows than it must
// (errStale, as in lockStock). Orders with transfers take one more round
// trip, for the transfers' ids.
func applyBatchScript(s *model.Script, db *gorm.DB, dec batchDecision, now time.Time) (batchRows, error) {
	orders := unnumbered(dec)
	per := rowsPerInsert(db)
	ins, err := model.InsertStmts(db, &orders, per)
	if err != nil {
		return batchRows{}, err
	}
	var stmts []countedStmt
	for k, st := range ins {
		stmts = append(stmts, countedStmt{Stmt: st, want: int64(min(per, len(orders)-k*per))})
	}
	if transfers := withOrders(dec, orders); len(transfers) > 0 {
		if _, err := s.Exec(plainStmts(stmts)...); err != nil {
			return batchRows{}, err
		}
		stmts = nil
		if err := scriptInsert(s, db, &transfers, per, func(i int, id uint64) { transfers[i].ID = id }); err != nil {
			return batchRows{}, err
		}
		withTransfers(dec, transfers)
	}
	rows := childRows(dec.placed, now)
	for _, table := range []any{&rows.lines, &rows.allocs, &rows.moves, &rows.events, &rows.keys} {
		ins, err := model.InsertStmts(db, table, per)
		if err != nil {
			return rows, err
		}
		for _, st := range ins {
			stmts = append(stmts, countedStmt{Stmt: st, want: -1})
		}
	}
	// Last, so the hot stock rows stay locked only until the commit.
	locks := stockLocks(db, dec.locks)
	stmts = append(stmts, locks...)
	res, err := s.Exec(plainStmts(stmts)...)
	if err != nil {
		return rows, err
	}
	for i, st := range stmts {
		if st.want < 0 || res[i].RowsAffected == st.want {
			continue
		}
		if i >= len(stmts)-len(locks) {
			return rows, errStale{}
		}
		return rows, fmt.Errorf("inserting orders: %d of %d rows written", res[i].RowsAffected, st.want)
	}
	return rows, nil
}

func plainStmts(stmts []countedStmt) []model.Stmt {
	plain := make([]model.Stmt, len(stmts))
	for i, st := range stmts {
		plain[i] = st.Stmt
	}
	return plain
}

// scriptInsert inserts rows (a pointer to a slice) in one round trip and
// hands each row its id.
func scriptInsert(s *model.Script, db *gorm.DB, rows any, per int, setID func(i int, id uint64)) error {
	ins, err := model.InsertStmts(db, rows, per)
	if err != nil {
		return err
	}
	res, err := s.Exec(ins...)
	if err != nil {
		return err
	}
	for k, r := range res {
		for i := 0; i < int(r.RowsAffected); i++ {
			setID(k*per+i, uint64(r.InsertID)+uint64(i))
		}
	}
	return nil
}

// unnumbered are the batch's orders ready to insert. The number is
// derived from the id: numbered ahead (MySQL) they have both; otherwise a
// unique placeholder goes in first and the real number right after.
func unnumbered(dec batchDecision) []model.Order {
	orders := make([]model.Order, len(dec.placed))
	for i, p := range dec.placed {
		orders[i] = p.order
		if orders[i].ID == 0 {
			orders[i].No = "tmp-" + randomToken()[:28]
		}
	}
	return orders
}

// withOrders gives the placements their inserted (and numbered) orders
// and returns their transfers, which now know their order.
func withOrders(dec batchDecision, orders []model.Order) []model.Transfer {
	var transfers []model.Transfer
	for i := range dec.placed {
		p := &dec.placed[i]
		p.order = orders[i]
		for j := range p.transfers {
			p.transfers[j].OrderID = p.order.ID
			transfers = append(transfers, p.transfers[j])
		}
	}
	return transfers
}

// withTransfers gives the placements' transfers their inserted ids.
func withTransfers(dec batchDecision, transfers []model.Transfer) {
	k := 0
	for i := range dec.placed {
		for j := range dec.placed[i].transfers {
			dec.placed[i].transfers[j].ID = transfers[k].ID
			k++
		}
	}
}

// rowsPerInsert is how many rows one multi-row INSERT carries. MySQL's
// driver interpolates the arguments, so 500 rows cost little. SQLite's
// driver binds each placeholder by looking through every argument for its
// number, so a statement costs the square of its placeholders: one INSERT
// of a 1,000-order batch (17,000 placeholders) took longer than the rest of
// the batch together and made the batches that queued behind it bigger
// still. 32 rows keep that under a few thousand comparisons per statement.
func rowsPerInsert(tx *gorm.DB) int {
	if model.IsMySQL(tx) {
		return 500
	}
	return 32
}

// numberOrders gives freshly inserted orders their numbers, which come from
// their ids: one UPDATE for all of orders.
func numberOrders(tx *gorm.DB, orders []model.Order, loc *time.Location) error {
	st := numberStmt(orders, loc)
	res := tx.Exec(st.SQL, st.Args...)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != st.want {
		return fmt.Errorf("numbering orders: %d of %d rows updated", res.RowsAffected, st.want)
	}
	return nil
}

// numberStmt sets orders' numbers (OrderNo, from their ids) and numbers
// the structs too.
func numberStmt(orders []model.Order, loc *time.Location) countedStmt {
	var sb, in strings.Builder
	args := make([]any, 0, 3*len(orders))
	sb.WriteString("UPDATE orders SET no = CASE id")
	for i := range orders {
		orders[i].No = OrderNo(orders[i].CreatedAt.In(loc), orders[i].ID)
		sb.WriteString(" WHEN ? THEN ?")
		args = append(args, orders[i].ID, orders[i].No)
		if i > 0 {
			in.WriteString(",")
		}
		in.WriteString("?")
	}
	for i := range orders {
		args = append(args, orders[i].ID)
	}
	sb.WriteString(" END WHERE id IN (" + in.String() + ")")
	return countedStmt{Stmt: model.Stmt{SQL: sb.String(), Args: args}, want: int64(len(orders))}
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
