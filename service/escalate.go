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
	"strconv"
	"strings"
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

// push is one level firing: what the pushes say and to whom.
type push struct {
	alarm   model.Alarm
	level   config.Level
	subj    subject
	to      []model.Staff
	before  []toldEntry
	waited  time.Duration
	ticket  model.Ticket
	cardTo  []string
	grouped []string
	// nudge: the level tells only the holder, before the clock runs out;
	// left is the time until the next level.
	nudge bool
	left  time.Duration
}

// isNudge says whether lv tells only the holder of the work.
func isNudge(lv config.Level) bool {
	if len(lv.Notify) == 0 || lv.Webhook != "" {
		return false
	}
	for _, r := range lv.Notify {
		if r != config.HolderToken {
			return false
		}
	}
	return true
}

// nudgeFree is when user may be nudged again (cfg.NudgeGap after the
// last nudge this instance sent them); now or earlier: at once.
func (e *Escalator) nudgeFree(user string, now time.Time) time.Time {
	e.nudgeMu.Lock()
	defer e.nudgeMu.Unlock()
	last, ok := e.nudged[user]
	if !ok || last.After(now) {
		return now
	}
	return last.Add(e.cfg.NudgeGap.D())
}

// gapped says whether a's pushes keep the nudge gap: a stage's or a
// transfer's climb, which one card per person per gap lists together; a
// ticket's own ladders (a customer waiting) are never held back.
func gapped(a model.Alarm) bool {
	return a.Clock == model.ClockStage || a.Clock == model.ClockTransfer || a.Clock == model.ClockDispatch
}

// gapUntil is when every one of to may hear of a's work: now, or the end
// of the nudge gap of the one who heard last, when all of them heard
// within it.
func (e *Escalator) gapUntil(a model.Alarm, to []model.Staff, now time.Time) time.Time {
	if !gapped(a) || e.cfg.NudgeGap <= 0 || len(to) == 0 {
		return now
	}
	until := now
	for _, st := range to {
		free := e.nudgeFree(st.UserID, now)
		if !free.After(now) {
			return now
		}
		if free.After(until) {
			until = free
		}
	}
	return until
}

// markNudged notes the people a committed batch told of work at risk
// (nudges, and the climbs that keep the gap).
func (e *Escalator) markNudged(pushes []*push, now time.Time) {
	e.nudgeMu.Lock()
	defer e.nudgeMu.Unlock()
	for _, p := range pushes {
		if p.nudge || gapped(p.alarm) {
			for _, st := range p.to {
				e.nudged[st.UserID] = now
			}
		}
	}
}

