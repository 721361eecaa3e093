package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// Orders placed at the same moment in one process are written together
// (group commit): one transaction, one multi-row INSERT per table and one
// conditional UPDATE per stock row for the whole batch. Each order is still
// planned and refused on its own (all-or-nothing per order), in arrival
// order, against the stock the orders before it in the batch took. Under
// load this turns a hot SKU's row lock, held from its UPDATE to COMMIT,
// from one hold per order into one hold per batch, and one commit per
// order into one per batch.
//
// A batch runs in three steps: load (every look-up of the batch at once,
// outside any transaction), decide (pure functions, placeplan.go: which
// orders fit and every row they write) and apply (one transaction: the
// INSERTs, then the conditional UPDATEs, then COMMIT).

// maxBatchLines bounds one batch, so its multi-row INSERTs stay well under
// the database's placeholder limit.
const maxBatchLines = 2000

// placeReq is one validated order waiting to be placed.
type placeReq struct {
	in     NewOrder
	merged []LineInput

	// Set by resolveOrders.
	cust    model.Customer
	lines   []orderLineReq
	primary uint64
	whOrder []uint64
	ws      []model.Warehouse
	scope   string
	fp      fingerprint

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
// goroutine: a caller that finds no batch running leads one, and a leader
// hands on to a new leader if more arrived meanwhile. In a flood (flood
// orders or more waiting) a second batch, up to leaders, runs beside it.
type placer struct {
	run     func(ctx context.Context, batch []*placeReq)
	log     *slog.Logger
	mu      sync.Mutex
	pending []*placeReq
	leading int // batches running
	leaders int // at most, at once (leadersFor)
	flood   int // orders waiting that start another batch (floodAt)
}

// leadersFor is how many batches run at once in one process in a flood.
// On MySQL and MariaDB two: while one batch waits on the database, the
// next is read, decided and written up to its stock UPDATE, which waits
// for the hot row only from there to the first batch's COMMIT. Measured
// (docs/benchmarks.md, issue 15 sixth round), two beat one on a hot SKU
// once a batch's fixed cost was small (the reference data kept between
// batches); three made smaller batches, each as slow, for fewer orders a
// second. SQLite writes one transaction at a time whatever the callers
// do: one.
func leadersFor(db *gorm.DB) int {
	if model.IsMySQL(db) {
		return 2
	}
	return 1
}

// floodAt is how many orders must be waiting for a second batch to start.
// Below it the orders wait for the running batch: two batches of a few
// orders each cost the database a quarter more CPU than one of them all
// (1,000 mini-program orders a second, measured), for no shorter answer.
const floodAt = 16

func (p *placer) submit(ctx context.Context, r *placeReq) (Detail, bool, error) {
	r.done = make(chan struct{})
	p.mu.Lock()
	p.pending = append(p.pending, r)
	lead := p.leading == 0 || p.leading < p.leaders && len(p.pending) >= p.flood
	if lead {
		p.leading++
	}
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
	for len(p.pending) > 0 && (len(batch) == 0 || lines+len(p.pending[0].merged) <= maxBatchLines) {
		lines += len(p.pending[0].merged)
		batch = append(batch, p.pending[0])
		p.pending = p.pending[1:]
	}
	p.mu.Unlock()
	bctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	p.runSafely(bctx, batch)
	cancel()
	for _, r := range batch {
		close(r.done)
	}
	p.mu.Lock()
	more := len(p.pending) > 0 && (p.leading == 1 || len(p.pending) >= p.flood)
	if !more {
		p.leading--
	}
	p.mu.Unlock()
	if more {
		go p.lead(ctx)
	}
}

// runSafely runs one batch. A panic in it (a bug) fails the batch's
// orders not placed yet with an error, instead of leaving their callers
// waiting for a leader that died, and with them every order placed after
// (the lead would never pass on). What the batch committed stays
// committed: orders already placed keep their answer.
func (p *placer) runSafely(ctx context.Context, batch []*placeReq) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		p.log.ErrorContext(ctx, "placing orders: panic", "panic", v, "orders", len(batch), "stack", string(debug.Stack()))
		for _, r := range batch {
			if !r.created {
				r.err = fmt.Errorf("placing the order failed (internal error): %v", v)
			}
		}
	}()
	p.run(ctx, batch)
}

