package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"orderhub/config"
	"orderhub/model"
)

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
