package service

import (
	"sync"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// nearest narrows the holders of one role to those who should hear about
// work in warehouse wh: the ones working there; if the warehouse has none,
// the ones attached to no warehouse (company-wide: a director, a lead for
// every site); if there are none of those either, all of them, so that
// nobody is left untold. wh 0 (no warehouse known) keeps everyone.
func nearest(staff []model.Staff, wh uint64) []model.Staff {
	if wh == 0 {
		return staff
	}
	var here, anywhere []model.Staff
	for _, st := range staff {
		switch {
		case st.WarehouseID == nil:
			anywhere = append(anywhere, st)
		case *st.WarehouseID == wh:
			here = append(here, st)
		}
	}
	if len(here) > 0 {
		return here
	}
	if len(anywhere) > 0 {
		return anywhere
	}
	return staff
}

// ownerLoads spreads new orders over the holders of the first stage's
// role instead of giving every one to the first of them: each goes to
// whoever holds the fewest open orders (ties: the lowest id), among the
// holders near the order's warehouse (holdersNear).
//
// The counts are read from the database at most every loadTTL and kept
// up to date in between by what this process gave out, so a placement
// batch costs no count query at a thousand orders a second; another
// instance's assignments are seen at the next read.
type ownerLoads struct {
	mu     sync.Mutex
	readAt time.Time
	load   map[uint64]int64 // staff id → open orders held
}

const loadTTL = 10 * time.Second

// pick returns the holder of role for an order in warehouse wh, among
// staff (the role's active holders, in id order; nil when there are
// none), and counts the order against them.
func (l *ownerLoads) pick(tx *gorm.DB, staff []model.Staff, wh uint64, closed []string, now time.Time) (*model.Staff, error) {
	staff = nearest(staff, wh)
	if len(staff) == 0 {
		return nil, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	stale := l.load == nil || now.Sub(l.readAt) >= loadTTL || now.Before(l.readAt)
	if !stale {
		for _, st := range staff {
			if _, ok := l.load[st.ID]; !ok {
				stale = true // someone new holds the role
				break
			}
		}
	}
	if stale {
		load, err := openOrdersHeld(tx, staff, closed)
		if err != nil {
			return nil, err
		}
		l.load, l.readAt = load, now
	}
	best := staff[0]
	for _, st := range staff[1:] {
		if l.load[st.ID] < l.load[best.ID] {
			best = st
		}
	}
	l.load[best.ID]++
	return &best, nil
}

// nextOwner is who takes an order into a stage owned by role: its
// current owner if they hold role too (an order moving from 待发货 to
// 已发货 stays with the dispatcher who packed it), else the holder with
// the fewest open orders (ties: the lowest id), among the holders near the
// order's warehouse (holdersNear) who are at work (atWork: a holder off
// shift gets no new work while another is there). Counted in tx, when the
// order moves: one order at a time, unlike placement (ownerLoads). nil
// when nobody holds role.
func (p *Pipeline) nextOwner(tx *gorm.DB, role string, ord model.Order, closed []string, now time.Time) (*model.Staff, error) {
	staff, err := holdersNear(tx, role, ord.WarehouseID)
	if err != nil {
		return nil, err
	}
	if len(staff) == 0 {
		return nil, nil
	}
	if staff, err = p.atWork(tx, staff, now); err != nil {
		return nil, err
	}
	for _, st := range staff {
		if ord.OwnerStaffID != nil && st.ID == *ord.OwnerStaffID {
			return &st, nil
		}
	}
	load, err := openOrdersHeld(tx, staff, closed)
	if err != nil {
		return nil, err
	}
	best := staff[0]
	for _, st := range staff[1:] {
		if load[st.ID] < load[best.ID] {
			best = st
		}
	}
	return &best, nil
}

// openOrdersHeld counts the open orders (stage not in closed) each of
// staff owns; every one of them has an entry.
func openOrdersHeld(tx *gorm.DB, staff []model.Staff, closed []string) (map[uint64]int64, error) {
	ids := make([]uint64, len(staff))
	for i, st := range staff {
		ids[i] = st.ID
	}
	var rows []struct {
		OwnerStaffID uint64
		N            int64
	}
	if err := tx.Model(&model.Order{}).Select("owner_staff_id, COUNT(*) AS n").
		Where("owner_staff_id IN ? AND stage NOT IN ?", ids, closed).Group("owner_staff_id").Scan(&rows).Error; err != nil {
		return nil, err
	}
	load := make(map[uint64]int64, len(staff))
	for _, id := range ids {
		load[id] = 0
	}
	for _, r := range rows {
		load[r.OwnerStaffID] = r.N
	}
	return load, nil
}
