// Package audit is the nightly check that what orderhub recorded still adds
// up: stock against its ledger and allocations, delivered orders against
// their timeline. It only reads, and tells people what drifted.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service"
	"orderhub/service/kernel"
)

// Auditor checks that stock still adds up: for every (warehouse, SKU),
// locked equals the active allocations, and on_hand and locked equal the
// sums of the stock-movement ledger. Every change writes both in one
// transaction, so any drift means something changed stock behind
// orderhub's back (a hand-written UPDATE, a restored backup) and a person
// must look. It checks the delivered orders against their timeline the
// same way (checkDeliveries): the on-time rate reads them.
type Auditor struct {
	db    *gorm.DB
	rdb   redis.UniversalClient
	keys  string // Redis key prefix
	pipe  *service.Pipeline
	clock kernel.Clock
	loc   *time.Location
	log   *slog.Logger
	// At is the local time of day the nightly run starts.
	At time.Duration
}

// New returns an Auditor that runs nightly at 02:00 local time.
func New(db *gorm.DB, rdb redis.UniversalClient, keyPrefix string, pipe *service.Pipeline, clock kernel.Clock, loc *time.Location, log *slog.Logger) *Auditor {
	if db == nil || rdb == nil || pipe == nil || clock == nil || loc == nil || log == nil {
		panic("service: New: nil dependency")
	}
	return &Auditor{db: db, rdb: rdb, keys: keyPrefix, pipe: pipe, clock: clock, loc: loc, log: log, At: 2 * time.Hour}
}

// Drift is one (warehouse, SKU) whose numbers do not add up.
type Drift struct {
	Warehouse    string
	SKU          string
	OnHand       int64
	LedgerOnHand int64
	Locked       int64
	LedgerLocked int64
	Allocated    int64
}

// Report is what one audit found.
type Report struct {
	At      time.Time
	Checked int64
	Drifts  []Drift
	// Deliveries are delivered orders that disagree with their timeline.
	Deliveries []DeliveryDrift
	Notified   []string // WeCom userids the drift was pushed to
}

// Check compares stock with allocations and the ledger. Three grouped
// scans, whatever the number of SKUs.
func (a *Auditor) Check(ctx context.Context) (_ Report, err error) {
	defer kernel.WrapOp(&err, "Auditor.Check")
	r := Report{At: a.clock()}
	db := a.db.WithContext(ctx)
	if err := db.Model(&model.Stock{}).Count(&r.Checked).Error; err != nil {
		return r, err
	}
	err = db.Raw(`
SELECT w.code AS warehouse, p.sku, s.on_hand, s.locked,
	COALESCE(m.on_hand, 0) AS ledger_on_hand, COALESCE(m.locked, 0) AS ledger_locked, COALESCE(al.qty, 0) AS allocated
FROM stocks s
JOIN warehouses w ON w.id = s.warehouse_id
JOIN products p ON p.id = s.product_id
LEFT JOIN (SELECT warehouse_id, product_id, SUM(delta_on_hand) AS on_hand, SUM(delta_locked) AS locked
	FROM stock_movements GROUP BY warehouse_id, product_id) m
	ON m.warehouse_id = s.warehouse_id AND m.product_id = s.product_id
LEFT JOIN (SELECT warehouse_id, product_id, SUM(qty) AS qty FROM allocations WHERE state = ?
	GROUP BY warehouse_id, product_id) al
	ON al.warehouse_id = s.warehouse_id AND al.product_id = s.product_id
WHERE s.on_hand <> COALESCE(m.on_hand, 0) OR s.locked <> COALESCE(m.locked, 0) OR s.locked <> COALESCE(al.qty, 0)
ORDER BY p.sku, w.code`, model.AllocActive).Scan(&r.Drifts).Error
	if err != nil {
		return r, err
	}
	r.Deliveries, err = a.checkDeliveries(db)
	return r, err
}

// Drifted says whether anything did not add up.
func (r Report) Drifted() bool { return len(r.Drifts) > 0 || len(r.Deliveries) > 0 }

// Run checks and, when anything drifted, pushes what differs to the
// admins (else the supervisors) through the outbox. The push is keyed by
// the day and the drift itself, so two instances, or a rerun, push once.
func (a *Auditor) Run(ctx context.Context) (_ Report, err error) {
	defer kernel.WrapOp(&err, "Auditor.Run")
	r, err := a.Check(ctx)
	if err != nil || !r.Drifted() {
		return r, err
	}
	err = kernel.InTx(ctx, a.db, func(tx *gorm.DB) error {
		to, err := a.recipients(tx)
		if err != nil {
			return err
		}
		r.Notified = to
		if len(to) == 0 {
			a.log.ErrorContext(ctx, "audit found drift and no admin or supervisor is registered to tell", "drifts", len(r.Drifts), "deliveries", len(r.Deliveries))
			return nil
		}
		msg := kernel.Message{To: to, Type: service.MsgTypeStockAudit, Body: r}
		msg.Key = "audit:" + r.At.In(a.loc).Format("2006-01-02") + ":" + driftHash(r.Drifts, r.Deliveries)
		return kernel.Enqueue(tx, a.clock(), 0, []kernel.Message{msg})
	})
	return r, err
}

func (a *Auditor) recipients(tx *gorm.DB) ([]string, error) {
	for _, roles := range [][]string{a.pipe.Duties().Audit, a.pipe.SupervisorRoles()} {
		var ids []string
		for _, role := range roles {
			var staff []model.Staff
			if err := tx.Where("active = ? AND roles LIKE ?", true, kernel.RoleLike(role)).Order("id").Find(&staff).Error; err != nil {
				return nil, err
			}
			for _, s := range staff {
				ids = append(ids, s.UserID)
			}
		}
		if len(ids) > 0 {
			return kernel.Dedupe(ids), nil
		}
	}
	return nil, nil
}

func driftHash(ds []Drift, dd []DeliveryDrift) string {
	h := sha256.New()
	for _, d := range ds {
		fmt.Fprintf(h, "%+v|", d)
	}
	for _, d := range dd {
		fmt.Fprintf(h, "%s %d %v|", d.OrderNo, d.EnteredAt.UnixMilli(), d.EventAt != nil)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// RunIfDue runs the nightly audit if today's run time has passed and no
// instance has run it yet today. The claim is a Redis key per local day;
// with Redis down every instance runs it, which is harmless: the check
// only reads, and the push is keyed.
func (a *Auditor) RunIfDue(ctx context.Context) (ran bool, r Report, err error) {
	now := a.clock().In(a.loc)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, a.loc)
	if now.Before(day.Add(a.At)) {
		return false, r, nil
	}
	claimed, err := a.rdb.SetNX(ctx, a.keys+"audit:"+day.Format("2006-01-02"), "1", 26*time.Hour).Result()
	if err != nil {
		a.log.WarnContext(ctx, "audit claim unavailable; auditing anyway", "err", err)
		claimed = true
	}
	if !claimed {
		return false, r, nil
	}
	r, err = a.Run(ctx)
	if err == nil && r.Drifted() {
		a.log.WarnContext(ctx, "audit found drift", "drifts", len(r.Drifts), "deliveries", len(r.Deliveries), "notified", r.Notified)
	}
	return true, r, err
}

// Nightly calls RunIfDue every minute until ctx ends.
func (a *Auditor) Nightly(ctx context.Context) {
	kernel.EveryTick(ctx, time.Minute, a.log, "stock audit", func() {
		if _, _, err := a.RunIfDue(ctx); err != nil && ctx.Err() == nil {
			a.log.ErrorContext(ctx, "stock audit", "err", err)
		}
	})
}
