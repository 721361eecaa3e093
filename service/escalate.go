package service

import (
	"cmp"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"orderhub/config"
	"orderhub/model"
)

// Escalator is the circuit breaker: every stage, ticket and transfer has a
// clock, and when one runs out the right people are pushed, then their
// bosses. Each instance runs it; they never push twice because a level
// fires by moving its alarm row on, under a row lock (SKIP LOCKED on
// MySQL/MariaDB, SQLite's write lock in one process), in the same
// transaction that queues the pushes in the outbox.
type Escalator struct {
	db      *gorm.DB
	orders  *Orders
	pipe    *Pipeline
	tickets *Tickets
	cfg     config.Escalation
	clock   Clock
	loc     *time.Location
	log     *slog.Logger
	// batch bounds the alarms one transaction fires; find bounds the
	// waits one query arms (Arm repeats while a query comes back full).
	batch, find int
	// nudged is when this instance last nudged each holder (WeCom user),
	// for cfg.NudgeGap. Another instance keeps its own: with n instances a
	// holder hears at most n times a gap.
	nudgeMu sync.Mutex
	nudged  map[string]time.Time
}

// NewEscalator returns an Escalator.
func NewEscalator(db *gorm.DB, orders *Orders, tickets *Tickets, cfg config.Escalation, clock Clock, loc *time.Location, log *slog.Logger) *Escalator {
	if db == nil || orders == nil || tickets == nil || clock == nil || loc == nil || log == nil {
		panic("service: NewEscalator: nil dependency")
	}
	if cfg.GroupOver < 1 {
		cfg.GroupOver = 3
	}
	return &Escalator{db: db, orders: orders, pipe: orders.pipe, tickets: tickets, cfg: cfg, clock: clock, loc: loc, log: log, batch: 200, find: 1000,
		nudged: map[string]time.Time{}}
}

// ScanReport is what one scan did.
type ScanReport struct {
	Armed   int // waits that reached their first level and got an alarm
	Fired   int // levels pushed
	Stopped int // alarms whose wait ended (moved on, acknowledged)
	Delays  int // orders found late: buyer told, coupon recorded
	Handed  int // orders and tickets handed from a holder away to one at work
	// Reoffered: problems not taken by the ack ladder's first level,
	// offered to one more person at work.
	Reoffered int
}

// Scan arms the waits that reached their first level, fires every level
// that is due, and looks for orders that will miss their promised time.
// Safe to run on every instance at once.
func (e *Escalator) Scan(ctx context.Context) (_ ScanReport, err error) {
	defer wrapOp(&err, "Escalator.Scan")
	var r ScanReport
	h, err := e.Handover(ctx)
	r.Handed = h
	if err != nil {
		return r, fmt.Errorf("escalation: handover: %w", err)
	}
	if r.Reoffered, err = e.Reoffer(ctx); err != nil {
		return r, fmt.Errorf("escalation: reoffer: %w", err)
	}
	n, err := e.Arm(ctx)
	r.Armed = n
	if err != nil {
		return r, fmt.Errorf("escalation: arm: %w", err)
	}
	for {
		claimed, fired, stopped, err := e.fireBatch(ctx)
		r.Fired += fired
		r.Stopped += stopped
		if err != nil {
			return r, fmt.Errorf("escalation: fire: %w", err)
		}
		if claimed < e.batch {
			break
		}
	}
	if r.Delays, err = e.Delays(ctx); err != nil {
		return r, fmt.Errorf("escalation: delays: %w", err)
	}
	return r, nil
}

// Run scans every cfg.ScanEvery until ctx is cancelled; poke wakes the
// outbox dispatcher when something was queued. A scan in flight finishes.
func (e *Escalator) Run(ctx context.Context, poke func()) {
	everyTick(ctx, e.cfg.ScanEvery.D(), e.log, "escalation scan", func() {
		r, err := e.Scan(context.WithoutCancel(ctx))
		if err != nil {
			e.log.ErrorContext(ctx, "escalation scan", "err", err)
		}
		if r.Fired > 0 || r.Delays > 0 || r.Handed > 0 {
			e.log.InfoContext(ctx, "escalation scan", "armed", r.Armed, "fired", r.Fired, "stopped", r.Stopped, "delays", r.Delays, "handed", r.Handed)
			if poke != nil {
				poke()
			}
		}
	})
}

// wait is a row that has waited long enough for its first level.
type wait struct {
	ID        uint64
	Stage     string
	Entered   time.Time
	Warehouse uint64 // whose working hours the clock counts (0: the company's)
}

