package service

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"orderhub/model"
)

// Events a buyer can be told about by a subscribe message (订阅消息).
const (
	EventShipped   = "shipped"
	EventDelivered = "delivered"
	EventDelay     = "delay"
	// EventTicket is an update of a problem the buyer reported:
	// acknowledged, resolved (with what was done) or closed.
	EventTicket = "ticket"
)

// SubscribeEvents lists every event about an order, in the order buyers
// meet them.
var SubscribeEvents = []string{EventShipped, EventDelivered, EventDelay, EventTicket}

// EventStocking is the buyer's stocking list for their company's next busy
// window (Stocking.SendDue): about no order, so allowed once per buyer
// (Buyers.SubscribeStocking), not per order, and allowed again after it
// was used.
const EventStocking = "stocking"

// MsgTypeSubscribe marks an outbox row that is a mini-program subscribe
// message, not a WeCom app message: the dispatcher's sender routes on it.
const MsgTypeSubscribe = "mp_subscribe"

// ChannelOutboxMiniProgram is the outbox channel of subscribe messages.
const ChannelOutboxMiniProgram = "miniprogram"

// SubscribeNote is the body of a subscribe message in the outbox: what
// happened, captured when it happened. The mini-program edge turns it
// into the template's data when it sends.
type SubscribeNote struct {
	Event      string     `json:"event"`
	OrderNo    string     `json:"order_no"`
	StageName  string     `json:"stage_name"`
	At         time.Time  `json:"at"`
	Carrier    string     `json:"carrier,omitempty"`
	TrackingNo string     `json:"tracking_no,omitempty"`
	PromisedAt *time.Time `json:"promised_at,omitempty"`
	// ETA is the new estimate, on a delay.
	ETA *time.Time `json:"eta,omitempty"`
	// CouponFen and CouponCode are the compensation coupon, on a delay
	// the escalation scan found (0 and "" for none).
	CouponFen  int64  `json:"coupon_fen,omitempty"`
	CouponCode string `json:"coupon_code,omitempty"`
	// TicketNo, TicketState and Resolution describe a ticket update.
	TicketNo    string `json:"ticket_no,omitempty"`
	TicketState string `json:"ticket_state,omitempty"`
	Resolution  string `json:"resolution,omitempty"`
	// WindowStart, Lines and ValueFen describe a stocking list: the busy
	// window's first day, how many SKUs, the expected value.
	WindowStart *time.Time `json:"window_start,omitempty"`
	Lines       int        `json:"lines,omitempty"`
	ValueFen    int64      `json:"value_fen,omitempty"`
}

// SubscribeStocking records that a buyer allowed one subscribe message
// for their company's next stocking list. The permission belongs to the
// buyer (order_id 0); allowing it again while unused changes nothing, and
// after its message went it is a new permission for the next list.
func (s *Buyers) SubscribeStocking(ctx context.Context, b Buyer) (err error) {
	defer wrapOp(&err, "Buyers.SubscribeStocking")
	now := s.clock()
	return inTx(ctx, s.db, func(tx *gorm.DB) error {
		sub := model.Subscription{OrderID: 0, BuyerID: b.ID, Event: EventStocking, OpenID: b.OpenID, State: model.SubscriptionPending, CreatedAt: now, UpdatedAt: now}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&sub).Error; err != nil {
			return err
		}
		return tx.Model(&model.Subscription{}).Where("order_id = ? AND buyer_id = ? AND event = ? AND state = ?", 0, b.ID, EventStocking, model.SubscriptionQueued).
			Updates(map[string]any{"state": model.SubscriptionPending, "open_id": b.OpenID, "updated_at": now}).Error
	})
}

