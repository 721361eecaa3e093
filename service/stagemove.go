package service

import (
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// stageMove is one order leaving its stage: the order as read (its stage is
// the one it must still be in), where it goes, the columns that change with
// it, and its timeline entry.
type stageMove struct {
	Order model.Order
	To    string
	// DueAt is the new stage's deadline (nil: none); Owner its owner.
	DueAt *time.Time
	Owner *uint64
	// Set holds further columns that change with the stage (fields,
	// carrier, ...).
	Set    map[string]any
	Kind   string // the event kind: "stage", "cancelled"
	Actor  string
	Fields string // the event's fields as JSON; "{}" for none
	Note   string
	At     time.Time
}

// moveStage moves an order by one conditional UPDATE (it must still be in
// the stage it was read in), checks it changed exactly one row — else
// someone moved it meanwhile, refused with order_moved — and appends the
// timeline entry, all in tx. Advance, Cancel and ConfirmReceipt all move
// stages through it.
func moveStage(tx *gorm.DB, m stageMove) error {
	ord := m.Order
	cols := map[string]any{
		"stage": m.To, "stage_entered_at": m.At, "stage_due_at": m.DueAt, "owner_staff_id": m.Owner, "updated_at": m.At,
	}
	for k, v := range m.Set {
		cols[k] = v
	}
	res := model.Row(tx, &model.Order{}).Where("id = ? AND stage = ?", ord.ID, ord.Stage).Updates(cols)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return conflict(CodeOrderMoved, "订单 %s 刚刚已变动，请重新查看", ord.No).about(ord.No, "")
	}
	fields := m.Fields
	if fields == "" {
		fields = "{}"
	}
	return tx.Create(&model.OrderEvent{OrderID: ord.ID, Kind: m.Kind, FromStage: ord.Stage, ToStage: m.To,
		Actor: m.Actor, Fields: fields, Note: m.Note, CreatedAt: m.At}).Error
}