// fireBatch claims due alarms and fires each one's level, all in one
// transaction with the outbox rows, so a crash or a rollback leaves
// neither a push without its level moved on nor the reverse.
func (e *Escalator) fireBatch(ctx context.Context) (claimed, fired, stopped int, err error) {
	var committed []*push
	var at time.Time
	err = inTx(ctx, e.db, func(tx *gorm.DB) error {
		committed = nil
		claimed, fired, stopped = 0, 0, 0
		now := e.clock()
		// Which alarms are due is read without locking; they are then
		// claimed by primary key. Claiming through the due index (state,
		// next_at) would hold its gaps, and firing moves every claimed
		// alarm within that index: two instances firing at once then
		// deadlocked, and the loser's retry found its alarms still behind
		// the winner's gap locks, so a due level waited for the next scan.
		var due []uint64
		if err := tx.Model(&model.Alarm{}).Where("state = ? AND next_at <= ?", model.AlarmArmed, now).
			Order("next_at, id").Limit(e.batch).Pluck("id", &due).Error; err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		q := model.Row(tx, &model.Alarm{}).Where("id IN ? AND state = ? AND next_at <= ?", due, model.AlarmArmed, now).Order("next_at, id")
		if model.IsMySQL(tx) {
			// Alarms another instance is firing are skipped, not waited for.
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		var alarms []model.Alarm
		if err := q.Find(&alarms).Error; err != nil {
			return err
		}
		claimed = len(alarms)
		var pushes []*push
		for _, a := range alarms {
			p, stop, err := e.fire(tx, a, now)
			if err != nil {
				return err
			}
			if stop {
				stopped++
			}
			if p != nil {
				pushes = append(pushes, p)
				fired++
			}
		}
		committed, at = pushes, now
		return e.send(tx, pushes, now)
	})
	if err == nil {
		e.markNudged(committed, at)
	}
	if errors.Is(err, errRaced) {
		err = nil
	}
	return claimed, fired, stopped, err
}

// subject is what waits, in the words a supervisor reads.
type subject struct {
	live      bool
	order     model.Order
	customer  string
	stageName string
	ownerRole string
	holder    string
	// holderStaff is who holds the work now (a level's "@holder").
	holderStaff *model.Staff
	what        string // 订单 SO… 在「待质检」 / 工单 TK… / 调拨 #12
	// warehouseID is the warehouse whose people are told first (see
	// recipients): the order's, or the transfer's end that must act.
	warehouseID uint64
	// short says it without numbers, for a card's title, which WeCom
	// shows to 26 characters: the stage (or what waits) and the wait must
	// fit beside each other; the numbers go in the card's rows.
	short string
}

func (e *Escalator) subject(tx *gorm.DB, a model.Alarm) (subject, error) {
	var s subject
	var orderID uint64
	var ticket *model.Ticket
	if a.TicketID != nil {
		var tk model.Ticket
		if err := tx.Where("id = ?", *a.TicketID).Take(&tk).Error; err != nil {
			return s, err
		}
		ticket = &tk
	}
	switch a.Subject {
	case model.AlarmOrder:
		orderID = a.SubjectID
	case model.AlarmTransfer:
		var tr model.Transfer
		if err := tx.Where("id = ?", a.SubjectID).Take(&tr).Error; err != nil {
			return s, notFound(err, "transfer", strconv.FormatUint(a.SubjectID, 10))
		}
		s.live = tr.Status == model.TransferPending && (ticket == nil || ticket.State == model.TicketOpen)
		orderID = tr.OrderID
		s.what = fmt.Sprintf("调拨单 #%d（%d 件）未到货", tr.ID, tr.Qty)
		s.short = fmt.Sprintf("调拨 #%d 未到货", tr.ID)
		if a.Clock == model.ClockDispatch {
			s.live = s.live && tr.DispatchedAt == nil
			s.what = fmt.Sprintf("调拨单 #%d（%d 件）未发出", tr.ID, tr.Qty)
			s.short = fmt.Sprintf("调拨 #%d 未发出", tr.ID)
		}
		s.ownerRole = e.pipe.duties.TransferKeeper
		// Not yet sent: the sending warehouse must act; on the way: the
		// receiving one.
		s.warehouseID = tr.FromWarehouseID
		if a.Clock == model.ClockTransfer && tr.DispatchedAt != nil {
			s.warehouseID = tr.ToWarehouseID
		}
		if tr.AssigneeStaffID != nil {
			var st model.Staff
			found, err := takeOptional(tx.Where("id = ?", *tr.AssigneeStaffID), &st)
			if err != nil {
				return s, fmt.Errorf("load assignee of transfer %d: %w", tr.ID, err)
			}
			if found {
				s.holder, s.holderStaff = st.Name, &st
			}
		}
	case model.AlarmTicket:
		var tk model.Ticket
		if err := tx.Where("id = ?", a.SubjectID).Take(&tk).Error; err != nil {
			return s, notFound(err, "ticket", strconv.FormatUint(a.SubjectID, 10))
		}
		if a.Clock == model.ClockAck {
			s.live = tk.State == model.TicketOpen
			s.what = "工单 " + tk.No + " 未接单"
			s.short = "工单未接单"
		} else {
			s.live = tk.State == model.TicketOpen || tk.State == model.TicketAcknowledged
			s.what = "工单 " + tk.No + " 未处理"
			s.short = "工单未处理"
		}
		if tk.OrderID != nil {
			orderID = *tk.OrderID
		}
		if tk.AssigneeStaffID != nil {
			var st model.Staff
			found, err := takeOptional(tx.Where("id = ?", *tk.AssigneeStaffID), &st)
			if err != nil {
				return s, fmt.Errorf("load assignee of ticket %s: %w", tk.No, err)
			}
			if found {
				s.holder, s.holderStaff = st.Name, &st
			}
		}
	}
	if orderID != 0 {
		if err := tx.Where("id = ?", orderID).Take(&s.order).Error; err != nil {
			return s, notFound(err, "order", strconv.FormatUint(orderID, 10))
		}
		var c model.Customer
		found, err := takeOptional(tx.Select("name").Where("id = ?", s.order.CustomerID), &c)
		if err != nil {
			return s, fmt.Errorf("load customer of order %s: %w", s.order.No, err)
		}
		if found {
			s.customer = c.Name
		}
		s.stageName = e.pipe.Name(s.order.Stage)
		if s.warehouseID == 0 {
			s.warehouseID = s.order.WarehouseID
		}
		if s.ownerRole == "" {
			// An order no stage holds (已签收, cancelled) is aftercare's:
			// a ladder's @lead is then their lead, never nobody.
			s.ownerRole = e.pipe.holderRole(s.order.Stage)
		}
	}
	if a.Subject == model.AlarmOrder {
		o := s.order
		// The same stage entry still: a move, or a move back, is a new wait.
		s.live = o.Stage == a.Stage && o.StageEnteredAt.UnixMicro() == a.Entry && (ticket == nil || ticket.State == model.TicketOpen)
		s.what = fmt.Sprintf("订单 %s 在「%s」", o.No, s.stageName)
		s.short = "「" + s.stageName + "」超时"
		if s.holder == "" && o.OwnerStaffID != nil {
			var st model.Staff
			found, err := takeOptional(tx.Where("id = ?", *o.OwnerStaffID), &st)
			if err != nil {
				return s, fmt.Errorf("load owner of order %s: %w", o.No, err)
			}
			if found {
				s.holder, s.holderStaff = st.Name, &st
			}
		}
	}
	return s, nil
}

// fire fires a's due level, or stops a when its wait is over.
func (e *Escalator) fire(tx *gorm.DB, a model.Alarm, now time.Time) (*push, bool, error) {
	levels := e.ladder(a)
	s, err := e.subject(tx, a)
	if errors.Is(err, ErrNotFound) {
		s.live = false
	} else if err != nil {
		return nil, false, err
	}
	claimed := a.Level
	move := func(upd map[string]any) error {
		upd["updated_at"] = now
		res := model.Row(tx, &model.Alarm{}).Where("id = ? AND level = ? AND state = ?", a.ID, claimed, model.AlarmArmed).Updates(upd)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return errRaced
		}
		return nil
	}
	if gone, err := e.autoResolve(tx, a, now); err != nil {
		return nil, false, err
	} else if gone {
		s.live = false
	}
	wh := s.warehouseID
	add := func(t time.Time, d time.Duration) time.Time { return e.pipe.hours.Add(wh, t, d) }
	f := decideFire(levels, a, s.live, now, e.loc, add)
	switch {
	case f.stop:
		return nil, true, move(map[string]any{"state": model.AlarmStopped})
	case !f.postpone.IsZero():
		return nil, false, move(map[string]any{"next_at": f.postpone})
	}
	if isNudge(f.level) && e.cfg.NudgeGap > 0 && s.holderStaff != nil {
		if until := e.nudgeFree(s.holderStaff.UserID, now); until.After(now) {
			// The holder was nudged a moment ago: this waits for the gap to
			// end and goes out with whatever else is due then — or, when
			// the next level comes first, is left to it.
			if a.Level < len(levels) {
				next := notQuiet(levels[a.Level], add(a.EnteredAt, levels[a.Level].After.D()), e.loc)
				if !next.After(until) {
					return nil, false, move(map[string]any{"level": a.Level + 1, "next_at": next})
				}
			}
			return nil, false, move(map[string]any{"next_at": until})
		}
	}
	to, err := e.recipients(tx, f.level, s)
	if err != nil {
		return nil, false, err
	}
	if until := e.gapUntil(a, to, now); until.After(now) {
		// Everyone this level tells heard of work at risk a moment ago:
		// it waits for the gap to end and goes out then, in one card with
		// whatever else came due for them meanwhile.
		return nil, false, move(map[string]any{"next_at": until})
	}
	if len(to) == 0 && isNudge(f.level) && a.Level < len(levels) {
		// Nobody holds the work to nudge (no error): its next level, at
		// its own time, is who hears.
		return nil, false, move(map[string]any{"level": a.Level + 1, "next_at": notQuiet(levels[a.Level], add(a.EnteredAt, levels[a.Level].After.D()), e.loc)})
	}
	before := parseTold(a.Told)
	// Invariant 10: a level that finds nobody is an error — logged,
	// counted, recorded on the alarm — and the alarm goes on to the next
	// level at once; past the last, to the supervisors. Never done unheard.
	for len(to) == 0 {
		e.unrouted(a, s)
		before = append(before, toldEntry{Level: a.Level, At: now, Unrouted: true})
		if a.Level >= len(levels) {
			if to, err = e.lastResort(tx, s); err != nil {
				return nil, false, err
			}
			if len(to) == 0 {
				// Nobody at all: stays armed and is tried again.
				return nil, false, move(map[string]any{"told": toldJSON(before), "next_at": now.Add(6 * e.cfg.ScanEvery.D())})
			}
			break
		}
		a.Level++
		f = decideFire(levels, a, true, now, e.loc, add)
		if !f.postpone.IsZero() {
			f = firing{level: levels[a.Level-1], done: a.Level >= len(levels)}
			if !f.done {
				f.nextAt = notQuiet(levels[a.Level], nextLevelAt(levels, a.Level, a.EnteredAt, now, add), e.loc)
			}
		}
		if to, err = e.recipients(tx, f.level, s); err != nil {
			return nil, false, err
		}
	}
	p := &push{alarm: a, level: f.level, subj: s, to: to, before: before, waited: now.Sub(a.EnteredAt), nudge: isNudge(f.level)}
	if a.Level < len(levels) {
		p.left = add(a.EnteredAt, levels[a.Level].After.D()).Sub(now)
	}
	switch {
	case a.TicketID != nil:
		if err := tx.Where("id = ?", *a.TicketID).Take(&p.ticket).Error; err != nil {
			return nil, false, err
		}
	case a.Subject == model.AlarmTicket:
		if err := tx.Where("id = ?", a.SubjectID).Take(&p.ticket).Error; err != nil {
			return nil, false, err
		}
	case p.nudge:
		// A nudge to the holder opens no ticket: the lead's level does,
		// if the work did not move.
	default:
		// The first level of a stage or transfer past its nudge opens the
		// ticket the climb is about, assigned to the first person told.
		var assignee *model.Staff
		if len(to) > 0 {
			assignee = &to[0]
		}
		kind, desc := climbTicket(a, s, p.waited)
		tk, err := createTicket(tx, e.loc, s.order, kind, System.Label(), desc, assignee, now)
		if err != nil {
			return nil, false, err
		}
		p.ticket = tk
	}
	upd := map[string]any{"told": toldAfter(p.before, a.Level, to, now), "level": a.Level + 1}
	if p.ticket.ID != 0 {
		upd["ticket_id"] = p.ticket.ID
	}
	if f.done {
		upd["state"] = model.AlarmDone
	} else {
		upd["next_at"] = f.nextAt
	}
	return p, false, move(upd)
}