// notifyStockingBuyers queues, inside tx, the subscribe message of every
// buyer of the customer who allowed one for their stocking list, marks
// each permission used, and returns whom it told. One outbox key per
// permission and window: never twice.
func notifyStockingBuyers(tx *gorm.DB, customerID uint64, note SubscribeNote, window string) ([]string, error) {
	var subs []model.Subscription
	if err := tx.Table("subscriptions AS s").Joins("JOIN buyers AS b ON b.id = s.buyer_id").
		Where("b.customer_id = ? AND s.order_id = ? AND s.event = ? AND s.state = ?", customerID, 0, EventStocking, model.SubscriptionPending).
		Select("s.*").Order("s.id").Find(&subs).Error; err != nil {
		return nil, err
	}
	var told []string
	for _, sub := range subs {
		row, err := enqueueOne(tx, note.At, 0, Message{Channel: ChannelOutboxMiniProgram, To: []string{sub.OpenID}, Type: MsgTypeSubscribe,
			Body: note, Key: "mp:sub:" + strconv.FormatUint(sub.ID, 10) + ":" + window})
		if err != nil {
			return nil, err
		}
		upd := map[string]any{"state": model.SubscriptionQueued, "updated_at": note.At}
		if row.ID != 0 {
			upd["outbox_id"] = row.ID
		}
		if err := model.Row(tx, &model.Subscription{}).Where("id = ? AND state = ?", sub.ID, model.SubscriptionPending).Updates(upd).Error; err != nil {
			return nil, err
		}
		told = append(told, sub.OpenID)
	}
	return told, nil
}

