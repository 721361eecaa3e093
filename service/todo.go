package service

import (
	"context"

	"gorm.io/gorm"

	"orderhub/model"
)

// Todo is one staff member's open work: orders by the time their stage's
// clock has left (the one due soonest first, as the board lists them),
// tickets and transfers oldest first (their clocks are the same length).
type Todo struct {
	Orders    []model.Order
	Tickets   []TicketView
	Transfers []TransferView
}

// Todos gathers what is waiting on one person.
type Todos struct {
	db        *gorm.DB
	pipe      *Pipeline
	tickets   *Tickets
	transfers *Transfers
}

// NewTodos returns a Todos.
func NewTodos(db *gorm.DB, pipe *Pipeline, tickets *Tickets, transfers *Transfers) *Todos {
	if db == nil || pipe == nil || tickets == nil || transfers == nil {
		panic("service: NewTodos: nil dependency")
	}
	return &Todos{db: db, pipe: pipe, tickets: tickets, transfers: transfers}
}

// For returns the orders whose current stage the actor owns, soonest due
// first, the open tickets assigned to them and their pending transfers,
// oldest first.
func (t *Todos) For(ctx context.Context, actor Actor) (_ Todo, err error) {
	defer wrapOp(&err, "Todos.For")
	var td Todo
	if actor.StaffID == 0 {
		return td, nil
	}
	last := t.pipe.Last().Key
	err = t.db.WithContext(ctx).Where("owner_staff_id = ? AND stage NOT IN ?", actor.StaffID, []string{last, StageCancelled}).
		Order("CASE WHEN stage_due_at IS NULL THEN 1 ELSE 0 END, stage_due_at, stage_entered_at, id").Limit(50).Find(&td.Orders).Error
	if err != nil {
		return td, err
	}
	if td.Tickets, err = t.tickets.List(ctx, TicketFilter{AssigneeStaffID: actor.StaffID, Open: true}); err != nil {
		return td, err
	}
	td.Transfers, err = t.transfers.List(ctx, TransferFilter{AssigneeStaffID: actor.StaffID, Status: model.TransferPending})
	return td, err
}
