package service

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"orderhub/model"
)

// Dispatch is the sending keeper's 发出: the goods of a transfer left the
// source warehouse with a carrier and a waybill. Stock does not move yet
// (it is still counted, and locked, in the source warehouse until 到货);
// the step starts the transfer's transit and stops its dispatch clock.
type Dispatch struct {
	ID        uint64
	Carrier   string
	WaybillNo string
	Actor     Actor
}

// Dispatch records that a pending transfer's goods left. The outcome
// carries the receiving warehouse's keepers, so that the reply to the
// sender goes with a note to the other end.
func (t *Transfers) Dispatch(ctx context.Context, in Dispatch) (TransferView, error) {
	actor := in.Actor
	if may := t.pipe.duties.Transfers; actor.Kind == ActorStaff && !actor.HasRole(may...) && !t.pipe.Supervisor(actor) {
		return TransferView{}, &ForbiddenError{Actor: actor.Label(), Need: append(slices.Clone(may), t.pipe.supervisorRoles...), What: "发出调拨单"}
	}
	in.Carrier, in.WaybillNo = strings.TrimSpace(in.Carrier), strings.TrimSpace(in.WaybillNo)
	if err := checkText("carrier", in.Carrier, 32, true); err != nil {
		return TransferView{}, err
	}
	if err := checkText("waybill_no", in.WaybillNo, 64, true); err != nil {
		return TransferView{}, err
	}
	err := inTx(ctx, t.db, func(tx *gorm.DB) error {
		var tr model.Transfer
		if err := forUpdate(tx).Where("id = ?", in.ID).Take(&tr).Error; err != nil {
			return notFound(err, "transfer", strconv.FormatUint(in.ID, 10))
		}
		if tr.Status != model.TransferPending {
			return conflict(CodeTransferNotPending, "调拨单 #%d 是%s，不是待处理", tr.ID, tr.Status).about(fmt.Sprintf("#%d", tr.ID), tr.Status)
		}
		if tr.DispatchedAt != nil {
			return conflict(CodeTransferDispatched, "调拨单 #%d 已发出（%s %s）", tr.ID, tr.Carrier, tr.WaybillNo).
				about(fmt.Sprintf("#%d", tr.ID), "dispatched", tr.Carrier, tr.WaybillNo)
		}
		now := t.clock()
		res := model.Row(tx, &model.Transfer{}).Where("id = ? AND status = ? AND dispatched_at IS NULL", tr.ID, model.TransferPending).
			Updates(map[string]any{"dispatched_at": now, "dispatched_by": actor.Label(), "carrier": in.Carrier, "waybill_no": in.WaybillNo, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("dispatch transfer #%d: row changed under its lock", tr.ID)
		}
		tr.DispatchedAt, tr.DispatchedBy, tr.Carrier, tr.WaybillNo = &now, actor.Label(), in.Carrier, in.WaybillNo
		var whs []model.Warehouse
		if err := tx.Where("id IN ?", []uint64{tr.FromWarehouseID, tr.ToWarehouseID}).Find(&whs).Error; err != nil {
			return err
		}
		if err := tx.Create(&model.OrderEvent{OrderID: tr.OrderID, Kind: "transfer_dispatched", Actor: actor.Label(), Fields: "{}",
			Note: fmt.Sprintf("调拨单 #%d 已从 %s 发出（%s %s）", tr.ID, WarehouseCode(whs, tr.FromWarehouseID), in.Carrier, in.WaybillNo), CreatedAt: now}).Error; err != nil {
			return err
		}
		// The ticket its dispatch clock opened closes itself (the transfer
		// moved on); its arrival clock keeps running.
		if err := endTransferWait(tx, tr.ID, "调拨单已发出，自动处理", now, model.ClockDispatch); err != nil {
			return err
		}
		receivers, err := warehouseKeepers(tx, tr.ToWarehouseID, t.pipe.duties.TransferKeeper)
		if err != nil {
			return err
		}
		return finish(ctx, tx, now, Outcome{Transfer: &tr, Receivers: receivers})
	})
	if err != nil {
		return TransferView{}, err
	}
	views, err := t.List(ctx, TransferFilter{ID: in.ID})
	if err != nil || len(views) == 0 {
		return TransferView{}, err
	}
	return views[0], nil
}

// warehouseKeepers are the active keepers of a warehouse: who unpacks
// what arrives there.
func warehouseKeepers(tx *gorm.DB, warehouseID uint64, keeper string) ([]model.Staff, error) {
	var staff []model.Staff
	if err := tx.Where("warehouse_id = ? AND active = ?", warehouseID, true).Order("id").Find(&staff).Error; err != nil {
		return nil, err
	}
	var out []model.Staff
	for _, s := range staff {
		for _, r := range strings.Split(s.Roles, ",") {
			if strings.TrimSpace(r) == keeper {
				out = append(out, s)
				break
			}
		}
	}
	return out, nil
}
