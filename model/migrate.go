package model

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// SchemaMigration records one applied schema version.
type SchemaMigration struct {
	Version   int    `gorm:"primaryKey;autoIncrement:false"`
	Name      string `gorm:"size:128;not null"`
	AppliedAt time.Time
}

type migration struct {
	version int
	name    string
	up      func(tx *gorm.DB) error
}

// migrations is the schema's history, oldest first. Never edit an entry that
// has shipped: append a new one. A migration whose table later changes must
// keep the shape it had (see v1Order) so that it still builds the schema it
// built then, and an upgrade from that version is what the tests exercise.
var migrations = []migration{
	{1, "baseline: catalog, stock ledger, orders, transfers, timeline", func(tx *gorm.DB) error {
		return tx.AutoMigrate(
			&Product{}, &Warehouse{}, &Stock{}, &StockMovement{},
			&Customer{}, &Staff{},
			&v1Order{}, &OrderLine{}, &Allocation{}, &Transfer{}, &OrderEvent{},
			&IdempotencyKey{},
		)
	}},
	{2, "orders.stage_due_at: index stage deadlines for escalation scans", func(tx *gorm.DB) error {
		m := tx.Migrator()
		if !m.HasColumn(&Order{}, "StageDueAt") {
			if err := m.AddColumn(&Order{}, "StageDueAt"); err != nil {
				return err
			}
		}
		if !m.HasIndex(&Order{}, "idx_orders_stage_due") {
			return m.CreateIndex(&Order{}, "idx_orders_stage_due")
		}
		return nil
	}},
	{3, "wecom bot: outbox, inbound messages, tickets", migrateV3},
	{4, "buyers: mini-program users and the customer each orders for", func(tx *gorm.DB) error {
		return tx.AutoMigrate(&v4Buyer{})
	}},
	{5, "subscriptions: buyers' one-time permissions for subscribe messages", func(tx *gorm.DB) error {
		return tx.AutoMigrate(&v5Subscription{})
	}},
	{6, "escalation: alarms, delay notices, card tasks; stage-entry and age indexes", migrateV6},
	{7, "ticket loop: reporting buyer, card response codes", migrateV7},
	{9, "first week: transfers dispatched (carrier, waybill), orders' address source", migrateV9},
	{10, "war room: time indexes for metrics (deliveries, timeline, tickets, orders)", migrateV10},
	{11, "channel intake: intakes (channel orders held for review, chat and photo drafts)", migrateV11},
	{12, "moving in: warehouse keepers, product aliases and retirement, customer address and tags, staff directory fields, job runs", migrateV12},
	{13, "practice mode: practice sessions and refusals (written only in practice databases)", migrateV13},
	{14, "orders: drop the stage indexes the delivered-orders index already is", migrateV14},
	{15, "war room: covering index of delivered orders for the on-time rate", migrateV15},
	{17, "counters: the reference data's version (kept between placement batches) and order ids in blocks", migrateV17},
	{18, "buyer sessions: logouts kept in the database (session_revocations)", migrateV18},
	{19, "buyer photos: uploads counted for the per-buyer quota (photo_uploads)", migrateV19},
	{28, "coupons: delay compensation coupons, usable on the next order", migrateV28},
	{29, "stocking lists: sent once per customer and purchase window, and the planned order placed from one", migrateV29},
	{30, "keys compare byte for byte: utf8mb4_bin on the string columns of primary and unique indexes (MySQL, MariaDB)", migrateV30},
	{31, "link requests: a buyer asks in the mini-program to be linked to their company, customer service decides in WeCom", migrateV31},
}

