package service

import (
	"context"
	"slices"
	"strings"

	"gorm.io/gorm"

	"orderhub/model"
)

// Reoffer is the ack ladder's first rung for a problem nobody has taken:
// when the first level of escalation.ticket_ack comes due (10 minutes of
// the warehouse's working time by default) and the ticket is still open,
// it is offered once more, to one more person at work (offerable: the
// least loaded of the holders of the order's role and customer service,
// other than those it was offered to and the one who reported it), with
// the same 新工单 push naming everyone it went to; the first 收到 takes it.
// The level itself still reminds the assignee; the lead hears at the next.
// Off with the ladders (escalation off) or without presence (away 0). It
// reports how many tickets it offered again.
func (e *Escalator) Reoffer(ctx context.Context) (_ int, err error) {
	defer wrapOp(&err, "Escalator.Reoffer")
	if e.pipe.away <= 0 || len(e.cfg.TicketAck) == 0 {
		return 0, nil
	}
	after := e.cfg.TicketAck[0].After.D()
	now := e.clock()
	// Read first, outside any transaction: most scans find nothing.
	var tks []model.Ticket
	if err := e.db.WithContext(ctx).Where("state = ? AND kind IN ? AND created_at <= ? AND order_id IS NOT NULL", model.TicketOpen,
		[]string{model.TicketCustomerProblem, model.TicketStaffProblem}, now.Add(-after)).Order("id").Limit(handoverBatch).Find(&tks).Error; err != nil {
		return 0, err
	}
	if len(tks) == 0 {
		return 0, nil
	}
	keys := make([]string, len(tks))
	for i, tk := range tks {
		keys[i] = reofferKey(tk.ID)
	}
	var done []string
	if err := e.db.WithContext(ctx).Model(&model.Outbox{}).Where("`key` IN ?", keys).Pluck("key", &done).Error; err != nil {
		return 0, err
	}
	var due []model.Ticket
	for _, tk := range tks {
		if !slices.Contains(done, reofferKey(tk.ID)) {
			due = append(due, tk)
		}
	}
	if len(due) == 0 {
		return 0, nil
	}
	n := 0
	err = inTx(ctx, e.db, func(tx *gorm.DB) error {
		n = 0
		var msgs []Message
		for _, tk := range due {
			var ord model.Order
			if err := tx.Where("id = ?", *tk.OrderID).Take(&ord).Error; err != nil {
				return err
			}
			if !e.pipe.hours.Open(ord.WarehouseID, now) || e.pipe.hours.Between(ord.WarehouseID, tk.CreatedAt, now) < after {
				continue
			}
			offered, err := offeredTo(tx, tk.ID)
			if err != nil {
				return err
			}
			reporter := reporterID(tk.Reporter)
			next, err := e.pipe.offerable(tx, ord, tk.Kind == model.TicketCustomerProblem, func(st model.Staff) bool {
				return (tk.AssigneeStaffID != nil && st.ID == *tk.AssigneeStaffID) || st.UserID == reporter || slices.Contains(offered, st.UserID)
			}, now)
			if err != nil {
				return err
			}
			if next == nil {
				continue
			}
			names, err := staffNames(tx, offered)
			if err != nil {
				return err
			}
			msgs = append(msgs, Message{To: []string{next.UserID}, Type: MsgTypeNewTicket, Key: reofferKey(tk.ID), OrderID: ord.ID,
				Body: NewTicketNotice{TicketNo: tk.No, Kind: tk.Kind, OrderNo: ord.No, StageName: e.pipe.Name(ord.Stage),
					Reporter: tk.Reporter, Description: tk.Description, OfferedTo: append(names, next.Name)}})
			n++
		}
		return enqueue(tx, now, 0, msgs)
	})
	return n, err
}

// reporterID is the WeCom user id in a ticket's reporter label
// ("宋佳(sim-hz-picker)"), or "" for one without (a buyer, the system).
func reporterID(label string) string {
	i := strings.LastIndex(label, "(")
	if i < 0 || !strings.HasSuffix(label, ")") {
		return ""
	}
	return label[i+1 : len(label)-1]
}

// staffNames are the display names of users, in their order (the user id
// for one not found).
func staffNames(tx *gorm.DB, users []string) ([]string, error) {
	var staff []model.Staff
	if len(users) > 0 {
		if err := tx.Where("user_id IN ?", users).Find(&staff).Error; err != nil {
			return nil, err
		}
	}
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u
		for _, st := range staff {
			if st.UserID == u {
				out[i] = st.Name
			}
		}
	}
	return out, nil
}
