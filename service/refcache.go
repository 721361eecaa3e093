package service

import (
	"sync"
	"time"

	"orderhub/model"
)

// refCache keeps, from one placement batch to the next, what a batch is
// decided against besides stock and idempotency keys: its customers and
// products, the warehouses, and the holders of the first stage's owner
// role and of the transfer keeper role. Under a flood every batch named
// the same few rows again, and reading and scanning them was a third of a
// batch's fixed cost.
//
// It is only ever used at the version it was read at: every batch reads
// the reference data's version (model.CounterReference, one row, first in
// the batch's one round trip) and uses what is kept only if the version
// is the same; otherwise it reads everything again, after that version.
// Every write of those tables through gorm moves the version in the same
// transaction (model.watchReference), on every instance. What a version
// cannot see — a row changed by hand in SQL, or by an older orderhub
// during a rolling upgrade — is read again at the latest after refTTL.
type refCache struct {
	mu      sync.Mutex
	held    bool
	version uint64
	readAt  time.Time
	ws      []model.Warehouse
	owners  []model.Staff
	keepers []model.Staff
	custs   map[uint64]model.Customer // by id
	codes   map[string]uint64         // customer code → id
	skus    map[string]model.Product
}

// refTTL bounds how long kept rows are trusted on the version alone.
const refTTL = 10 * time.Second

// refCacheMax bounds the customers and products kept; past it the cache
// starts again from what the next batch reads.
const refCacheMax = 20000

// refView is what the cache holds for one batch: the rows it has, and
// which of the batch's customers and SKUs it lacks.
type refView struct {
	held    bool // false: nothing usable, read everything
	version uint64
	data    batchData // ws, owners, keepers, and the custs and products found
	ids     []uint64  // customer ids not kept
	codes   []string  // customer codes not kept
	skus    []string  // SKUs not kept
}

// view returns what the cache holds for a batch naming ids, codes and
// skus at now.
func (c *refCache) view(ids []uint64, codes, skus []string, now time.Time) refView {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.held || now.Sub(c.readAt) >= refTTL || now.Before(c.readAt) {
		return refView{ids: ids, codes: codes, skus: skus}
	}
	v := refView{held: true, version: c.version}
	v.data.ws, v.data.owners, v.data.keepers = c.ws, c.owners, c.keepers
	for _, id := range ids {
		if cu, ok := c.custs[id]; ok {
			v.data.custs = append(v.data.custs, cu)
		} else {
			v.ids = append(v.ids, id)
		}
	}
	for _, code := range codes {
		if id, ok := c.codes[code]; ok {
			v.data.custs = append(v.data.custs, c.custs[id])
		} else {
			v.codes = append(v.codes, code)
		}
	}
	for _, s := range skus {
		if p, ok := c.skus[s]; ok {
			v.data.products = append(v.data.products, p)
		} else {
			v.skus = append(v.skus, s)
		}
	}
	return v
}

// keep stores rows read at version (read before them). whole says d holds
// the warehouses and the role holders too, read after the version: the
// cache starts again from d. Otherwise d's customers and products are
// added, if the cache is still at version.
func (c *refCache) keep(version uint64, whole bool, d batchData, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if whole {
		if c.held && c.version > version {
			// Another batch kept a later version meanwhile.
			return
		}
		c.held, c.version, c.readAt = true, version, now
		c.ws, c.owners, c.keepers = d.ws, d.owners, d.keepers
		c.custs, c.codes, c.skus = map[uint64]model.Customer{}, map[string]uint64{}, map[string]model.Product{}
	} else if !c.held || c.version != version {
		return
	}
	if len(c.custs)+len(d.custs) > refCacheMax || len(c.skus)+len(d.products) > refCacheMax {
		c.custs, c.codes, c.skus = map[uint64]model.Customer{}, map[string]uint64{}, map[string]model.Product{}
	}
	for _, cu := range d.custs {
		c.custs[cu.ID] = cu
		c.codes[cu.Code] = cu.ID
	}
	for _, p := range d.products {
		c.skus[p.SKU] = p
	}
}
