package service

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// SMS (短信) reaches the buyers the mini-program cannot: a customer whose
// buyers have no app account, or none who allowed a subscribe message. A
// text is queued in the outbox like every message (with the change that
// causes it, once by its key) and the edge's Tencent Cloud SMS sender
// renders it into the configured template at dispatch.
const (
	// ChannelOutboxSMS is the outbox channel of texts; ToUser is the
	// mobile number, +86 and 11 digits. It is never logged in clear
	// (MaskPhone).
	ChannelOutboxSMS = "sms"
	// MsgTypeSMS is an SMSNote.
	MsgTypeSMS = "sms"
)

// SMS kinds, each its own template.
const (
	SMSDelay    = "delay"
	SMSStocking = "stocking"
)

// SMSNote is what a text says, as data: the sender picks the template by
// Kind and fills its parameters.
type SMSNote struct {
	Kind string `json:"kind"`
	// OrderNo, PromisedAt and ETA describe a delay.
	OrderNo    string     `json:"order_no,omitempty"`
	PromisedAt *time.Time `json:"promised_at,omitempty"`
	ETA        *time.Time `json:"eta,omitempty"`
	// CouponFen, CouponCode and CouponExpiresAt are the delay's
	// compensation coupon (0 for none).
	CouponFen       int64      `json:"coupon_fen,omitempty"`
	CouponCode      string     `json:"coupon_code,omitempty"`
	CouponExpiresAt *time.Time `json:"coupon_expires_at,omitempty"`
	// Customer, WindowStart, Lines and ValueFen describe a stocking list.
	Customer    string     `json:"customer,omitempty"`
	WindowStart *time.Time `json:"window_start,omitempty"`
	Lines       int        `json:"lines,omitempty"`
	ValueFen    int64      `json:"value_fen,omitempty"`
}

// WithSMS turns texts on: buyers the mini-program cannot reach are told
// of a delay by SMS (config sms.sdk_app_id set).
func WithSMS(on bool) OrderOption {
	return func(o *Orders) { o.sms = on }
}

// MaskPhone hides the middle of a phone number for logs and pages:
// 138****0001. Anything shorter than 7 digits is hidden whole.
func MaskPhone(p string) string {
	p = strings.TrimPrefix(p, "+86")
	if len(p) < 7 {
		return "****"
	}
	return p[:3] + "****" + p[len(p)-4:]
}

// Mobile returns a mainland mobile number as the SMS API wants it
// (+86 and 11 digits), from what a customer record holds (spaces, dashes,
// 86 or +86 before it). ok is false for anything else: a landline cannot
// receive a text.
func Mobile(p string) (string, bool) {
	var b strings.Builder
	for _, r := range p {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '+' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	d := b.String()
	if len(d) == 13 && strings.HasPrefix(d, "86") {
		d = d[2:]
	}
	if len(d) != 11 || d[0] != '1' {
		return "", false
	}
	return "+86" + d, true
}

// textLate queues, inside tx, the delay text to a late order's customer
// when no buyer of theirs was told in the mini-program (no subscribe
// message about this delay was queued): once per order, by its key. It
// records on the timeline that the customer was texted, masked.
func (o *Orders) textLate(tx *gorm.DB, ord model.Order, notice model.DelayNotice, coupon *Coupon, now time.Time) error {
	if !o.sms {
		return nil
	}
	var told int64
	if err := tx.Model(&model.Subscription{}).Where("order_id = ? AND event = ? AND state = ?", ord.ID, EventDelay, model.SubscriptionQueued).
		Count(&told).Error; err != nil {
		return err
	}
	if told > 0 {
		return nil
	}
	var cu model.Customer
	if err := tx.Where("id = ?", ord.CustomerID).Take(&cu).Error; err != nil {
		return notFound(err, "customer", strconv.FormatUint(ord.CustomerID, 10))
	}
	phone, ok := Mobile(cu.Phone)
	if !ok {
		return nil
	}
	promised, eta := notice.PromisedAt, notice.ETA
	note := SMSNote{Kind: SMSDelay, OrderNo: ord.No, PromisedAt: &promised, ETA: &eta}
	if coupon != nil {
		exp := coupon.ExpiresAt
		note.CouponFen, note.CouponCode, note.CouponExpiresAt = coupon.Fen, coupon.Code, &exp
	}
	row, err := enqueueOne(tx, now, 0, Message{Channel: ChannelOutboxSMS, To: []string{phone}, Type: MsgTypeSMS, Body: note,
		Key: "sms:delay:" + strconv.FormatUint(ord.ID, 10), OrderID: ord.ID})
	if err != nil || row.ID == 0 {
		return err
	}
	return tx.Create(&model.OrderEvent{OrderID: ord.ID, Kind: "delay_sms", Actor: System.Label(), Fields: "{}",
		Note: fmt.Sprintf("客户未在小程序订阅，已短信通知 %s", MaskPhone(phone)), CreatedAt: now}).Error
}
