package service

import (
	"context"
	"fmt"
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

// Open records a problem on an order, assigned to the lead of whoever owns
// the order's stage (else a supervisor), so the person who can unblock it
// hears of it.
func (t *Tickets) Open(ctx context.Context, in NewTicket) (TicketView, error) {
	switch in.Kind {
	case model.TicketStaffProblem, model.TicketCustomerProblem, model.TicketStalled, model.TicketTransferOverdue:
	default:
		return TicketView{}, invalid("kind", "invalid_kind", "unknown ticket kind %q", in.Kind)
	}
	in.Description = strings.TrimSpace(in.Description)
	if err := checkText("description", in.Description, 1000, true); err != nil {
		return TicketView{}, err
	}
	no := strings.ToUpper(strings.TrimSpace(in.OrderNo))
	var v TicketView
	err := inTx(ctx, t.db, func(tx *gorm.DB) error {
		var ord model.Order
		if err := tx.Where("no = ?", no).Take(&ord).Error; err != nil {
			return notFound(err, "order", no)
		}
		if in.Actor.Kind == ActorCustomer && in.Actor.CustomerID != ord.CustomerID {
			return &NotFoundError{What: "order", Key: no}
		}
		now := t.clock()
		assignee, err := t.assignee(tx, ord)
		if err != nil {
			return err
		}
		orderID := ord.ID
		tk := model.Ticket{No: "tmp-" + randomToken()[:28], Kind: in.Kind, OrderID: &orderID, Reporter: in.Actor.Label(),
			Description: in.Description, State: model.TicketOpen, CreatedAt: now, UpdatedAt: now}
		if assignee != nil {
			tk.AssigneeStaffID = &assignee.ID
		}
		if err := tx.Create(&tk).Error; err != nil {
			return err
		}
		tk.No = TicketNo(now.In(t.loc), tk.ID)
		if err := tx.Model(&model.Ticket{}).Where("id = ?", tk.ID).Update("no", tk.No).Error; err != nil {
			return err
		}
		if err := tx.Create(&model.OrderEvent{OrderID: ord.ID, Kind: "ticket", Actor: in.Actor.Label(), Fields: "{}",
			Note: trunc("异常 "+tk.No+"："+in.Description, 500), CreatedAt: now}).Error; err != nil {
			return err
		}
		v = TicketView{Ticket: tk, OrderNo: ord.No, Stage: ord.Stage, Assignee: assignee}
		return finish(ctx, tx, now, Outcome{Ticket: &v})
	})
	return v, err
}

// assignee picks the lead of the role that owns the order's stage
// (keeper → keeper_lead, customer_service → cs_lead), else a supervisor.
func (t *Tickets) assignee(tx *gorm.DB, ord model.Order) (*model.Staff, error) {
	var candidates []string
	if st, ok := t.pipe.Stage(ord.Stage); ok && st.OwnerRole != "" {
		candidates = append(candidates, LeadRole(st.OwnerRole))
	}
	candidates = append(candidates, t.pipe.supervisorRoles...)
	for _, role := range candidates {
		s, err := staffWithRole(tx, role, ord.WarehouseID)
		if err != nil || s != nil {
			return s, err
		}
	}
	return nil, nil
}

// LeadRole names the lead of a role: keeper → keeper_lead, and
// customer_service → cs_lead.
func LeadRole(role string) string {
	if role == "customer_service" {
		return "cs_lead"
	}
	if strings.HasSuffix(role, "_lead") {
		return role
	}
	return role + "_lead"
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
func (t *Tickets) List(ctx context.Context, f TicketFilter) ([]TicketView, error) {
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
			return nil, invalid("state", "invalid_state", "state is open, acknowledged, resolved or closed")
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
			if err := db.Select("no, stage").Where("id = ?", *tk.OrderID).Take(&ord).Error; err == nil {
				out[i].OrderNo, out[i].Stage = ord.No, ord.Stage
			}
		}
		if tk.AssigneeStaffID != nil {
			var s model.Staff
			if err := db.Where("id = ?", *tk.AssigneeStaffID).Take(&s).Error; err == nil {
				out[i].Assignee = &s
			}
		}
	}
	return out, nil
}