// waits is one kind of wait found past its first level, without an alarm.
type waits struct {
	subject, clock string
	levels         []config.Level
	rows           []wait
}

// waiting finds every wait that reached its ladder's first level and has
// no alarm yet. Each query reads an index range of what is waiting past
// that level now (orders by stage and entry, transfers by status and age,
// tickets by state and age), not the history.
func (e *Escalator) waiting(db *gorm.DB, now time.Time) ([]waits, error) {
	notArmed := func(subject, clk, table, col string) string {
		return fmt.Sprintf("NOT EXISTS (SELECT 1 FROM alarms WHERE alarms.subject = '%s' AND alarms.subject_id = %s.id AND alarms.clock = '%s' AND alarms.entered_at = %s.%s)",
			subject, table, clk, table, col)
	}
	var out []waits
	find := func(w waits, q *gorm.DB) error {
		if err := q.Limit(e.find).Scan(&w.rows).Error; err != nil {
			return err
		}
		if len(w.rows) > 0 {
			out = append(out, w)
		}
		return nil
	}
	for _, st := range e.pipe.Stages() {
		if len(st.Escalation) == 0 {
			continue
		}
		q := db.Table("orders").Select("id, stage, warehouse_id AS warehouse, stage_entered_at AS entered").
			Where("stage = ? AND stage_entered_at <= ?", st.Key, now.Add(-st.Escalation[0].After.D())).
			Where(notArmed(model.AlarmOrder, model.ClockStage, "orders", "stage_entered_at")).Order("stage_entered_at")
		if err := find(waits{subject: model.AlarmOrder, clock: model.ClockStage, levels: st.Escalation}, q); err != nil {
			return nil, err
		}
	}
	if l := e.cfg.Transfers; len(l) > 0 {
		q := db.Table("transfers").Select("id, from_warehouse_id AS warehouse, created_at AS entered").
			Where("status = ? AND created_at <= ?", model.TransferPending, now.Add(-l[0].After.D())).
			Where(notArmed(model.AlarmTransfer, model.ClockTransfer, "transfers", "created_at")).Order("created_at")
		if err := find(waits{subject: model.AlarmTransfer, clock: model.ClockTransfer, levels: l}, q); err != nil {
			return nil, err
		}
	}
	if l := e.cfg.TransferDispatch; len(l) > 0 {
		q := db.Table("transfers").Select("id, from_warehouse_id AS warehouse, created_at AS entered").
			Where("status = ? AND dispatched_at IS NULL AND created_at <= ?", model.TransferPending, now.Add(-l[0].After.D())).
			Where(notArmed(model.AlarmTransfer, model.ClockDispatch, "transfers", "created_at")).Order("created_at")
		if err := find(waits{subject: model.AlarmTransfer, clock: model.ClockDispatch, levels: l}, q); err != nil {
			return nil, err
		}
	}
	// Tickets escalation opened climb their stage's or transfer's ladder
	// until acknowledged, and close themselves when the work moves.
	if l := e.cfg.TicketAck; len(l) > 0 {
		q := db.Table("tickets").Select("id, created_at AS entered").
			Where("state = ? AND created_at <= ? AND kind NOT IN ?", model.TicketOpen, now.Add(-l[0].After.D()),
				[]string{model.TicketStalled, model.TicketTransferOverdue}).
			Where(notArmed(model.AlarmTicket, model.ClockAck, "tickets", "created_at")).Order("created_at")
		if err := find(waits{subject: model.AlarmTicket, clock: model.ClockAck, levels: l}, q); err != nil {
			return nil, err
		}
	}
	// A climb's own ticket (stalled, transfer overdue) resolves itself when
	// the work moves (autoResolve): it has no resolve clock to push about.
	if l := e.cfg.TicketResolve; len(l) > 0 {
		for _, state := range []string{model.TicketOpen, model.TicketAcknowledged} {
			q := db.Table("tickets").Select("id, created_at AS entered").
				Where("state = ? AND created_at <= ? AND kind NOT IN ?", state, now.Add(-l[0].After.D()),
					[]string{model.TicketStalled, model.TicketTransferOverdue}).
				Where(notArmed(model.AlarmTicket, model.ClockResolve, "tickets", "created_at")).Order("created_at")
			if err := find(waits{subject: model.AlarmTicket, clock: model.ClockResolve, levels: l}, q); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Arm gives an alarm to every wait that reached its ladder's first level.
// The alarm's unique key makes two instances arming at once harmless.
func (e *Escalator) Arm(ctx context.Context) (_ int, err error) {
	defer wrapOp(&err, "Escalator.Arm")
	db := e.db.WithContext(ctx)
	now := e.clock()
	n := 0
	for more := true; more; {
		found, err := e.waiting(db, now)
		if err != nil {
			return n, err
		}
		more = false
		for _, ws := range found {
			armed, err := e.arm(db, ws, now)
			n += armed
			if err != nil {
				return n, err
			}
			// A full page that armed something may have more behind it.
			more = more || (len(ws.rows) == e.find && armed > 0)
		}
	}
	return n, nil
}

func (e *Escalator) arm(db *gorm.DB, ws waits, now time.Time) (int, error) {
	first := ws.levels[0]
	alarms := make([]model.Alarm, len(ws.rows))
	for i, w := range ws.rows {
		alarms[i] = model.Alarm{Subject: ws.subject, SubjectID: w.ID, Clock: ws.clock, Entry: w.Entered.UnixMicro(), Stage: w.Stage,
			EnteredAt: w.Entered, Level: 1, State: model.AlarmArmed, NextAt: e.notQuiet(first, e.pipe.hours.Add(w.Warehouse, w.Entered, first.After.D())),
			Told: "[]", CreatedAt: now, UpdatedAt: now}
	}
	// Two instances arming the same waits insert the same keys: in one
	// order (by subject id) so they queue rather than deadlock, and retried
	// whole if the database picks a victim anyway.
	slices.SortFunc(alarms, func(a, b model.Alarm) int { return cmp.Compare(a.SubjectID, b.SubjectID) })
	n := 0
	err := inTx(db.Statement.Context, db, func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(alarms, 250)
		n = int(res.RowsAffected)
		return res.Error
	})
	return n, err
}

// Due counts what a scan would act on now, reading only: waits past their
// first level without an alarm (at most the batch size per kind) and
// armed alarms whose level is due. It is the scan's cost of finding
// work, which the benchmark measures.
func (e *Escalator) Due(ctx context.Context) (_ int, err error) {
	defer wrapOp(&err, "Escalator.Due")
	db := e.db.WithContext(ctx)
	now := e.clock()
	found, err := e.waiting(db, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ws := range found {
		n += len(ws.rows)
	}
	var alarms int64
	err = db.Model(&model.Alarm{}).Where("state = ? AND next_at <= ?", model.AlarmArmed, now).Count(&alarms).Error
	return n + int(alarms), err
}

// ladder is the levels an alarm climbs.
func (e *Escalator) ladder(a model.Alarm) []config.Level {
	switch a.Clock {
	case model.ClockStage:
		st, _ := e.pipe.Stage(a.Stage)
		return st.Escalation
	case model.ClockAck:
		return e.cfg.TicketAck
	case model.ClockResolve:
		return e.cfg.TicketResolve
	case model.ClockTransfer:
		return e.cfg.Transfers
	case model.ClockDispatch:
		return e.cfg.TransferDispatch
	}
	return nil
}

// notQuiet returns t, or the end of lv's quiet window when t falls in it:
// a push in quiet hours is postponed, never dropped.
func (e *Escalator) notQuiet(lv config.Level, t time.Time) time.Time { return notQuiet(lv, t, e.loc) }

// notQuiet is Escalator.notQuiet in loc.
func notQuiet(lv config.Level, t time.Time, loc *time.Location) time.Time {
	if lv.Quiet == "" {
		return t
	}
	from, to, err := config.ParseQuiet(lv.Quiet)
	if err != nil {
		return t
	}
	local := t.In(loc)
	m := local.Hour()*60 + local.Minute()
	in := m >= from && m < to
	if from > to { // wraps past midnight
		in = m >= from || m < to
	}
	if !in {
		return t
	}
	end := time.Date(local.Year(), local.Month(), local.Day(), to/60, to%60, 0, 0, loc)
	if !end.After(local) {
		end = end.AddDate(0, 0, 1)
	}
	return end.UTC()
}

// toldEntry is one level's pushes, kept on the alarm.
type toldEntry struct {
	Level int       `json:"level"`
	Users []string  `json:"users"`
	Names []string  `json:"names"`
	At    time.Time `json:"at"`
	// Unrouted: the level found nobody to push (an error, counted); the
	// alarm went on to the next level at once.
	Unrouted bool `json:"unrouted,omitempty"`
}

func parseTold(s string) []toldEntry {
	var out []toldEntry
	_ = json.Unmarshal([]byte(s), &out)
	return out
}

func shortHash(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:10])
}

// errRaced rolls a fire batch back when, on SQLite, another scanner of
// the same process moved an alarm on first; the next scan sees it moved.
var errRaced = errors.New("alarm moved on by another scanner")
