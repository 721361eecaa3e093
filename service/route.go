package service

import (
	"slices"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// Who holds role R near warehouse W: the one rule new orders, stage
// advances, a leaver's handover, new tickets and escalation all ask.

// holdersNear returns the active holders of role who should hear about
// work in warehouse wh (see nearest), in id order; none when nobody
// holds role.
func holdersNear(tx *gorm.DB, role string, wh uint64) ([]model.Staff, error) {
	if role == "" {
		return nil, nil
	}
	var staff []model.Staff
	if err := holdersOf(tx, role).Find(&staff).Error; err != nil {
		return nil, err
	}
	return nearest(staff, wh), nil
}

// aftercare is the role answering for an order no stage holds any more.
func (p *Pipeline) aftercare() string {
	if p.duties.Aftercare != "" {
		return p.duties.Aftercare
	}
	return p.First().OwnerRole
}

// holderRole is the role that holds an order in stage now: the stage's
// owner role, or, for a stage nobody owns (已签收, cancelled), aftercare.
func (p *Pipeline) holderRole(stage string) string {
	if st, ok := p.Stage(stage); ok && st.OwnerRole != "" {
		return st.OwnerRole
	}
	return p.aftercare()
}

// leastBusy picks, of staff, the one with the fewest open tickets
// assigned (ties: the first, in id order); nil for none.
func leastBusy(tx *gorm.DB, staff []model.Staff) (*model.Staff, error) {
	if len(staff) == 0 {
		return nil, nil
	}
	load := map[uint64]int64{}
	if err := addOpenTickets(tx, staff, load); err != nil {
		return nil, err
	}
	return fewest(staff, load), nil
}

// addOpenTickets adds to load, per staff id, the open tickets assigned
// to each of staff.
func addOpenTickets(tx *gorm.DB, staff []model.Staff, load map[uint64]int64) error {
	ids := make([]uint64, len(staff))
	for i, st := range staff {
		ids[i] = st.ID
	}
	var rows []struct {
		AssigneeStaffID uint64
		N               int64
	}
	if err := tx.Model(&model.Ticket{}).Select("assignee_staff_id, COUNT(*) AS n").
		Where("assignee_staff_id IN ? AND state IN ?", ids, []string{model.TicketOpen, model.TicketAcknowledged}).
		Group("assignee_staff_id").Scan(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		load[r.AssigneeStaffID] += r.N
	}
	return nil
}

// fewest is the one of staff (not empty) with the least load (ties: the
// first).
func fewest(staff []model.Staff, load map[uint64]int64) *model.Staff {
	best := staff[0]
	for _, st := range staff[1:] {
		if load[st.ID] < load[best.ID] {
			best = st
		}
	}
	return &best
}

// offerable is who a problem on ord may also be offered to, so that one
// of two (or three) free people takes it: of the people at work now (seen
// within escalation.away) who hold the role that holds the order near its
// warehouse, or customer service — a buyer's problem (customer true):
// customer service only — the one with the least open work (tickets and
// orders in hand) among those seen most recently, other than those skip
// names; nil when nobody fits
// (the night, or presence off, as it is with escalation off).
func (p *Pipeline) offerable(tx *gorm.DB, ord model.Order, customer bool, skip func(model.Staff) bool, now time.Time) (*model.Staff, error) {
	if p.away <= 0 {
		return nil, nil
	}
	seen, err := p.lastSeen(tx, now)
	if err != nil {
		return nil, err
	}
	roles := []string{p.holderRole(ord.Stage), p.aftercare()}
	if customer {
		roles = roles[1:]
	}
	var staff []model.Staff
	for _, role := range roles {
		holders, err := holdersNear(tx, role, ord.WarehouseID)
		if err != nil {
			return nil, err
		}
		for _, st := range holders {
			if !skip(st) && !slices.ContainsFunc(staff, func(c model.Staff) bool { return c.ID == st.ID }) {
				staff = append(staff, st)
			}
		}
	}
	// Someone seen in the last third of away (30 minutes by default) is
	// likelier to be at their phone than one last seen an hour ago, who
	// may be at lunch: they are asked first.
	for _, within := range []time.Duration{p.away / 3, p.away} {
		var cands []model.Staff
		for _, st := range staff {
			if present(seen, st.UserID, now, within) {
				cands = append(cands, st)
			}
		}
		if len(cands) > 0 {
			return leastLoaded(tx, cands, []string{p.Last().Key, StageCancelled, StageShipped})
		}
	}
	return nil, nil
}

// leastLoaded picks, of staff, the one with the least open work: open
// tickets assigned plus orders held in a stage not in closed (ties: the
// first).
func leastLoaded(tx *gorm.DB, staff []model.Staff, closed []string) (*model.Staff, error) {
	load, err := openOrdersHeld(tx, staff, closed)
	if err != nil {
		return nil, err
	}
	if err := addOpenTickets(tx, staff, load); err != nil {
		return nil, err
	}
	return fewest(staff, load), nil
}