// firing is what a due alarm does now, as decideFire decided it.
type firing struct {
	// stop: the wait is over, or the ladder is; the alarm stops.
	stop bool
	// postpone, when not zero: the level falls in its quiet hours and
	// fires then.
	postpone time.Time
	// Else level fires; then the alarm is done (it was the ladder's last
	// level) or its next level is due at nextAt.
	level  config.Level
	done   bool
	nextAt time.Time
}

// decideFire decides, without the database, what a due alarm does now:
// live says whether its wait is still going on (loaded by subject and
// autoResolve); add adds working time (the subject's warehouse's hours).
func decideFire(levels []config.Level, a model.Alarm, live bool, now time.Time, loc *time.Location, add func(time.Time, time.Duration) time.Time) firing {
	if !live || a.Level > len(levels) {
		return firing{stop: true}
	}
	lv := levels[a.Level-1]
	if due := notQuiet(lv, now, loc); due.After(now) {
		return firing{postpone: due}
	}
	f := firing{level: lv}
	if a.Level >= len(levels) {
		f.done = true
	} else {
		f.nextAt = notQuiet(levels[a.Level], nextLevelAt(levels, a.Level, a.EnteredAt, now, add), loc)
	}
	return f
}

// climbTicket is the kind and description of the ticket a stage's or a
// transfer's climb opens at its first level.
func climbTicket(a model.Alarm, s subject, waited time.Duration) (kind, desc string) {
	if a.Subject == model.AlarmTransfer {
		return model.TicketTransferOverdue, fmt.Sprintf("%s，已等 %s", s.what, Waited(waited))
	}
	return model.TicketStalled, fmt.Sprintf("%s已等 %s，超过时限", s.what, Waited(waited))
}

