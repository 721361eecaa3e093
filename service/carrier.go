package service

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// CarrierSigned records the carrier's 签收 of the shipped order with
// tracking number trackingNo: the order moves to the last stage at the
// time the carrier signed it (at, never later than now nor before it
// shipped), not when a buyer taps 确认收货 later or never. A push for an
// order already delivered changes nothing (carriers push again); it
// reports whether this push moved the order.
func (o *Orders) CarrierSigned(ctx context.Context, carrier, trackingNo string, at time.Time, note string) (moved bool, err error) {
	defer wrapOp(&err, "Orders.CarrierSigned")
	trackingNo = strings.TrimSpace(trackingNo)
	if trackingNo == "" || len(trackingNo) > MaxTrackingNo {
		return false, invalid("tracking_no", CodeRequired, "不是运单号")
	}
	last := o.pipe.Last()
	actor := Actor{Kind: ActorSystem, ID: "carrier", Name: carrier}
	err = inTx(ctx, o.db, func(tx *gorm.DB) error {
		var ord model.Order
		err := forUpdate(tx).Where("tracking_no = ? AND stage IN ?", trackingNo, []string{StageShipped, last.Key}).Order("id DESC").Take(&ord).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return &NotFoundError{What: "tracking_no", Key: trackingNo}
		}
		if err != nil {
			return err
		}
		if ord.Stage == last.Key {
			return nil
		}
		now := o.clock()
		if at.After(now) || at.IsZero() {
			at = now
		}
		if at.Before(ord.StageEnteredAt) {
			at = ord.StageEnteredAt
		}
		text := "快递签收（" + carrier + "）"
		if note = strings.TrimSpace(note); note != "" {
			text += "：" + truncRunes(note, 400)
		}
		if err := moveStage(tx, stageMove{Order: ord, To: last.Key, Kind: "stage", Actor: actor.Label(), Note: text, At: at}); err != nil {
			return err
		}
		if err := endStageWait(tx, o.pipe, ord, last.Key, at); err != nil {
			return err
		}
		moved = true
		return o.notifyStage(tx, ord, last.Key, at)
	})
	if err == nil && moved {
		o.m.StageChanges.WithLabelValues(last.Key).Inc()
	}
	return moved, err
}

// DeliverySlot is the slot a promise books with the carrier or the
// company's truck: the configured promise.slot before the promised time.
// A parcel that would arrive earlier waits for it, so an accurate promise
// is kept whatever the transit; ok is false with no slot configured.
func (o *Orders) DeliverySlot(promised time.Time) (from, to time.Time, ok bool) {
	w := o.promises.cfg.Slot.D()
	if w <= 0 || promised.IsZero() {
		return time.Time{}, time.Time{}, false
	}
	return promised.Add(-w), promised, true
}

// deliverable is at, or the first time after it whose slot (the
// configured promise.slot before it) lies in the company's working hours:
// nobody receives goods at night, so a promise is never a night-time one.
func (o *Orders) deliverable(at time.Time) time.Time {
	w := o.promises.cfg.Slot.D()
	h := o.pipe.hours
	if w <= 0 || h == nil {
		return at
	}
	from := at.Add(-w)
	for i := 0; i < 60; i++ {
		from = h.NextOpen(0, from)
		if open := h.Between(0, from, from.Add(w)); open < w {
			// The day ends inside the slot: try after it.
			from = from.Add(open + time.Minute)
			continue
		}
		if end := from.Add(w); end.After(at) {
			return end
		}
		return at
	}
	return at
}

// truncRunes cuts s to at most n runes.
func truncRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
