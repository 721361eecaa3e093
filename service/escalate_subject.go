package service

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/model"
)

// subject is what waits, in the words a supervisor reads.
type subject struct {
	live      bool
	order     model.Order
	customer  string
	stageName string
	ownerRole string
	holder    string
	// holderStaff is who holds the work now (a level's "@holder").
	holderStaff *model.Staff
	what        string // 订单 SO… 在「待质检」 / 工单 TK… / 调拨 #12
	// warehouseID is the warehouse whose people are told first (see
	// recipients): the order's, or the transfer's end that must act.
	warehouseID uint64
	// short says it without numbers, for a card's title, which WeCom
	// shows to 26 characters: the stage (or what waits) and the wait must
	// fit beside each other; the numbers go in the card's rows.
	short string
}

func (e *Escalator) subject(tx *gorm.DB, a model.Alarm) (subject, error) {
	var s subject
	var orderID uint64
	var ticket *model.Ticket
	if a.TicketID != nil {
		var tk model.Ticket
		if err := tx.Where("id = ?", *a.TicketID).Take(&tk).Error; err != nil {
			return s, err
		}
		ticket = &tk
	}
	switch a.Subject {
	case model.AlarmOrder:
		orderID = a.SubjectID
	case model.AlarmTransfer:
		var tr model.Transfer
		if err := tx.Where("id = ?", a.SubjectID).Take(&tr).Error; err != nil {
			return s, notFound(err, "transfer", strconv.FormatUint(a.SubjectID, 10))
		}
		s.live = tr.Status == model.TransferPending && (ticket == nil || ticket.State == model.TicketOpen)
		orderID = tr.OrderID
		s.what = fmt.Sprintf("调拨单 #%d（%d 件）未到货", tr.ID, tr.Qty)
		s.short = fmt.Sprintf("调拨 #%d 未到货", tr.ID)
		if a.Clock == model.ClockDispatch {
			s.live = s.live && tr.DispatchedAt == nil
			s.what = fmt.Sprintf("调拨单 #%d（%d 件）未发出", tr.ID, tr.Qty)
			s.short = fmt.Sprintf("调拨 #%d 未发出", tr.ID)
		}
		s.ownerRole = e.pipe.duties.TransferKeeper
		// Not yet sent: the sending warehouse must act; on the way: the
		// receiving one.
		s.warehouseID = tr.FromWarehouseID
		if a.Clock == model.ClockTransfer && tr.DispatchedAt != nil {
			s.warehouseID = tr.ToWarehouseID
		}
		if tr.AssigneeStaffID != nil {
			var st model.Staff
			found, err := takeOptional(tx.Where("id = ?", *tr.AssigneeStaffID), &st)
			if err != nil {
				return s, fmt.Errorf("load assignee of transfer %d: %w", tr.ID, err)
			}
			if found {
				s.holder, s.holderStaff = st.Name, &st
			}
		}
	case model.AlarmTicket:
		var tk model.Ticket
		if err := tx.Where("id = ?", a.SubjectID).Take(&tk).Error; err != nil {
			return s, notFound(err, "ticket", strconv.FormatUint(a.SubjectID, 10))
		}
		if a.Clock == model.ClockAck {
			s.live = tk.State == model.TicketOpen
			s.what = "工单 " + tk.No + " 未接单"
			s.short = "工单未接单"
		} else {
			s.live = tk.State == model.TicketOpen || tk.State == model.TicketAcknowledged
			s.what = "工单 " + tk.No + " 未处理"
			s.short = "工单未处理"
		}
		if tk.OrderID != nil {
			orderID = *tk.OrderID
		}
		if tk.AssigneeStaffID != nil {
			var st model.Staff
			found, err := takeOptional(tx.Where("id = ?", *tk.AssigneeStaffID), &st)
			if err != nil {
				return s, fmt.Errorf("load assignee of ticket %s: %w", tk.No, err)
			}
			if found {
				s.holder, s.holderStaff = st.Name, &st
			}
		}
	}
	if orderID != 0 {
		if err := tx.Where("id = ?", orderID).Take(&s.order).Error; err != nil {
			return s, notFound(err, "order", strconv.FormatUint(orderID, 10))
		}
		var c model.Customer
		found, err := takeOptional(tx.Select("name").Where("id = ?", s.order.CustomerID), &c)
		if err != nil {
			return s, fmt.Errorf("load customer of order %s: %w", s.order.No, err)
		}
		if found {
			s.customer = c.Name
		}
		s.stageName = e.pipe.Name(s.order.Stage)
		if s.warehouseID == 0 {
			s.warehouseID = s.order.WarehouseID
		}
		if s.ownerRole == "" {
			// An order no stage holds (已签收, cancelled) is aftercare's:
			// a ladder's @lead is then their lead, never nobody.
			s.ownerRole = e.pipe.holderRole(s.order.Stage)
		}
	}
	if a.Subject == model.AlarmOrder {
		o := s.order
		// The same stage entry still: a move, or a move back, is a new wait.
		s.live = o.Stage == a.Stage && o.StageEnteredAt.UnixMicro() == a.Entry && (ticket == nil || ticket.State == model.TicketOpen)
		s.what = fmt.Sprintf("订单 %s 在「%s」", o.No, s.stageName)
		s.short = "「" + s.stageName + "」超时"
		if s.holder == "" && o.OwnerStaffID != nil {
			var st model.Staff
			found, err := takeOptional(tx.Where("id = ?", *o.OwnerStaffID), &st)
			if err != nil {
				return s, fmt.Errorf("load owner of order %s: %w", o.No, err)
			}
			if found {
				s.holder, s.holderStaff = st.Name, &st
			}
		}
	}
	return s, nil
}

