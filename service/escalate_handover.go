package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// handoverBatch bounds the waiting work one scan looks at per kind.
const handoverBatch = 500

// Handover is the first rung of every ladder, before any lead hears: work
// waiting on a holder who is away (silent for escalation.away: off shift,
// at lunch, not looking at the phone) goes to a holder of the same role
// near it who is at work — the least loaded — who is told as any new work
// is told (新待办, 新工单). Orders in a working stage, transfers not yet
// received and tickets not yet acknowledged move; nothing moves while
// nobody of the role is at work (the night), so a morning is not a
// shuffle. It reports how many it handed over.
func (e *Escalator) Handover(ctx context.Context) (_ int, err error) {
	defer wrapOp(&err, "Escalator.Handover")
	if e.pipe.away <= 0 {
		return 0, nil
	}
	// Read first, outside any transaction: a scan that finds nothing to
	// hand (most) takes no write lock, which on SQLite would hold up
	// every chat command.
	db := e.db.WithContext(ctx)
	now := e.clock()
	seen, err := e.pipe.lastSeen(db, now)
	if err != nil {
		return 0, err
	}
	away := func(st model.Staff) bool { return !present(seen, st.UserID, now, e.pipe.away) }
	var staff []model.Staff
	if err := db.Where("active = ?", true).Find(&staff).Error; err != nil {
		return 0, err
	}
	var gone []uint64
	anyHere := false
	for _, st := range staff {
		if away(st) {
			gone = append(gone, st.ID)
		} else {
			anyHere = true
		}
	}
	if !anyHere || len(gone) == 0 {
		return 0, nil
	}
	var found []uint64
	if err := db.Model(&model.Order{}).Where("stage IN ? AND owner_staff_id IN ? AND stage_entered_at <= ?", e.workingStages(), gone, now.Add(-e.pipe.away)).
		Limit(1).Pluck("id", &found).Error; err != nil {
		return 0, err
	}
	if len(found) == 0 {
		if err := db.Model(&model.Ticket{}).Where("state = ? AND assignee_staff_id IN ? AND kind NOT IN ?", model.TicketOpen, gone,
			[]string{model.TicketStalled, model.TicketTransferOverdue}).Limit(1).Pluck("id", &found).Error; err != nil {
			return 0, err
		}
	}
	if len(found) == 0 {
		return 0, nil
	}
	n := 0
	err = inTx(ctx, e.db, func(tx *gorm.DB) error {
		n = 0
		// here is who of role near wh is at work, other than the one away.
		here := func(role string, wh uint64, not uint64) ([]model.Staff, error) {
			staff, err := holdersNear(tx, role, wh)
			if err != nil {
				return nil, err
			}
			return slices.DeleteFunc(staff, func(st model.Staff) bool { return st.ID == not || away(st) }), nil
		}
		var msgs []Message
		k, m, err := e.handOrders(tx, gone, away, here, now)
		n += k
		msgs = append(msgs, m...)
		if err != nil {
			return err
		}
		k, m, err = e.handTickets(tx, gone, away, here, now)
		n += k
		msgs = append(msgs, m...)
		if err != nil {
			return err
		}
		return enqueue(tx, now, 0, msgs)
	})
	return n, err
}

// workingStages are the stages whose holder works the order in the
// warehouse (not 已发货, not the last).
func (e *Escalator) workingStages() []string {
	var out []string
	for _, s := range e.pipe.Stages() {
		if s.OwnerRole != "" && s.Key != StageShipped && !e.pipe.carried(s.Key) && s.Key != e.pipe.Last().Key {
			out = append(out, s.Key)
		}
	}
	return out
}

// handOrders hands orders in a working stage whose owner is away.
func (e *Escalator) handOrders(tx *gorm.DB, gone []uint64, away func(model.Staff) bool, here func(string, uint64, uint64) ([]model.Staff, error), now time.Time) (int, []Message, error) {
	var ords []model.Order
	if err := tx.Where("stage IN ? AND owner_staff_id IN ? AND stage_entered_at <= ?", e.workingStages(), gone, now.Add(-e.pipe.away)).
		Order("stage_entered_at").Limit(handoverBatch).Find(&ords).Error; err != nil {
		return 0, nil, err
	}
	owners, err := staffByID(tx, ords, func(o model.Order) *uint64 { return o.OwnerStaffID })
	if err != nil {
		return 0, nil, err
	}
	closed := []string{e.pipe.Last().Key, StageCancelled}
	n := 0
	var msgs []Message
	for _, o := range ords {
		owner, ok := owners[*o.OwnerStaffID]
		if !ok || !away(owner) || !e.pipe.hours.Open(o.WarehouseID, now) {
			continue
		}
		st, _ := e.pipe.Stage(o.Stage)
		staff, err := here(st.OwnerRole, o.WarehouseID, owner.ID)
		if err != nil {
			return n, msgs, err
		}
		if len(staff) == 0 {
			continue
		}
		load, err := openOrdersHeld(tx, staff, closed)
		if err != nil {
			return n, msgs, err
		}
		best := staff[0]
		for _, s := range staff[1:] {
			if load[s.ID] < load[best.ID] {
				best = s
			}
		}
		res := tx.Model(&model.Order{}).Where("id = ? AND owner_staff_id = ? AND stage = ?", o.ID, owner.ID, o.Stage).Update("owner_staff_id", best.ID)
		if res.Error != nil {
			return n, msgs, res.Error
		}
		if res.RowsAffected != 1 {
			continue
		}
		note := fmt.Sprintf("%s 已 %s 没有消息（不在岗），订单交给在岗的 %s", owner.Name, Waited(e.pipe.away), best.Name)
		if err := tx.Create(&model.OrderEvent{OrderID: o.ID, Kind: "reassigned", FromStage: o.Stage, ToStage: o.Stage, Actor: System.Label(),
			Fields: "{}", Note: note, CreatedAt: now}).Error; err != nil {
			return n, msgs, err
		}
		msgs = append(msgs, Message{To: []string{best.UserID}, Type: MsgTypeNewWork, OrderID: o.ID,
			Key:  fmt.Sprintf("handover:%d:%d:%d", o.ID, o.StageEnteredAt.UnixMicro(), best.ID),
			Body: NewWork{OrderNo: o.No, StageName: e.pipe.Name(o.Stage), By: "系统（" + owner.Name + " 不在岗）"}})
		n++
	}
	return n, msgs, nil
}

