package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// Tickets are problems someone must act on: reported by staff in chat
// (异常), by buyers in the mini-program, or opened by escalation.
type Tickets struct {
	db    *gorm.DB
	pipe  *Pipeline
	clock Clock
	loc   *time.Location
	roles []string
}

// NewTickets returns a Tickets. loc is the zone ticket numbers are dated in.
func NewTickets(db *gorm.DB, pipe *Pipeline, clock Clock, loc *time.Location, roles []string) *Tickets {
	if db == nil || pipe == nil || clock == nil || loc == nil {
		panic("service: NewTickets: nil dependency")
	}
	return &Tickets{db: db, pipe: pipe, clock: clock, loc: loc, roles: roles}
}

// TicketView is a ticket with the names people use.
type TicketView struct {
	model.Ticket
	OrderNo  string
	Stage    string // the order's stage when the ticket was read
	Assignee *model.Staff
}

// NewTicket is a problem to report.
type NewTicket struct {
	Kind        string // model.TicketStaffProblem, …
	OrderNo     string
	Description string
	Actor       Actor
}

// TicketNo formats a ticket number: TK, the local day, and the id.
func TicketNo(local time.Time, id uint64) string {
	return fmt.Sprintf("TK%s-%06d", local.Format("20060102"), id)
}

// Open records a problem on an order, assigned to the person who can act
// on it (see assignee), and pushes it to them in the same transaction
// (a NewTicketNotice), whichever edge it came from: the mini-program, chat,
// a channel or the board.
func (t *Tickets) Open(ctx context.Context, in NewTicket) (_ TicketView, err error) {
	defer wrapOp(&err, "Tickets.Open")
	switch in.Kind {
	case model.TicketStaffProblem, model.TicketCustomerProblem, model.TicketStalled, model.TicketTransferOverdue:
	default:
		return TicketView{}, invalid("kind", CodeInvalidKind, "没有工单类型 %q", in.Kind)
	}
	in.Description = strings.TrimSpace(in.Description)
	if err := checkText("description", in.Description, 1000, true); err != nil {
		return TicketView{}, err
	}
	no := strings.ToUpper(strings.TrimSpace(in.OrderNo))
	var v TicketView
	err = inTx(ctx, t.db, func(tx *gorm.DB) error {
		var ord model.Order
		if err := tx.Where("no = ?", no).Take(&ord).Error; err != nil {
			return notFound(err, "order", no)
		}
		if in.Actor.Kind == ActorCustomer && in.Actor.CustomerID != ord.CustomerID {
			return &NotFoundError{What: "order", Key: no}
		}
		now := t.clock()
		assignee, err := t.assignee(tx, ord, in.Actor)
		if err != nil {
			return err
		}
		tk, err := createTicket(tx, t.loc, ord, in.Kind, in.Actor.Label(), in.Description, assignee, now)
		if err != nil {
			return err
		}
		if assignee != nil && !(in.Actor.Kind == ActorStaff && in.Actor.ID == assignee.UserID) {
			to, names := []string{assignee.UserID}, []string{assignee.Name}
			b, err := t.backup(tx, ord, assignee, in.Actor, now)
			if err != nil {
				return err
			}
			if b != nil {
				to, names = append(to, b.UserID), append(names, b.Name)
			}
			m := Message{To: to, Type: MsgTypeNewTicket, Key: newTicketKey(tk.ID), OrderID: ord.ID,
				Body: NewTicketNotice{TicketNo: tk.No, Kind: in.Kind, OrderNo: ord.No, StageName: t.pipe.Name(ord.Stage),
					Reporter: cmp.Or(in.Actor.Name, in.Actor.Label()), Description: tk.Description, OfferedTo: names}}
			if err := enqueue(tx, now, 0, []Message{m}); err != nil {
				return err
			}
		}
		if in.Kind == model.TicketCustomerProblem && in.Actor.BuyerID != 0 {
			// Remembered so the buyer who reported it hears of its updates.
			id := in.Actor.BuyerID
			if err := tx.Model(&model.Ticket{}).Where("id = ?", tk.ID).Update("reporter_buyer_id", id).Error; err != nil {
				return err
			}
			tk.ReporterBuyerID = &id
		}
		v = TicketView{Ticket: tk, OrderNo: ord.No, Stage: ord.Stage, Assignee: assignee}
		return finish(ctx, tx, now, Outcome{Ticket: &v})
	})
	return v, err
}