// toldAfter is the alarm's told history (JSON) after level told to.
func toldAfter(before []toldEntry, level int, to []model.Staff, now time.Time) string {
	entry := toldEntry{Level: level, At: now}
	for _, st := range to {
		entry.Users = append(entry.Users, st.UserID)
		entry.Names = append(entry.Names, st.Name)
	}
	return toldJSON(append(slices.Clone(before), entry))
}

func toldJSON(told []toldEntry) string {
	b, _ := json.Marshal(told)
	return string(b)
}

// unrouted logs and counts a level that found nobody to push.
func (e *Escalator) unrouted(a model.Alarm, s subject) {
	e.orders.m.AlarmsWithoutRecipient.Inc()
	e.log.Error("escalation: alarm without recipient", "alarm", a.ID, "clock", a.Clock, "level", a.Level, "what", s.what, "role", s.ownerRole, "warehouse", s.warehouseID)
}

// lastResort is who hears of an alarm every level of whose ladder found
// nobody: the supervisor roles, nearest the subject's warehouse.
func (e *Escalator) lastResort(tx *gorm.DB, s subject) ([]model.Staff, error) {
	var out []model.Staff
	for _, role := range e.pipe.supervisorRoles {
		staff, err := holdersNear(tx, role, s.warehouseID)
		if err != nil {
			return nil, err
		}
		for _, st := range staff {
			if !slices.ContainsFunc(out, func(o model.Staff) bool { return o.ID == st.ID }) {
				out = append(out, st)
			}
		}
	}
	return out, nil
}