// placeBatch places a batch. First without any lock but the database's:
// the conditional updates suffice whenever stock is plentiful. Only when a
// planned lock no longer fits (another batch or instance took that stock
// meanwhile) is the batch planned again serialised: per-SKU Redis locks
// across instances, and row locks read with FOR UPDATE. A batch that fails
// for any other reason (a key another request committed meanwhile, a row
// the database refuses) is placed again one order at a time, so one bad
// order never fails the others.
func (o *Orders) placeBatch(ctx context.Context, batch []*placeReq) {
	data, err := o.loadBatch(ctx, batch)
	if err == nil {
		err = resolveOrders(batch, data)
	}
	if err != nil {
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
	o.placeEach(ctx, work, data)
	for _, r := range batch {
		if isDuplicate(r.err) && r.in.IdempotencyKey != "" {
			// A concurrent request with the same key won the race.
			r.replay, r.err = true, nil
		}
		if r.replay {
			r.d, _, r.err = o.replay(ctx, r.scope, r.in.IdempotencyKey, r.fp)
			if r.err == nil && r.d.Order.ID == 0 {
				r.err = errors.New("idempotent replay found no order")
			}
		}
	}
}

// placeEach writes work as one batch and, if that fails for any reason
// but stock, each order again in a transaction of its own: an order the
// database refuses fails alone, never the orders batched with it.
func (o *Orders) placeEach(ctx context.Context, work []*placeReq, data batchData) {
	if len(work) == 0 {
		return
	}
	err := o.placeContended(ctx, work, data)
	if err == nil {
		return
	}
	if len(work) == 1 {
		work[0].err = err
		return
	}
	o.m.BatchFallbacks.Inc()
	for _, r := range work {
		r.err = o.placeContended(ctx, []*placeReq{r}, data)
	}
}

// loadBatch looks up, for every order of the batch at once, the customers,
// products, warehouses, stock rows, the staff who will be assigned, and
// the idempotency keys used before: together (model.FindAll: one round
// trip on MySQL, at once on SQLite), and outside any transaction (none of it is locked: the conditional UPDATEs check the
// stock, and the unique keys the rest).
func (o *Orders) loadBatch(ctx context.Context, batch []*placeReq) (batchData, error) {
	db := o.db.WithContext(ctx)
	var ids []uint64
	var codes, skus []string
	var scopes, keys []string
	for _, r := range batch {
		if r.in.CustomerID != 0 {
			ids = append(ids, r.in.CustomerID)
			if r.in.IdempotencyKey != "" {
				// The scope is known before the customer is read.
				scopes = append(scopes, keyScope(r.in.Channel, r.in.CustomerID))
				keys = append(keys, r.in.IdempotencyKey)
			}
		} else {
			codes = append(codes, strings.ToUpper(strings.TrimSpace(r.in.Customer)))
		}
		for _, l := range r.merged {
			skus = append(skus, l.SKU)
		}
	}
	// A promotion's flood names the same SKUs and customers again and
	// again: each once is a shorter statement for the database to parse
	// and look up (the keys are unique per order already).
	ids, codes, skus = uniq(ids), uniq(codes), uniq(skus)
	scopes = uniq(scopes)
	// What the cache holds (refcache.go) is used only at the version read
	// first, in the same round trip as the stock and the keys.
	view := o.ref.view(ids, codes, skus, o.clock())
	d := view.data
	var version []model.Counter
	versionOf := model.Lookup{Query: db.Where("name = ?", model.CounterReference), Into: &version}
	lookups := []model.Lookup{
		{Query: db.Where("product_id IN (?)", db.Model(&model.Product{}).Select("id").Where("sku IN ?", skus)).Order("id"), Into: &d.stocks},
	}
	if len(keys) > 0 {
		lookups = append(lookups, model.Lookup{Query: keysOf(db, scopes, keys), Into: &d.used})
	}
	var missed batchData
	lookups = append(lookups, o.refLookups(db, view.ids, view.codes, view.skus, !view.held, &missed)...)
	if model.IsMySQL(db) {
		// One multi-statement: its statements run in order.
		lookups = append([]model.Lookup{versionOf}, lookups...)
	} else if err := model.FindAll(ctx, db, versionOf); err != nil {
		return d, err
	}
	if err := model.FindAll(ctx, db, lookups...); err != nil {
		return d, err
	}
	known := len(version) == 1 // not before schema version 17
	switch {
	case !view.held:
		d.custs, d.products, d.ws, d.owners, d.keepers = missed.custs, missed.products, missed.ws, missed.owners, missed.keepers
		if known {
			o.ref.keep(version[0].Value, true, d, o.clock())
		}
	case known && version[0].Value == view.version:
		d.custs = append(d.custs, missed.custs...)
		d.products = append(d.products, missed.products...)
		o.ref.keep(version[0].Value, false, missed, o.clock())
	default:
		// Changed since the cache was read: everything again, after
		// the version just read.
		var all batchData
		if err := model.FindAll(ctx, db, o.refLookups(db, ids, codes, skus, true, &all)...); err != nil {
			return d, err
		}
		d.custs, d.products, d.ws, d.owners, d.keepers = all.custs, all.products, all.ws, all.owners, all.keepers
		if known {
			o.ref.keep(version[0].Value, true, d, o.clock())
		}
	}
	// Keys of orders naming their customer by code: their scope is known
	// now.
	scopes, keys = scopes[:0], keys[:0]
	for _, r := range batch {
		if r.in.CustomerID == 0 && r.in.IdempotencyKey != "" {
			if c := findCustomer(d.custs, r.in); c.ID != 0 {
				scopes = append(scopes, keyScope(r.in.Channel, c.ID))
				keys = append(keys, r.in.IdempotencyKey)
			}
		}
	}
	return d, usedKeys(db, scopes, keys, &d.used)
}

// refLookups reads the reference rows a batch needs into into: the
// customers by id or code and the products by SKU given, and with all the
// warehouses and the role holders too.
func (o *Orders) refLookups(db *gorm.DB, ids []uint64, codes, skus []string, all bool, into *batchData) []model.Lookup {
	var out []model.Lookup
	if len(ids)+len(codes) > 0 {
		out = append(out, model.Lookup{Query: db.Where("id IN ? OR code IN ?", append(ids, 0), append(codes, "")), Into: &into.custs})
	}
	if len(skus) > 0 {
		out = append(out, model.Lookup{Query: db.Where("sku IN ?", skus), Into: &into.products})
	}
	if all {
		out = append(out,
			model.Lookup{Query: byPriority(db), Into: &into.ws},
			model.Lookup{Query: holdersOf(db, o.pipe.First().OwnerRole), Into: &into.owners},
			model.Lookup{Query: holdersOf(db, o.pipe.duties.TransferKeeper), Into: &into.keepers},
		)
	}
	return out
}

// uniq is s sorted, each value once.
func uniq[T cmp.Ordered](s []T) []T {
	slices.Sort(s)
	return slices.Compact(s)
}

// usedKeys appends the stored idempotency keys among the (scope, key)
// pairs. Both columns, so the unique (scope, key) index is used: on key
// alone (the index's second column) the look-up scanned every key ever
// stored, and each order cost more than the last. resolveOrders keeps only
// the exact pairs.
func usedKeys(db *gorm.DB, scopes, keys []string, into *[]model.IdempotencyKey) error {
	if len(keys) == 0 {
		return nil
	}
	var used []model.IdempotencyKey
	if err := keysOf(db, scopes, keys).Find(&used).Error; err != nil {
		return err
	}
	*into = append(*into, used...)
	return nil
}

func keysOf(db *gorm.DB, scopes, keys []string) *gorm.DB {
	return db.Where("scope IN ? AND `key` IN ?", scopes, keys)
}

// holdersOf lists the active staff holding role, in id order (pickStaff
// chooses among them as staffWithRole would).
func holdersOf(db *gorm.DB, role string) *gorm.DB {
	return db.Where("active = ? AND roles LIKE ?", true, roleLike(role)).Order("id")
}

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
