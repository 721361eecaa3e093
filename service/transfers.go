package service

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"gorm.io/gorm"

	"orderhub/model"
)

// Transfers moves locked stock between warehouses for orders.
type Transfers struct {
	db    *gorm.DB
	pipe  *Pipeline
	clock Clock
}

// NewTransfers returns a Transfers.
func NewTransfers(db *gorm.DB, pipe *Pipeline, clock Clock) *Transfers {
	if db == nil || pipe == nil || clock == nil {
		panic("service: NewTransfers: nil dependency")
	}
	return &Transfers{db: db, pipe: pipe, clock: clock}
}

// TransferView is a transfer with the names people use.
type TransferView struct {
	model.Transfer
	From     string `gorm:"column:from_code"`
	To       string `gorm:"column:to_code"`
	SKU      string
	Name     string
	OrderNo  string
	Assignee string
	// AssigneeUserID is the assignee's WeCom userid ("" for none).
	AssigneeUserID string `gorm:"column:assignee_user_id"`
}

// Dispatched says the goods have left the source warehouse and not yet
// arrived.
func (v TransferView) Dispatched() bool {
	return v.Status == model.TransferPending && v.DispatchedAt != nil
}

// TransferFilter selects transfers.
type TransferFilter struct {
	ID      uint64
	SKU     string
	OrderNo string
	Status  string
	// AssigneeStaffID or WarehouseID (either end) narrow to one person's work.
	AssigneeStaffID uint64
	WarehouseID     uint64
}

// List returns transfers, oldest first.
func (t *Transfers) List(ctx context.Context, f TransferFilter) (_ []TransferView, err error) {
	defer wrapOp(&err, "Transfers.List")
	q := t.db.WithContext(ctx).Table("transfers").
		Select(`transfers.*, wf.code AS from_code, wt.code AS to_code, products.sku, products.name, orders.no AS order_no, COALESCE(staffs.name, '') AS assignee, COALESCE(staffs.user_id, '') AS assignee_user_id`).
		Joins("JOIN warehouses wf ON wf.id = transfers.from_warehouse_id").
		Joins("JOIN warehouses wt ON wt.id = transfers.to_warehouse_id").
		Joins("JOIN products ON products.id = transfers.product_id").
		Joins("JOIN orders ON orders.id = transfers.order_id").
		Joins("LEFT JOIN staffs ON staffs.id = transfers.assignee_staff_id")
	if f.ID != 0 {
		q = q.Where("transfers.id = ?", f.ID)
	}
	if f.SKU != "" {
		q = q.Where("products.sku = ?", NormalizeSKU(f.SKU))
	}
	if f.OrderNo != "" {
		q = q.Where("orders.no = ?", f.OrderNo)
	}
	if f.Status != "" {
		switch f.Status {
		case model.TransferPending, model.TransferReceived, model.TransferCancelled:
		default:
			return nil, invalid("status", CodeInvalidStatus, "status 须为 pending、received 或 cancelled")
		}
		q = q.Where("transfers.status = ?", f.Status)
	}
	if f.AssigneeStaffID != 0 || f.WarehouseID != 0 {
		q = q.Where("transfers.assignee_staff_id = ? OR transfers.from_warehouse_id = ? OR transfers.to_warehouse_id = ?", f.AssigneeStaffID, f.WarehouseID, f.WarehouseID)
	}
	var out []TransferView
	err = q.Order("transfers.id").Limit(500).Scan(&out).Error
	return out, err
}

// Receive records that a transfer's goods arrived: the locked stock moves
// from the source warehouse to the order's warehouse, still locked for the
// order, and the ledger says so on both sides.
func (t *Transfers) Receive(ctx context.Context, id uint64, actor Actor) (_ TransferView, err error) {
	defer wrapOp(&err, "Transfers.Receive")
	if may := t.pipe.duties.Transfers; actor.Kind == ActorStaff && !actor.HasRole(may...) && !t.pipe.Supervisor(actor) {
		return TransferView{}, &ForbiddenError{Actor: actor.Label(), Need: append(slices.Clone(may), t.pipe.supervisorRoles...), What: "接收调拨单"}
	}
	key := strconv.FormatUint(id, 10)
	err = inTx(ctx, t.db, func(tx *gorm.DB) error {
		var tr model.Transfer
		if err := forUpdate(tx).Where("id = ?", id).Take(&tr).Error; err != nil {
			return notFound(err, "transfer", key)
		}
		if tr.Status != model.TransferPending {
			return conflict(CodeTransferNotPending, "调拨单 #%d 是%s，不是待处理", tr.ID, tr.Status).about(fmt.Sprintf("#%d", tr.ID), tr.Status)
		}
		now := t.clock()
		orderID, trID := tr.OrderID, tr.ID
		if err := moveStock(tx, stockMove{WarehouseID: tr.FromWarehouseID, ProductID: tr.ProductID, Kind: model.MoveTransferOut,
			OnHand: -tr.Qty, Locked: -tr.Qty, OrderID: &orderID, TransferID: &trID, Actor: actor.Label(), At: now}); err != nil {
			return fmt.Errorf("receive transfer #%d: source: %w", tr.ID, err)
		}
		if _, err := ensureStock(tx, tr.ToWarehouseID, tr.ProductID); err != nil {
			return err
		}
		if err := moveStock(tx, stockMove{WarehouseID: tr.ToWarehouseID, ProductID: tr.ProductID, Kind: model.MoveTransferIn,
			OnHand: tr.Qty, Locked: tr.Qty, OrderID: &orderID, TransferID: &trID, Actor: actor.Label(), At: now}); err != nil {
			return fmt.Errorf("receive transfer #%d: destination: %w", tr.ID, err)
		}
		if err := tx.Model(&model.Allocation{}).Where("transfer_id = ? AND state = ?", tr.ID, model.AllocActive).
			Updates(map[string]any{"warehouse_id": tr.ToWarehouseID, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := tx.Model(&model.Transfer{}).Where("id = ?", tr.ID).
			Updates(map[string]any{"status": model.TransferReceived, "received_by": actor.Label(), "received_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := tx.Create(&model.OrderEvent{OrderID: tr.OrderID, Kind: "transfer_received", Actor: actor.Label(), Fields: "{}",
			Note: fmt.Sprintf("调拨单 #%d 已到货", tr.ID), CreatedAt: now}).Error; err != nil {
			return err
		}
		if err := endTransferWait(tx, tr.ID, "调拨单已到货，自动处理", now); err != nil {
			return err
		}
		return finish(ctx, tx, now, Outcome{Transfer: &tr})
	})
	if err != nil {
		return TransferView{}, err
	}
	views, err := t.List(ctx, TransferFilter{ID: id})
	if err != nil || len(views) == 0 {
		return TransferView{}, err
	}
	return views[0], nil
}
