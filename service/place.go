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
	"orderhub/service/catalog"
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
	now := o.clock()
	for _, r := range batch {
		if r.err != nil || r.replay {
			continue
		}
		if at := r.in.PromisedAt; at != nil {
			made := r.in.PromiseGivenAt
			if made.IsZero() {
				made = now
			}
			if r.err = checkPromise("promised_at", *at, made, o.loc); r.err != nil {
				continue
			}
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
			model.Lookup{Query: catalog.ByPriority(db), Into: &into.ws},
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
