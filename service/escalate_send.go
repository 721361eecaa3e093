package service

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"orderhub/model"
)

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