// nextLevelAt is when the level after level (counted from 1, just told
// at now) is due: its wait after the clock started, and never sooner than
// the ladder's gap between the two levels after this one was told. A
// ladder catching up — the scanner was down, the wait began before its
// alarm, or a shorter ladder was configured over old orders — would
// otherwise push every overdue level one scan apart, telling the director
// seconds after the lead, before the lead could act (docs/escalation.md).
// Both waits are working time, added by add.
func nextLevelAt(levels []config.Level, level int, entered, now time.Time, add func(time.Time, time.Duration) time.Time) time.Time {
	at := add(entered, levels[level].After.D())
	if gap := add(now, levels[level].After.D()-levels[level-1].After.D()); gap.After(at) {
		return gap
	}
	return at
}

// autoResolve resolves, with a note saying why, a ticket escalation
// opened for a wait that has since ended (the order left the stage, the
// transfer arrived), so that nobody is pushed to resolve what resolved
// itself. It reports whether a's ticket is such a one.
func (e *Escalator) autoResolve(tx *gorm.DB, a model.Alarm, now time.Time) (bool, error) {
	id := a.SubjectID
	if a.Subject != model.AlarmTicket {
		if a.TicketID == nil {
			return false, nil
		}
		id = *a.TicketID
	}
	var opener model.Alarm
	err := tx.Where("ticket_id = ? AND clock IN ?", id, []string{model.ClockStage, model.ClockTransfer, model.ClockDispatch}).Order("id").Take(&opener).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil // reported by a person: only a person resolves it
	}
	if err != nil {
		return false, err
	}
	note := ""
	if opener.Clock == model.ClockStage {
		var o model.Order
		if err := tx.Select("stage, stage_entered_at").Where("id = ?", opener.SubjectID).Take(&o).Error; err != nil {
			return false, err
		}
		if o.Stage == opener.Stage && o.StageEnteredAt.UnixMicro() == opener.Entry {
			return false, nil
		}
		note = fmt.Sprintf("订单已离开「%s」（现在：%s），自动处理", e.pipe.Name(opener.Stage), e.pipe.Name(o.Stage))
	} else {
		var tr model.Transfer
		if err := tx.Select("status, dispatched_at").Where("id = ?", opener.SubjectID).Take(&tr).Error; err != nil {
			return false, err
		}
		dispatchedNow := opener.Clock == model.ClockDispatch && tr.DispatchedAt != nil
		if tr.Status == model.TransferPending && !dispatchedNow {
			return false, nil
		}
		note = "调拨单已到货，自动处理"
		if tr.Status == model.TransferPending {
			note = "调拨单已发出，自动处理"
		}
		if tr.Status == model.TransferCancelled {
			note = "调拨单已取消，自动处理"
		}
	}
	res := model.Row(tx, &model.Ticket{}).Where("id = ? AND state IN ?", id, []string{model.TicketOpen, model.TicketAcknowledged}).
		Updates(map[string]any{"state": model.TicketResolved, "resolution": note, "resolved_at": now, "updated_at": now})
	return true, res.Error
}