// v5Subscription is the subscriptions table as version 5 created it.
type v5Subscription struct {
	ID        uint64  `gorm:"primaryKey"`
	OrderID   uint64  `gorm:"not null;uniqueIndex:ux_sub_order_buyer_event,priority:1"`
	BuyerID   uint64  `gorm:"not null;uniqueIndex:ux_sub_order_buyer_event,priority:2"`
	Event     string  `gorm:"size:16;not null;uniqueIndex:ux_sub_order_buyer_event,priority:3"`
	OpenID    string  `gorm:"size:64;not null"`
	State     string  `gorm:"size:16;not null"`
	OutboxID  *uint64 `gorm:"index"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (v5Subscription) TableName() string { return "subscriptions" }

// v4Buyer is the buyers table as version 4 created it; spelled out so a
// later change to Buyer does not change what version 4 builds.
type v4Buyer struct {
	ID          uint64 `gorm:"primaryKey"`
	OpenID      string `gorm:"size:64;not null;uniqueIndex"`
	UnionID     string `gorm:"size:64;not null;default:''"`
	CustomerID  uint64 `gorm:"not null;index"`
	Name        string `gorm:"size:64;not null;default:''"`
	LastLoginAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (v4Buyer) TableName() string { return "buyers" }

// v1Order is the orders table as version 1 created it, before stage_due_at.
type v1Order struct {
	ID             uint64 `gorm:"primaryKey"`
	No             string `gorm:"size:32;not null;uniqueIndex"`
	Channel        string `gorm:"size:16;not null"`
	CustomerID     uint64 `gorm:"not null;index"`
	WarehouseID    uint64 `gorm:"not null"`
	Address        string `gorm:"size:255;not null;default:''"`
	Remark         string `gorm:"size:500;not null;default:''"`
	PromisedAt     *time.Time
	Stage          string    `gorm:"size:32;not null;index"`
	StageEnteredAt time.Time `gorm:"not null"`
	OwnerStaffID   *uint64   `gorm:"index"`
	Carrier        string    `gorm:"size:32;not null;default:''"`
	TrackingNo     string    `gorm:"size:64;not null;default:''"`
	Fields         string    `gorm:"type:text"`
	TotalFen       int64     `gorm:"not null;default:0"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (v1Order) TableName() string { return "orders" }

// LatestVersion is the schema version this build migrates to: the highest
// (versions written on parallel branches may be listed out of order).
func LatestVersion() int {
	v := 0
	for _, m := range migrations {
		v = max(v, m.version)
	}
	return v
}

// Migrate brings the schema to the latest version.
func Migrate(ctx context.Context, db *gorm.DB) error {
	return MigrateTo(ctx, db, LatestVersion())
}

// MigrateTo applies every migration up to and including version target.
// Several instances may start at once: on MySQL a named lock lets one
// migrate while the others wait and then find nothing to do.
func MigrateTo(ctx context.Context, db *gorm.DB, target int) error {
	db = db.WithContext(ctx)
	if !IsMySQL(db) {
		return migrate(db, target)
	}
	return db.Connection(func(conn *gorm.DB) error {
		var got int
		if err := conn.Raw("SELECT GET_LOCK('orderhub_migrate', 120)").Scan(&got).Error; err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		if got != 1 {
			return errors.New("migrate: another instance held the migration lock for 120 s")
		}
		defer conn.Exec("SELECT RELEASE_LOCK('orderhub_migrate')")
		// A fresh session, so that one query's clauses never leak into the next.
		return migrate(conn.Session(&gorm.Session{}), target)
	})
}

func migrate(db *gorm.DB, target int) error {
	if err := db.AutoMigrate(&SchemaMigration{}); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	current, err := Version(db)
	if err != nil {
		return err
	}
	if current > LatestVersion() {
		return fmt.Errorf("migrate: the database is at schema version %d, newer than this build's %d: upgrade orderhub", current, LatestVersion())
	}
	// Every version not yet applied, not just those above the highest:
	// versions written on parallel branches may land out of order.
	var applied []int
	if err := db.Model(&SchemaMigration{}).Pluck("version", &applied).Error; err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range migrations {
		if slices.Contains(applied, m.version) || m.version > target {
			continue
		}
		// MySQL commits DDL implicitly, so a migration is not atomic there;
		// each one is written to be safe to run again after a crash.
		if err := m.up(db); err != nil {
			return fmt.Errorf("migrate: version %d (%s): %w", m.version, m.name, err)
		}
		if err := db.Create(&SchemaMigration{Version: m.version, Name: m.name, AppliedAt: time.Now().UTC()}).Error; err != nil {
			return fmt.Errorf("migrate: record version %d: %w", m.version, err)
		}
	}
	return nil
}

// Version returns the schema version of db (0 for an empty database).
func Version(db *gorm.DB) (int, error) {
	if !db.Migrator().HasTable(&SchemaMigration{}) {
		return 0, nil
	}
	var v *int
	if err := db.Model(&SchemaMigration{}).Select("MAX(version)").Scan(&v).Error; err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

// Models lists every current model, for checks that the migrations built
// every column the code uses.
func Models() []any {
	return []any{
		&Product{}, &Warehouse{}, &Stock{}, &StockMovement{},
		&Customer{}, &Staff{},
		&Order{}, &OrderLine{}, &Allocation{}, &Transfer{}, &OrderEvent{},
		&IdempotencyKey{},
		&Outbox{}, &Inbound{}, &Ticket{},
		&Buyer{}, &Subscription{},
		&Alarm{}, &DelayNotice{}, &CardTask{},
		&Intake{},
		&ProductAlias{}, &JobRun{},
		&Counter{},
		&SessionRevocation{},
		&Coupon{},
		&PhotoUpload{},
		&StockingSend{},
		&LinkRequest{},
	}
}