// Subscribe records that a buyer allowed one subscribe message for each of
// events about their order (the mini-program asked with
// wx.requestSubscribeMessage just before). Allowing an event again while
// its permission is unused changes nothing; after it was used, only a
// ticket update can be allowed again.
func (s *Buyers) Subscribe(ctx context.Context, b Buyer, no string, events []string) (_ []string, err error) {
	defer wrapOp(&err, "Buyers.Subscribe")
	if len(events) == 0 || len(events) > len(SubscribeEvents) {
		return nil, invalid("events", CodeInvalidEvents, "请给 1 到 %d 个：%s", len(SubscribeEvents), strings.Join(SubscribeEvents, ", "))
	}
	for _, e := range events {
		if !slices.Contains(SubscribeEvents, e) {
			return nil, invalid("events", CodeInvalidEvent, "没有事件 %q；事件有 %s", e, strings.Join(SubscribeEvents, ", "))
		}
	}
	no = strings.ToUpper(strings.TrimSpace(no))
	now := s.clock()
	err = inTx(ctx, s.db, func(tx *gorm.DB) error {
		var ord model.Order
		if err := tx.Where("no = ?", no).Take(&ord).Error; err != nil {
			return notFound(err, "order", no)
		}
		if ord.CustomerID != b.CustomerID {
			return &NotFoundError{What: "order", Key: no}
		}
		for _, e := range events {
			// A used permission stays used: the row's unique key makes a
			// second acceptance for the same event a no-op, not a reset.
			sub := model.Subscription{OrderID: ord.ID, BuyerID: b.ID, Event: e, OpenID: b.OpenID, State: model.SubscriptionPending, CreatedAt: now, UpdatedAt: now}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&sub).Error; err != nil {
				return err
			}
			if e == EventTicket {
				// Except ticket updates, which come several to an order:
				// allowing again after the last one was used is a new
				// permission for the next update. Each message still has
				// its own key (ticket and state), so none goes twice.
				if err := tx.Model(&model.Subscription{}).Where("order_id = ? AND buyer_id = ? AND event = ? AND state = ?", ord.ID, b.ID, e, model.SubscriptionQueued).
					Updates(map[string]any{"state": model.SubscriptionPending, "updated_at": now}).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return events, nil
}

// notifyBuyers queues, inside tx, the subscribe message of every buyer who
// allowed one for event on ord, and marks each permission used. Queued
// with the change that causes it: never lost, never sent for a change that
// rolled back, and never twice (one outbox key per subscription).
func notifyBuyers(tx *gorm.DB, ord model.Order, note SubscribeNote) error {
	return notifySubscribed(tx, ord, note, 0)
}

// notifyBuyer is notifyBuyers for one buyer only: a ticket's update is
// for whoever reported it, not every buyer of the company.
func notifyBuyer(tx *gorm.DB, ord model.Order, buyerID uint64, note SubscribeNote) error {
	if buyerID == 0 {
		return nil
	}
	return notifySubscribed(tx, ord, note, buyerID)
}

func notifySubscribed(tx *gorm.DB, ord model.Order, note SubscribeNote, buyerID uint64) error {
	var subs []model.Subscription
	q := tx.Where("order_id = ? AND event = ? AND state = ?", ord.ID, note.Event, model.SubscriptionPending)
	if buyerID != 0 {
		q = q.Where("buyer_id = ?", buyerID)
	}
	if err := q.Order("id").Find(&subs).Error; err != nil {
		return err
	}
	if len(subs) == 0 {
		return nil
	}
	for _, sub := range subs {
		key := "mp:sub:" + strconv.FormatUint(sub.ID, 10)
		if note.Event == EventTicket {
			// One permission may be allowed again (Subscribe): the key is
			// the update itself, which happens once.
			key += ":" + note.TicketNo + ":" + note.TicketState
		}
		row, err := enqueueOne(tx, note.At, 0, Message{Channel: ChannelOutboxMiniProgram, To: []string{sub.OpenID}, Type: MsgTypeSubscribe,
			Body: note, Key: key, OrderID: ord.ID})
		if err != nil {
			return err
		}
		upd := map[string]any{"state": model.SubscriptionQueued, "updated_at": note.At}
		if row.ID != 0 {
			upd["outbox_id"] = row.ID
		}
		res := model.Row(tx, &model.Subscription{}).Where("id = ? AND state = ?", sub.ID, model.SubscriptionPending).Updates(upd)
		if res.Error != nil {
			return res.Error
		}
	}
	return nil
}

// notifyStage is the stage engine's hook: a buyer is told when their order
// ships, when it is delivered, and when the move leaves it unable to make
// its promised time.
func (o *Orders) notifyStage(tx *gorm.DB, ord model.Order, to string, now time.Time) error {
	note := SubscribeNote{OrderNo: ord.No, StageName: o.pipe.Name(to), At: now, Carrier: ord.Carrier, TrackingNo: ord.TrackingNo, PromisedAt: ord.PromisedAt}
	switch to {
	case StageShipped:
		note.Event = EventShipped
	case o.pipe.Last().Key:
		note.Event = EventDelivered
	}
	if note.Event != "" {
		if err := notifyBuyers(tx, ord, note); err != nil {
			return err
		}
	}
	if err := o.notifyChannel(tx, ord, to, now); err != nil {
		return err
	}
	moved := ord
	moved.Stage, moved.StageEnteredAt = to, now
	return o.notifyIfLate(tx, moved, now)
}

func (o *Orders) notifyIfLate(tx *gorm.DB, ord model.Order, now time.Time) error {
	return o.notifyLate(tx, ord, now, nil)
}

// notifyLate tells the buyers of a late order, with the coupon when the
// delay scan issued one.
func (o *Orders) notifyLate(tx *gorm.DB, ord model.Order, now time.Time, coupon *Coupon) error {
	eta, ok := o.ETA(ord, now)
	if !ok || !eta.Late {
		return nil
	}
	est := o.pipe.Estimate(ord.Stage, ord.WarehouseID, ord.StageEnteredAt, now)
	note := SubscribeNote{Event: EventDelay, OrderNo: ord.No, StageName: o.pipe.Name(ord.Stage), At: now, PromisedAt: ord.PromisedAt, ETA: &est}
	if coupon != nil {
		note.CouponFen, note.CouponCode = coupon.Fen, coupon.Code
	}
	return notifyBuyers(tx, ord, note)
}