// handTickets hands tickets not yet acknowledged whose assignee is away
// to a colleague at work holding one of the assignee's roles.
func (e *Escalator) handTickets(tx *gorm.DB, gone []uint64, away func(model.Staff) bool, here func(string, uint64, uint64) ([]model.Staff, error), now time.Time) (int, []Message, error) {
	var tks []model.Ticket
	if err := tx.Where("state = ? AND assignee_staff_id IN ? AND kind NOT IN ?", model.TicketOpen, gone,
		[]string{model.TicketStalled, model.TicketTransferOverdue}).Order("id").Limit(handoverBatch).Find(&tks).Error; err != nil {
		return 0, nil, err
	}
	holders, err := staffByID(tx, tks, func(t model.Ticket) *uint64 { return t.AssigneeStaffID })
	if err != nil {
		return 0, nil, err
	}
	n := 0
	var msgs []Message
	for _, tk := range tks {
		holder, ok := holders[*tk.AssigneeStaffID]
		if !ok || !away(holder) || tk.OrderID == nil {
			continue
		}
		var ord model.Order
		if err := tx.Where("id = ?", *tk.OrderID).Take(&ord).Error; err != nil {
			return n, msgs, err
		}
		if !e.pipe.hours.Open(ord.WarehouseID, now) {
			continue
		}
		var staff []model.Staff
		for _, role := range SplitRoles(holder.Roles) {
			s, err := here(role, ord.WarehouseID, holder.ID)
			if err != nil {
				return n, msgs, err
			}
			for _, st := range s {
				if !slices.ContainsFunc(staff, func(o model.Staff) bool { return o.ID == st.ID }) {
					staff = append(staff, st)
				}
			}
		}
		best, err := leastBusy(tx, staff)
		if err != nil {
			return n, msgs, err
		}
		if best == nil {
			continue
		}
		res := tx.Model(&model.Ticket{}).Where("id = ? AND state = ? AND assignee_staff_id = ?", tk.ID, model.TicketOpen, holder.ID).
			Updates(map[string]any{"assignee_staff_id": best.ID, "updated_at": now})
		if res.Error != nil {
			return n, msgs, res.Error
		}
		if res.RowsAffected != 1 {
			continue
		}
		if err := tx.Create(&model.OrderEvent{OrderID: ord.ID, Kind: "ticket", Actor: System.Label(), Fields: "{}",
			Note: fmt.Sprintf("工单 %s：%s 不在岗，交给在岗的 %s", tk.No, holder.Name, best.Name), CreatedAt: now}).Error; err != nil {
			return n, msgs, err
		}
		msgs = append(msgs, Message{To: []string{best.UserID}, Type: MsgTypeNewTicket, Key: fmt.Sprintf("tkhand:%d:%d", tk.ID, best.ID), OrderID: ord.ID,
			Body: NewTicketNotice{TicketNo: tk.No, Kind: tk.Kind, OrderNo: ord.No, StageName: e.pipe.Name(ord.Stage),
				Reporter: tk.Reporter, Description: tk.Description}})
		n++
	}
	return n, msgs, nil
}

// staffByID loads the staff rows named by ref in rows, by id.
func staffByID[T any](tx *gorm.DB, rows []T, ref func(T) *uint64) (map[uint64]model.Staff, error) {
	var ids []uint64
	for _, r := range rows {
		if id := ref(r); id != nil && !slices.Contains(ids, *id) {
			ids = append(ids, *id)
		}
	}
	out := map[uint64]model.Staff{}
	if len(ids) == 0 {
		return out, nil
	}
	var staff []model.Staff
	if err := tx.Where("id IN ?", ids).Find(&staff).Error; err != nil {
		return nil, err
	}
	for _, st := range staff {
		out[st.ID] = st
	}
	return out, nil
}
