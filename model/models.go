// Package model holds orderhub's gorm models and the database itself: open,
// migrate. It has no business rules; those live in service.
package model

import "time"

// Product is one SKU the business sells. Money is in fen.
type Product struct {
	ID       uint64 `gorm:"primaryKey"`
	SKU      string `gorm:"size:64;not null;uniqueIndex"`
	Name     string `gorm:"size:128;not null;index"`
	Spec     string `gorm:"size:128;not null;default:''"`
	Unit     string `gorm:"size:16;not null;default:''"`
	PriceFen int64  `gorm:"not null;default:0"`
	// Active is false for a product no longer sold: it stays for history
	// but takes no new orders.
	Active    bool `gorm:"not null;default:true"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Warehouse is one physical warehouse. Higher Priority is tried first.
type Warehouse struct {
	ID       uint64 `gorm:"primaryKey"`
	Code     string `gorm:"size:32;not null;uniqueIndex"`
	Name     string `gorm:"size:64;not null"`
	Region   string `gorm:"size:32;not null;default:''"`
	Priority int    `gorm:"not null;default:0"`
	// KeeperStaffID is the warehouse's keeper, if one is named.
	KeeperStaffID *uint64
	CreatedAt     time.Time
}

// Stock is what one warehouse holds of one product. The database itself
// refuses 0 > locked or locked > on_hand (CHECK constraint); service only
// changes these columns with conditional UPDATEs.
type Stock struct {
	ID          uint64 `gorm:"primaryKey"`
	WarehouseID uint64 `gorm:"not null;uniqueIndex:ux_stock_wh_product,priority:1"`
	ProductID   uint64 `gorm:"not null;uniqueIndex:ux_stock_wh_product,priority:2;index"`
	OnHand      int64  `gorm:"not null;default:0;check:chk_stock_locked,locked >= 0 AND locked <= on_hand"`
	Locked      int64  `gorm:"not null;default:0"`
	UpdatedAt   time.Time
}

// Stock movement kinds.
const (
	MoveAdjust      = "adjust"       // staff API adjustment
	MoveReceive     = "receive"      // goods in (入库)
	MoveCount       = "count"        // physical count (盘点)
	MoveReserve     = "reserve"      // locked for an order
	MoveRelease     = "release"      // lock released (cancel)
	MoveShip        = "ship"         // left the warehouse with an order
	MoveTransferOut = "transfer_out" // left for another warehouse
	MoveTransferIn  = "transfer_in"  // arrived from another warehouse
)

// StockMovement is the ledger: every change of on_hand or locked appends one
// row in the same transaction, so on_hand = sum(delta_on_hand) and
// locked = sum(delta_locked) per (warehouse, product).
type StockMovement struct {
	ID          uint64  `gorm:"primaryKey"`
	WarehouseID uint64  `gorm:"not null;index:idx_move_wh_product,priority:1"`
	ProductID   uint64  `gorm:"not null;index:idx_move_wh_product,priority:2"`
	Kind        string  `gorm:"size:16;not null"`
	DeltaOnHand int64   `gorm:"not null;default:0"`
	DeltaLocked int64   `gorm:"not null;default:0"`
	OrderID     *uint64 `gorm:"index"`
	TransferID  *uint64
	Actor       string `gorm:"size:64;not null;default:''"`
	Reason      string `gorm:"size:255;not null;default:''"`
	CreatedAt   time.Time
}

// Customer is a buying company (B2B).
type Customer struct {
	ID      uint64 `gorm:"primaryKey"`
	Code    string `gorm:"size:32;not null;uniqueIndex"`
	Name    string `gorm:"size:128;not null"`
	Contact string `gorm:"size:64;not null;default:''"`
	Phone   string `gorm:"size:32;not null;default:''"`
	Region  string `gorm:"size:32;not null;default:''"`
	// WarehouseID is the customer's nearest warehouse, if known.
	WarehouseID *uint64
	// Address is the delivery address on file, used when an order gives none.
	Address string `gorm:"size:255;not null;default:''"`
	// Tags are comma-separated labels sales staff keep (大客户, 月结 ...).
	Tags      string `gorm:"size:255;not null;default:''"`
	CreatedAt time.Time
}

// Staff is a WeCom user who works orders. Roles are comma-separated.
type Staff struct {
	ID          uint64 `gorm:"primaryKey"`
	UserID      string `gorm:"size:64;not null;uniqueIndex"`
	Name        string `gorm:"size:64;not null"`
	Roles       string `gorm:"size:255;not null;default:''"`
	WarehouseID *uint64
	Phone       string `gorm:"size:32;not null;default:''"`
	Active      bool   `gorm:"not null;default:true"`
	// Departments are the WeCom department ids they belong to,
	// comma-separated, as the directory sync last saw them.
	Departments string `gorm:"size:255;not null;default:''"`
	// LeadUserID is the WeCom userid of their lead (direct leader, else
	// their department's leader), told when their work is reassigned.
	LeadUserID string `gorm:"size:64;not null;default:''"`
	CreatedAt  time.Time
}

// Order is one customer order. No is derived from the id and creation day.
type Order struct {
	ID          uint64 `gorm:"primaryKey"`
	No          string `gorm:"size:32;not null;uniqueIndex"`
	Channel     string `gorm:"size:16;not null"`
	CustomerID  uint64 `gorm:"not null;index"`
	WarehouseID uint64 `gorm:"not null"`
	Address     string `gorm:"size:255;not null;default:''"`
	// AddressSource says where Address came from: "" as the order gave
	// it, "customer" from the customer's address on file.
	AddressSource string `gorm:"size:16;not null;default:''"`
	Remark        string `gorm:"size:500;not null;default:''"`
	PromisedAt    *time.Time
	// Stage and StageEnteredAt lead the index idx_orders_delivered (schema
	// version 15), which serves every look-up by stage.
	Stage string `gorm:"size:32;not null"`
	// StageEnteredAt is when the order entered its current stage.
	StageEnteredAt time.Time `gorm:"not null"`
	// StageDueAt is when the current stage's SLA runs out (nil: no clock).
	StageDueAt   *time.Time `gorm:"index:idx_orders_stage_due"`
	OwnerStaffID *uint64    `gorm:"index"`
	Carrier      string     `gorm:"size:32;not null;default:''"`
	TrackingNo   string     `gorm:"size:64;not null;default:''"`
	// Fields holds the stage fields given so far, as a JSON object.
	Fields    string `gorm:"type:text"`
	TotalFen  int64  `gorm:"not null;default:0"`
	CreatedAt time.Time
	UpdatedAt time.Time

	Lines []OrderLine `gorm:"foreignKey:OrderID"`
}

// OrderLine is one SKU of an order, priced when ordered.
type OrderLine struct {
	ID        uint64 `gorm:"primaryKey"`
	OrderID   uint64 `gorm:"not null;index"`
	ProductID uint64 `gorm:"not null"`
	SKU       string `gorm:"size:64;not null"`
	Name      string `gorm:"size:128;not null"`
	Qty       int64  `gorm:"not null"`
	PriceFen  int64  `gorm:"not null"`
}

// Allocation states.
const (
	AllocActive   = "active"
	AllocReleased = "released"
	AllocShipped  = "shipped"
)

// Allocation is stock locked for an order in one warehouse.
type Allocation struct {
	ID          uint64  `gorm:"primaryKey"`
	OrderID     uint64  `gorm:"not null;index"`
	ProductID   uint64  `gorm:"not null;index:idx_alloc_product_state,priority:1"`
	WarehouseID uint64  `gorm:"not null"`
	Qty         int64   `gorm:"not null"`
	State       string  `gorm:"size:16;not null;index:idx_alloc_product_state,priority:2"`
	TransferID  *uint64 `gorm:"index"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Transfer statuses.
const (
	TransferPending   = "pending"
	TransferReceived  = "received"
	TransferCancelled = "cancelled"
)

// Transfer is a work order to move stock locked in one warehouse to the
// warehouse that ships the order.
type Transfer struct {
	ID              uint64 `gorm:"primaryKey"`
	OrderID         uint64 `gorm:"not null;index"`
	ProductID       uint64 `gorm:"not null;index"`
	FromWarehouseID uint64 `gorm:"not null"`
	ToWarehouseID   uint64 `gorm:"not null"`
	Qty             int64  `gorm:"not null"`
	Status          string `gorm:"size:16;not null;index"`
	AssigneeStaffID *uint64
	// DispatchedAt is when the sending keeper said the goods left (发出),
	// with the carrier and waybill; nil while they are still on the shelf.
	DispatchedAt *time.Time
	DispatchedBy string `gorm:"size:64;not null;default:''"`
	Carrier      string `gorm:"size:32;not null;default:''"`
	WaybillNo    string `gorm:"size:64;not null;default:''"`
	ReceivedBy   string `gorm:"size:64;not null;default:''"`
	ReceivedAt   *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// OrderEvent is one entry of an order's timeline.
type OrderEvent struct {
	ID        uint64 `gorm:"primaryKey"`
	OrderID   uint64 `gorm:"not null;index"`
	Kind      string `gorm:"size:32;not null"`
	FromStage string `gorm:"size:32;not null;default:''"`
	ToStage   string `gorm:"size:32;not null;default:''"`
	Actor     string `gorm:"size:64;not null;default:''"`
	// Fields holds the fields given with the change, as a JSON object.
	Fields    string `gorm:"type:text"`
	Note      string `gorm:"size:500;not null;default:''"`
	CreatedAt time.Time
}

// IdempotencyKey remembers which order a client's retry key created.
type IdempotencyKey struct {
	ID          uint64 `gorm:"primaryKey"`
	Scope       string `gorm:"size:64;not null;uniqueIndex:ux_idem_scope_key,priority:1"`
	Key         string `gorm:"size:128;not null;uniqueIndex:ux_idem_scope_key,priority:2"`
	RequestHash string `gorm:"size:64;not null"`
	OrderID     uint64 `gorm:"not null"`
	CreatedAt   time.Time
}