// recipients are the active staff holding any of lv's roles; "@lead" is
// the lead of the role that owns the stage (of the transfer: keepers').
// Of each role's holders, those of the subject's warehouse are told (see
// nearest), so a lead hears about their own warehouse's orders.
func (e *Escalator) recipients(tx *gorm.DB, lv config.Level, s subject) ([]model.Staff, error) {
	var out []model.Staff
	for _, role := range lv.Notify {
		if role == config.HolderToken {
			if h := s.holderStaff; h != nil && h.Active && !slices.ContainsFunc(out, func(o model.Staff) bool { return o.ID == h.ID }) {
				out = append(out, *h)
			}
			continue
		}
		if role == config.LeadToken {
			if s.ownerRole == "" {
				continue
			}
			if role = e.pipe.Lead(s.ownerRole); role == "" {
				continue
			}
		}
		var staff []model.Staff
		if err := tx.Where("active = ? AND roles LIKE ?", true, roleLike(role)).Order("id").Find(&staff).Error; err != nil {
			return nil, err
		}
		for _, st := range nearest(staff, s.warehouseID) {
			if !slices.ContainsFunc(out, func(o model.Staff) bool { return o.ID == st.ID }) {
				out = append(out, st)
			}
		}
	}
	return out, nil
}

// Waited says a duration the way a supervisor reads it: 2小时5分.
func Waited(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case d < time.Minute:
		return "不到1分钟"
	case h == 0:
		return fmt.Sprintf("%d分钟", m)
	case m == 0:
		return fmt.Sprintf("%d小时", h)
	}
	return fmt.Sprintf("%d小时%d分", h, m)
}

