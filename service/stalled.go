package service

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// A ticket escalation opened for a wait (an order stalled in a stage, a
// transfer overdue) is resolved, with a note saying why, in the same
// transaction that ends the wait: the order moving on or being cancelled,
// the transfer arriving or being cancelled. Waiting for the next scan to
// notice left it open for good once its ladder was spent
// (docs/escalation.md: "那张超时工单会自动标为「已处理」"). A ticket a person
// reported is never resolved by a move.

// endStageWait resolves the tickets opened for ord's wait in the stage it
// is leaving for to.
func endStageWait(tx *gorm.DB, pipe *Pipeline, ord model.Order, to string, now time.Time) error {
	q := tx.Model(&model.Alarm{}).Where("subject = ? AND subject_id = ? AND clock = ? AND stage = ? AND ticket_id IS NOT NULL",
		model.AlarmOrder, ord.ID, model.ClockStage, ord.Stage)
	note := fmt.Sprintf("订单已离开「%s」（现在：%s），自动处理", pipe.Name(ord.Stage), pipe.Name(to))
	if err := resolveOpened(tx, q, note, now); err != nil {
		return err
	}
	if to != StageCancelled {
		return nil
	}
	// Cancelling cancels the order's pending transfers too.
	q = tx.Model(&model.Alarm{}).Where("subject = ? AND clock = ? AND ticket_id IS NOT NULL AND subject_id IN (?)",
		model.AlarmTransfer, model.ClockTransfer, tx.Model(&model.Transfer{}).Select("id").Where("order_id = ?", ord.ID))
	return resolveOpened(tx, q, "订单已取消，调拨单随之取消，自动处理", now)
}

// endTransferWait resolves the tickets opened for transfer id's wait:
// not dispatched (ClockDispatch, when it is sent) and not received (both,
// when it arrives).
func endTransferWait(tx *gorm.DB, id uint64, note string, now time.Time, clocks ...string) error {
	if len(clocks) == 0 {
		clocks = []string{model.ClockTransfer, model.ClockDispatch}
	}
	q := tx.Model(&model.Alarm{}).Where("subject = ? AND subject_id = ? AND clock IN ? AND ticket_id IS NOT NULL",
		model.AlarmTransfer, id, clocks)
	return resolveOpened(tx, q, note, now)
}

func resolveOpened(tx *gorm.DB, alarms *gorm.DB, note string, now time.Time) error {
	var ids []uint64
	if err := alarms.Distinct("ticket_id").Pluck("ticket_id", &ids).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	return model.Row(tx, &model.Ticket{}).Where("id IN ? AND state IN ?", ids, []string{model.TicketOpen, model.TicketAcknowledged}).
		Updates(map[string]any{"state": model.TicketResolved, "resolution": note, "resolved_at": now, "updated_at": now}).Error
}