// autoResolve resolves, with a note saying why, a ticket escalation
// opened for a wait that has since ended (the order left the stage, the
// transfer arrived), so that nobody is pushed to resolve what resolved
// itself. It reports whether a's ticket is such a one.
func (e *Escalator) autoResolve(tx *gorm.DB, a model.Alarm, now time.Time) (bool, error) {
	id := a.SubjectID
	if a.Subject != model.AlarmTicket {
		if a.TicketID == nil {
			return false, nil
		}
		id = *a.TicketID
	}
	var opener model.Alarm
	err := tx.Where("ticket_id = ? AND clock IN ?", id, []string{model.ClockStage, model.ClockTransfer, model.ClockDispatch}).Order("id").Take(&opener).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil // reported by a person: only a person resolves it
	}
	if err != nil {
		return false, err
	}
	note := ""
	if opener.Clock == model.ClockStage {
		var o model.Order
		if err := tx.Select("stage, stage_entered_at").Where("id = ?", opener.SubjectID).Take(&o).Error; err != nil {
			return false, err
		}
		if o.Stage == opener.Stage && o.StageEnteredAt.UnixMicro() == opener.Entry {
			return false, nil
		}
		note = fmt.Sprintf("订单已离开「%s」（现在：%s），自动处理", e.pipe.Name(opener.Stage), e.pipe.Name(o.Stage))
	} else {
		var tr model.Transfer
		if err := tx.Select("status, dispatched_at").Where("id = ?", opener.SubjectID).Take(&tr).Error; err != nil {
			return false, err
		}
		dispatchedNow := opener.Clock == model.ClockDispatch && tr.DispatchedAt != nil
		if tr.Status == model.TransferPending && !dispatchedNow {
			return false, nil
		}
		note = "调拨单已到货，自动处理"
		if tr.Status == model.TransferPending {
			note = "调拨单已发出，自动处理"
		}
		if tr.Status == model.TransferCancelled {
			note = "调拨单已取消，自动处理"
		}
	}
	res := model.Row(tx, &model.Ticket{}).Where("id = ? AND state IN ?", id, []string{model.TicketOpen, model.TicketAcknowledged}).
		Updates(map[string]any{"state": model.TicketResolved, "resolution": note, "resolved_at": now, "updated_at": now})
	return true, res.Error
}

// recipients are the active staff holding any of lv's roles; "@lead" is
// the lead of the role that owns the stage (of the transfer: keepers').
// Of each role's holders, those of the subject's warehouse are told (see
// nearest), so a lead hears about their own warehouse's orders.
func (e *Escalator) recipients(tx *gorm.DB, lv config.Level, s subject) ([]model.Staff, error) {
	var out []model.Staff
	for _, role := range lv.Notify {
		if role == config.HolderToken {
			if h := s.holderStaff; h != nil && h.Active && !slices.ContainsFunc(out, func(o model.Staff) bool { return o.ID == h.ID }) {
				out = append(out, *h)
			}
			continue
		}
		if role == config.LeadToken {
			if s.ownerRole == "" {
				continue
			}
			if role = e.pipe.Lead(s.ownerRole); role == "" {
				continue
			}
		}
		var staff []model.Staff
		if err := tx.Where("active = ? AND roles LIKE ?", true, roleLike(role)).Order("id").Find(&staff).Error; err != nil {
			return nil, err
		}
		for _, st := range nearest(staff, s.warehouseID) {
			if !slices.ContainsFunc(out, func(o model.Staff) bool { return o.ID == st.ID }) {
				out = append(out, st)
			}
		}
	}
	return out, nil
}

// Waited says a duration the way a supervisor reads it: 2小时5分.
func Waited(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case d < time.Minute:
		return "不到1分钟"
	case h == 0:
		return fmt.Sprintf("%d分钟", m)
	case m == 0:
		return fmt.Sprintf("%d小时", h)
	}
	return fmt.Sprintf("%d小时%d分", h, m)
}