// send queues the pushes of one batch as notices (service/notices.go; the
// bot renders them): a person who would get more than GroupOver of them
// gets one digest instead; everyone else gets each (as an interactive card
// when cards are on), and each level's group robot is told.
func (e *Escalator) send(tx *gorm.DB, pushes []*push, now time.Time) error {
	count := map[string]int{}
	for _, p := range pushes {
		for _, st := range p.to {
			count[st.UserID]++
		}
	}
	groups := map[string][]*push{}
	var msgs []Message
	for _, p := range pushes {
		for _, st := range p.to {
			if count[st.UserID] > e.cfg.GroupOver {
				groups[st.UserID] = append(groups[st.UserID], p)
			} else {
				p.cardTo = append(p.cardTo, st.UserID)
			}
		}
		key := fmt.Sprintf("esc:%d:%d", p.alarm.ID, p.alarm.Level)
		if len(p.cardTo) > 0 {
			n := e.notice(p)
			if e.cfg.Cards && p.ticket.ID != 0 && !p.nudge {
				n.TaskID = e.taskID(p)
				if err := tx.Create(&model.CardTask{TaskID: n.TaskID, TicketID: p.ticket.ID, ToUser: strings.Join(p.cardTo, "|"), OutboxKey: key, CreatedAt: now}).Error; err != nil {
					return err
				}
			}
			msgs = append(msgs, Message{To: p.cardTo, Type: MsgTypeEscalation, Key: key, OrderID: p.subj.order.ID, Body: n})
		}
		if p.level.Webhook != "" {
			msgs = append(msgs, Message{To: []string{p.level.Webhook}, Type: MsgTypeEscalationRobot, Key: key + ":robot", OrderID: p.subj.order.ID,
				Body: e.notice(p)})
		}
	}
	users := make([]string, 0, len(groups))
	for u := range groups {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, u := range users {
		ps := groups[u]
		ids := make([]string, len(ps))
		var d EscalationDigest
		for i, p := range ps {
			ids[i] = fmt.Sprintf("%d:%d", p.alarm.ID, p.alarm.Level)
			d.Items = append(d.Items, e.notice(p))
		}
		msgs = append(msgs, Message{To: []string{u}, Type: MsgTypeEscalationDigest, Key: "escg:" + shortHash(u+"|"+strings.Join(ids, ",")), Body: d})
	}
	return enqueue(tx, now, 0, msgs)
}

// notice is what a level's push says.
func (e *Escalator) notice(p *push) EscalationNotice {
	n := EscalationNotice{Level: p.alarm.Level, What: p.subj.what, Short: p.subj.short, OrderNo: p.subj.order.No, Customer: p.subj.customer,
		Holder: p.subj.holder, TicketNo: p.ticket.No, Waited: p.waited}
	if p.nudge {
		n.Nudge, n.Left = true, p.left
		switch {
		case p.alarm.Clock == model.ClockAck:
			n.Action = "收到 " + p.ticket.No
		case p.alarm.Clock == model.ClockResolve:
			n.Action = "处理 " + p.ticket.No + " <怎么处理的>"
		case p.alarm.Subject == model.AlarmTransfer:
			n.Action = fmt.Sprintf("调拨完成 %d", p.alarm.SubjectID)
		case p.subj.order.No != "":
			n.Action = "推进 " + p.subj.order.No
		}
	}
	if n.OrderNo != "" {
		n.StageName = p.subj.stageName
	}
	for _, t := range p.before {
		if !t.Unrouted {
			n.Before = append(n.Before, EscalationTold{Level: t.Level, Names: t.Names, At: t.At})
		}
	}
	return n
}

// taskID names a card; WeCom wants it unique per app, at most 128 bytes.
func (e *Escalator) taskID(p *push) string {
	// The entry keeps it unique across a database rebuilt from scratch.
	return fmt.Sprintf("esc-%d-%d-%d", p.alarm.ID, p.alarm.Level, p.alarm.Entry)
}

func (e *Escalator) local(t time.Time) string { return t.In(e.loc).Format("01-02 15:04") }

// Delays finds orders whose stage clocks say they will miss their
// promised time and, once per order (a unique delay notice), records it on
// the timeline with the configured compensation coupon and tells every
// buyer who allowed a delay message. It reads only orders in a working
// stage with a promised time and no notice yet.
func (e *Escalator) Delays(ctx context.Context) (_ int, err error) {
	defer wrapOp(&err, "Escalator.Delays")
	now := e.clock()
	var working []string
	for _, s := range e.pipe.Stages() {
		if s.Key != e.pipe.Last().Key {
			working = append(working, s.Key)
		}
	}
	var ids []uint64
	err = e.db.WithContext(ctx).Model(&model.Order{}).
		Where("stage IN ? AND promised_at IS NOT NULL AND promised_at < ?", working, e.pipe.Estimate(e.pipe.First().Key, 0, now, now)).
		Where("NOT EXISTS (SELECT 1 FROM delay_notices WHERE delay_notices.order_id = orders.id)").
		Order("promised_at").Limit(e.batch).Pluck("id", &ids).Error
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := inTx(ctx, e.db, func(tx *gorm.DB) error {
			var ord model.Order
			if err := forUpdate(tx).Where("id = ?", id).Take(&ord).Error; err != nil {
				return notFound(err, "order", strconv.FormatUint(id, 10))
			}
			eta, ok := e.orders.ETA(ord, now)
			if !ok || !eta.Late {
				return nil
			}
			est := e.pipe.Estimate(ord.Stage, ord.WarehouseID, ord.StageEnteredAt, now)
			notice := model.DelayNotice{OrderID: ord.ID, PromisedAt: *ord.PromisedAt, ETA: est, CouponFen: e.cfg.DelayCouponFen, CreatedAt: now}
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&notice)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			note := fmt.Sprintf("预计 %s 送达，晚于承诺交期 %s", e.local(est), e.local(*ord.PromisedAt))
			coupon, err := issueCoupon(tx, ord, notice)
			if err != nil {
				return err
			}
			if coupon != nil {
				note += fmt.Sprintf("；已补偿优惠券 %s（券码 %s，%s 前有效）", Yuan(coupon.Fen), coupon.Code, e.local(coupon.ExpiresAt))
			}
			if err := tx.Create(&model.OrderEvent{OrderID: ord.ID, Kind: "delay", Actor: System.Label(), Fields: "{}", Note: note, CreatedAt: now}).Error; err != nil {
				return err
			}
			n++
			if err := e.orders.notifyLate(tx, ord, now, coupon); err != nil {
				return err
			}
			return e.orders.textLate(tx, ord, notice, coupon, now)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