// createTicket records a ticket on ord inside tx, with its timeline entry;
// the number is derived from the id, so it is set after the insert.
func createTicket(tx *gorm.DB, loc *time.Location, ord model.Order, kind, reporter, desc string, assignee *model.Staff, now time.Time) (model.Ticket, error) {
	orderID := ord.ID
	tk := model.Ticket{No: "tmp-" + randomToken()[:28], Kind: kind, OrderID: &orderID, Reporter: trunc(reporter, 128),
		Description: trunc(desc, 1000), State: model.TicketOpen, CreatedAt: now, UpdatedAt: now}
	if assignee != nil {
		tk.AssigneeStaffID = &assignee.ID
	}
	if err := tx.Create(&tk).Error; err != nil {
		return tk, err
	}
	tk.No = TicketNo(now.In(loc), tk.ID)
	if err := tx.Model(&model.Ticket{}).Where("id = ?", tk.ID).Update("no", tk.No).Error; err != nil {
		return tk, err
	}
	label := "异常"
	if kind == model.TicketStalled || kind == model.TicketTransferOverdue {
		label = "催办"
	}
	err := tx.Create(&model.OrderEvent{OrderID: ord.ID, Kind: "ticket", Actor: trunc(reporter, 64), Fields: "{}",
		Note: trunc(label+" "+tk.No+"："+desc, 500), CreatedAt: now}).Error
	return tk, err
}

// assignee is who a new problem on ord goes to: the person who can act on
// it, never the one reporting it.
//   - The order's stage has a holder (its owner, holding the stage's role):
//     them; when they are the one reporting (a keeper's 异常 asks for help),
//     their lead.
//   - A buyer's problem with an order on its way (已发货): aftercare.
//   - Nobody holds the order any more (已签收, cancelled) or its owner left:
//     the least busy holder of the role that holds it now (aftercare for a
//     finished order) near its warehouse.
//   - Nobody holds that role: its lead, then a supervisor; with none of
//     those, the holder who reported it.
func (t *Tickets) assignee(tx *gorm.DB, ord model.Order, reporter Actor) (*model.Staff, error) {
	role := t.pipe.holderRole(ord.Stage)
	if reporter.Kind == ActorCustomer && (ord.Stage == StageShipped || t.pipe.carried(ord.Stage)) {
		// A buyer asking after a parcel on its way asks customer service,
		// who can answer for the carrier, not the dispatcher who sent it.
		role = t.pipe.aftercare()
	}
	self := func(st model.Staff) bool { return reporter.Kind == ActorStaff && reporter.ID == st.UserID }
	holders, err := holdersNear(tx, role, ord.WarehouseID)
	if err != nil {
		return nil, err
	}
	now := t.clock()
	// A holder reporting it asks for help: it goes up, to their lead.
	if !slices.ContainsFunc(holders, self) {
		// Of the holders, one at work (atWork): a problem waits for
		// nobody who is off shift while a colleague is there.
		here, err := t.pipe.atWork(tx, holders, now)
		if err != nil {
			return nil, err
		}
		finished := ord.Stage == t.pipe.Last().Key || ord.Stage == StageCancelled
		if !finished && ord.OwnerStaffID != nil {
			for _, st := range here {
				if st.ID == *ord.OwnerStaffID {
					return &st, nil
				}
			}
		}
		if st, err := leastBusy(tx, here); err != nil || st != nil {
			return st, err
		}
	}
	var up []string
	if l := t.pipe.Lead(role); l != "" {
		up = append(up, l)
	}
	for _, r := range append(up, t.pipe.supervisorRoles...) {
		staff, err := holdersNear(tx, r, ord.WarehouseID)
		if err != nil {
			return nil, err
		}
		if staff, err = t.pipe.atWork(tx, slices.DeleteFunc(staff, self), now); err != nil {
			return nil, err
		}
		if st, err := leastBusy(tx, staff); err != nil || st != nil {
			return st, err
		}
	}
	// Nobody above them: the holder who reported it keeps it rather than
	// nobody (every ticket reaches a named person; a trainee alone in a
	// practice sandbox works the whole loop themselves).
	if i := slices.IndexFunc(holders, self); i >= 0 {
		return &holders[i], nil
	}
	return nil, nil
}

// backup is the second person a new problem is offered to beside its
// assignee, so that whichever of two is free takes it: the first 收到
// takes the ticket, and the other's 收到 is answered that it was taken
// (nobody is interrupted to say so). See offerable; never the assignee or
// the one reporting it; nil when nobody fits.
func (t *Tickets) backup(tx *gorm.DB, ord model.Order, assignee *model.Staff, reporter Actor, now time.Time) (*model.Staff, error) {
	return t.pipe.offerable(tx, ord, reporter.Kind == ActorCustomer, func(st model.Staff) bool {
		return st.ID == assignee.ID || (reporter.Kind == ActorStaff && reporter.ID == st.UserID)
	}, now)
}

// newTicketKey is the outbox key of a ticket's opening push: one per
// ticket, and with reofferKey the record of whom it was offered to
// (offeredTo).
func newTicketKey(id uint64) string { return fmt.Sprintf("tknew:%d", id) }

// reofferKey is the outbox key of the one later offer of a ticket not
// taken in time (Escalator.Reoffer).
func reofferKey(id uint64) string { return fmt.Sprintf("tkoffer:%d", id) }

// offeredTo lists the people a ticket was offered to: its opening push
// and its later offer.
func offeredTo(tx *gorm.DB, ticketID uint64) ([]string, error) {
	var rows []string
	if err := tx.Model(&model.Outbox{}).Where("`key` IN ?", []string{newTicketKey(ticketID), reofferKey(ticketID)}).Pluck("to_user", &rows).Error; err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rows {
		for _, u := range strings.Split(r, "|") {
			if u != "" && !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	return out, nil
}

// TicketFilter selects tickets.
type TicketFilter struct {
	OrderNo         string
	State           string
	AssigneeStaffID uint64
	// Open selects the tickets not resolved or closed yet.
	Open bool
}

// List returns tickets, oldest first, at most 500.
func (t *Tickets) List(ctx context.Context, f TicketFilter) (_ []TicketView, err error) {
	defer wrapOp(&err, "Tickets.List")
	db := t.db.WithContext(ctx)
	q := db.Model(&model.Ticket{})
	if f.OrderNo != "" {
		var ord model.Order
		no := strings.ToUpper(strings.TrimSpace(f.OrderNo))
		if err := db.Where("no = ?", no).Take(&ord).Error; err != nil {
			return nil, notFound(err, "order", no)
		}
		q = q.Where("order_id = ?", ord.ID)
	}
	if f.State != "" {
		switch f.State {
		case model.TicketOpen, model.TicketAcknowledged, model.TicketResolved, model.TicketClosed:
		default:
			return nil, invalid("state", CodeInvalidState, "state 须为 open、acknowledged、resolved 或 closed")
		}
		q = q.Where("state = ?", f.State)
	}
	if f.Open {
		q = q.Where("state IN ?", []string{model.TicketOpen, model.TicketAcknowledged})
	}
	if f.AssigneeStaffID != 0 {
		q = q.Where("assignee_staff_id = ?", f.AssigneeStaffID)
	}
	var tks []model.Ticket
	if err := q.Order("id").Limit(500).Find(&tks).Error; err != nil {
		return nil, err
	}
	out := make([]TicketView, len(tks))
	for i, tk := range tks {
		out[i].Ticket = tk
		if tk.OrderID != nil {
			var ord model.Order
			found, err := takeOptional(db.Select("no, stage").Where("id = ?", *tk.OrderID), &ord)
			if err != nil {
				return nil, fmt.Errorf("load order of ticket %s: %w", tk.No, err)
			}
			if found {
				out[i].OrderNo, out[i].Stage = ord.No, ord.Stage
			}
		}
		if tk.AssigneeStaffID != nil {
			var s model.Staff
			found, err := takeOptional(db.Where("id = ?", *tk.AssigneeStaffID), &s)
			if err != nil {
				return nil, fmt.Errorf("load assignee of ticket %s: %w", tk.No, err)
			}
			if found {
				out[i].Assignee = &s
			}
		}
	}
	return out, nil
}

// CardClick is a tap on an interactive card's button (template_card_event):
// its task and the one-time code that updates the card (72 h).
type CardClick struct {
	TaskID       string
	ResponseCode string
	At           time.Time
}

// cardCodeLife is how long WeCom accepts a card's response code.
const cardCodeLife = 72 * time.Hour

// Get returns one ticket by number.
func (t *Tickets) Get(ctx context.Context, no string) (_ TicketView, err error) {
	defer wrapOp(&err, "Tickets.Get")
	return t.view(t.db.WithContext(ctx), strings.ToUpper(strings.TrimSpace(no)))
}

func (t *Tickets) view(db *gorm.DB, no string) (TicketView, error) {
	var tk model.Ticket
	if err := db.Where("no = ?", no).Take(&tk).Error; err != nil {
		return TicketView{}, notFound(err, "ticket", no)
	}
	v := TicketView{Ticket: tk}
	if tk.OrderID != nil {
		var ord model.Order
		found, err := takeOptional(db.Select("no, stage").Where("id = ?", *tk.OrderID), &ord)
		if err != nil {
			return v, fmt.Errorf("load order of ticket %s: %w", tk.No, err)
		}
		if found {
			v.OrderNo, v.Stage = ord.No, ord.Stage
		}
	}
	if tk.AssigneeStaffID != nil {
		var s model.Staff
		found, err := takeOptional(db.Where("id = ?", *tk.AssigneeStaffID), &s)
		if err != nil {
			return v, fmt.Errorf("load assignee of ticket %s: %w", tk.No, err)
		}
		if found {
			v.Assignee = &s
		}
	}
	return v, nil
}

// Ack acknowledges a ticket (接单): whoever acks takes it, and the
// escalation it stands for stops climbing — the resolve clock keeps
// running, so a ticket acked and then forgotten escalates again. click is
// set when the ack came from a card; an ack from anywhere updates every
// card of the ticket that still can be (see cardUpdates).
func (t *Tickets) Ack(ctx context.Context, no string, actor Actor, click *CardClick) (_ TicketView, err error) {
	defer wrapOp(&err, "Tickets.Ack")
	return t.transition(ctx, no, actor, click, func(tx *gorm.DB, tk *model.Ticket, now time.Time) (bool, error) {
		switch tk.State {
		case model.TicketOpen:
		case model.TicketAcknowledged:
			return false, conflict(CodeAlreadyAcknowledged, "工单 %s 已确认", tk.No).about(tk.No, tk.State)
		default:
			return false, conflict(CodeTicketDone, "工单 %s 已是 %s", tk.No, tk.State).about(tk.No, tk.State)
		}
		upd := map[string]any{"state": model.TicketAcknowledged, "ack_at": now, "updated_at": now}
		if actor.StaffID != 0 {
			upd["assignee_staff_id"] = actor.StaffID
			id := actor.StaffID
			tk.AssigneeStaffID = &id
		}
		if err := tx.Model(&model.Ticket{}).Where("id = ?", tk.ID).Updates(upd).Error; err != nil {
			return false, err
		}
		tk.State, tk.AckAt = model.TicketAcknowledged, &now
		err := tx.Model(&model.Alarm{}).Where("ticket_id = ? AND state = ? AND clock IN ?", tk.ID, model.AlarmArmed,
			[]string{model.ClockStage, model.ClockTransfer, model.ClockAck}).
			Updates(map[string]any{"state": model.AlarmStopped, "updated_at": now}).Error
		return true, err
	})
}

// Resolve records what was done (处理) and stops every clock of the ticket.
func (t *Tickets) Resolve(ctx context.Context, no, note string, actor Actor, click *CardClick) (_ TicketView, err error) {
	defer wrapOp(&err, "Tickets.Resolve")
	note = strings.TrimSpace(note)
	if err := checkText("note", note, 1000, true); err != nil {
		return TicketView{}, err
	}
	return t.transition(ctx, no, actor, click, func(tx *gorm.DB, tk *model.Ticket, now time.Time) (bool, error) {
		if tk.State != model.TicketOpen && tk.State != model.TicketAcknowledged {
			return false, conflict(CodeTicketDone, "工单 %s 已是 %s", tk.No, tk.State).about(tk.No, tk.State)
		}
		upd := map[string]any{"state": model.TicketResolved, "resolution": trunc(note, 1000), "resolved_at": now, "updated_at": now}
		if tk.AckAt == nil {
			upd["ack_at"] = now
			tk.AckAt = &now
		}
		if err := tx.Model(&model.Ticket{}).Where("id = ?", tk.ID).Updates(upd).Error; err != nil {
			return false, err
		}
		tk.State, tk.Resolution, tk.ResolvedAt = model.TicketResolved, trunc(note, 1000), &now
		err := tx.Model(&model.Alarm{}).Where("ticket_id = ? AND state = ?", tk.ID, model.AlarmArmed).
			Updates(map[string]any{"state": model.AlarmStopped, "updated_at": now}).Error
		return true, err
	})
}

// Close closes a resolved ticket: the loop is done.
func (t *Tickets) Close(ctx context.Context, no string, actor Actor) (_ TicketView, err error) {
	defer wrapOp(&err, "Tickets.Close")
	return t.transition(ctx, no, actor, nil, func(tx *gorm.DB, tk *model.Ticket, now time.Time) (bool, error) {
		if tk.State != model.TicketResolved {
			return false, conflict(CodeNotResolved, "工单 %s 是 %s；先处理再关闭", tk.No, tk.State).about(tk.No, tk.State)
		}
		tk.State, tk.ClosedAt = model.TicketClosed, &now
		return false, tx.Model(&model.Ticket{}).Where("id = ?", tk.ID).
			Updates(map[string]any{"state": model.TicketClosed, "closed_at": now, "updated_at": now}).Error
	})
}

// transition runs one state change of a ticket under its row lock, then
// tells everyone who was pushed about it (by updating their cards where a
// response code allows, else by a line), tells the buyer who reported a
// customer problem, records it on the order's timeline, and ends with the
// chat reply hook — all in one transaction.
func (t *Tickets) transition(ctx context.Context, no string, actor Actor, click *CardClick,
	change func(tx *gorm.DB, tk *model.Ticket, now time.Time) (bool, error)) (TicketView, error) {
	no = strings.ToUpper(strings.TrimSpace(no))
	var v TicketView
	err := inTx(ctx, t.db, func(tx *gorm.DB) error {
		var tk model.Ticket
		if err := forUpdate(tx).Where("no = ?", no).Take(&tk).Error; err != nil {
			return notFound(err, "ticket", no)
		}
		told, err := toldUsers(tx, tk.ID)
		if err != nil {
			return err
		}
		offered, err := offeredTo(tx, tk.ID)
		if err != nil {
			return err
		}
		if err := t.mayHandle(tx, tk, actor, append(offered, told...)); err != nil {
			return err
		}
		now := t.clock()
		before := tk.State
		tell, err := change(tx, &tk, now)
		if err != nil {
			return err
		}
		var err2 error
		if v, err2 = t.view(tx, tk.No); err2 != nil {
			return err2
		}
		if tk.OrderID != nil {
			if err := tx.Create(&model.OrderEvent{OrderID: *tk.OrderID, Kind: "ticket", Actor: trunc(actor.Label(), 64), Fields: "{}",
				Note: trunc(fmt.Sprintf("工单 %s：%s → %s %s", tk.No, TicketStateName(before), TicketStateName(tk.State), tk.Resolution), 500), CreatedAt: now}).Error; err != nil {
				return err
			}
		}
		var msgs []Message
		var others []string
		for _, u := range told {
			if u != actor.ID {
				others = append(others, u)
			}
		}
		if tell {
			// Every card of the ticket that can still be updated now shows
			// who took or handled it instead of its buttons, for everyone it went to; people
			// whose card cannot be (no card, or its code used or expired)
			// get a line.
			ups, err := cardUpdates(tx, tk, actor, click, now)
			if err != nil {
				return err
			}
			for _, m := range ups {
				msgs = append(msgs, m)
				others = slices.DeleteFunc(others, func(u string) bool { return slices.Contains(m.To, u) })
			}
		}
		// Someone taking a ticket — a problem, or a climb's own (a stalled
		// order, a late transfer) — shows on the cards that can still
		// change; nobody is interrupted by a line about it: the climb
		// stops, and its resolution is told.
		taken := tk.State == model.TicketAcknowledged
		if len(others) > 0 && tell && !taken {
			m := Message{To: others, Type: MsgTypeTicketChange, Key: fmt.Sprintf("tk:%d:%s", tk.ID, tk.State),
				Body: TicketChange{TicketNo: tk.No, OrderNo: v.OrderNo, State: tk.State, By: actor.Name}}
			if tk.OrderID != nil {
				m.OrderID = *tk.OrderID
			}
			msgs = append(msgs, m)
		}
		if err := enqueue(tx, now, 0, msgs); err != nil {
			return err
		}
		if err := tellReporter(tx, tk, now); err != nil {
			return err
		}
		return finish(ctx, tx, now, Outcome{Ticket: &v})
	})
	return v, err
}

// tellReporter queues, inside the transition's tx, the subscribe message
// of the buyer who reported a customer problem, if they allowed one for
// ticket updates on the order: one permission, one message, for whichever
// update comes first after they allowed it.
func tellReporter(tx *gorm.DB, tk model.Ticket, now time.Time) error {
	if tk.Kind != model.TicketCustomerProblem || tk.ReporterBuyerID == nil || tk.OrderID == nil {
		return nil
	}
	var ord model.Order
	if err := tx.Where("id = ?", *tk.OrderID).Take(&ord).Error; err != nil {
		return notFound(err, "order", strconv.FormatUint(*tk.OrderID, 10))
	}
	return notifyBuyer(tx, ord, *tk.ReporterBuyerID, SubscribeNote{Event: EventTicket, OrderNo: ord.No, At: now,
		TicketNo: tk.No, TicketState: tk.State, Resolution: tk.Resolution})
}

// mayHandle: the assignee, anyone who was pushed about the ticket (its
// opening offer, a level of its ladders), any lead or supervisor, and the
// admin token may move a ticket on.
func (t *Tickets) mayHandle(tx *gorm.DB, tk model.Ticket, a Actor, told []string) error {
	switch {
	case a.Kind == ActorAdmin || a.Kind == ActorSystem, t.pipe.HandlesTickets(a):
		return nil
	case a.StaffID != 0 && tk.AssigneeStaffID != nil && *tk.AssigneeStaffID == a.StaffID:
		return nil
	case a.Kind == ActorStaff && slices.Contains(told, a.ID):
		return nil
	}
	need := append(append([]string{"assignee"}, t.pipe.duties.Tickets...), t.pipe.supervisorRoles...)
	return &ForbiddenError{Actor: a.Label(), Need: need, What: "处理工单 " + tk.No}
}

// toldUsers lists the WeCom users escalation pushed about a ticket.
func toldUsers(tx *gorm.DB, ticketID uint64) ([]string, error) {
	var alarms []model.Alarm
	if err := tx.Select("told").Where("ticket_id = ?", ticketID).Find(&alarms).Error; err != nil {
		return nil, err
	}
	var out []string
	for _, a := range alarms {
		for _, e := range parseTold(a.Told) {
			for _, u := range e.Users {
				if !slices.Contains(out, u) {
					out = append(out, u)
				}
			}
		}
	}
	return out, nil
}

// TicketStateName is a ticket state in the words the order's timeline
// records it with; the chat edge says states in the same words.
func TicketStateName(s string) string {
	switch s {
	case model.TicketOpen:
		return "待接单"
	case model.TicketAcknowledged:
		return "已接单"
	case model.TicketResolved:
		return "已处理"
	case model.TicketClosed:
		return "已关闭"
	}
	return s
}
