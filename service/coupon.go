package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// CouponValidity is how long a delay coupon may be used, from the day it
// was issued.
const CouponValidity = model.CouponValidity

// Delay is what an order's delay notice told its buyer: the new estimate
// against the promise and, when the business compensates, the coupon.
type Delay struct {
	PromisedAt time.Time
	ETA        time.Time
	Coupon     *Coupon
	NotifiedAt time.Time
}

// Coupon is a compensation coupon: amount, the code a buyer quotes, and
// when it expires.
type Coupon struct {
	Fen       int64
	Code      string
	ExpiresAt time.Time
}

// delayOf reads an order's delay notice into what buyers are shown; nil
// for an order that never was late.
func delayOf(n model.DelayNotice) *Delay {
	d := &Delay{PromisedAt: n.PromisedAt, ETA: n.ETA, NotifiedAt: n.CreatedAt}
	if n.CouponFen > 0 {
		// One notice per order, so its id makes a unique, short code a
		// buyer can read out on the phone.
		d.Coupon = &Coupon{Fen: n.CouponFen, Code: model.CouponCode(n.ID), ExpiresAt: n.CreatedAt.Add(CouponValidity)}
	}
	return d
}

func loadDelay(db *gorm.DB, orderID uint64) (*Delay, error) {
	var ns []model.DelayNotice
	if err := db.Where("order_id = ?", orderID).Limit(1).Find(&ns).Error; err != nil {
		return nil, err
	}
	if len(ns) == 0 {
		return nil, nil
	}
	return delayOf(ns[0]), nil
}

// issueCoupon writes, inside the delay notice's transaction, the coupon
// it announces, so that what the buyer is told they have is what their
// next order takes off. nil when the notice carries none.
func issueCoupon(tx *gorm.DB, ord model.Order, n model.DelayNotice) (*Coupon, error) {
	c := delayOf(n).Coupon
	if c == nil {
		return nil, nil
	}
	row := model.Coupon{Code: c.Code, CustomerID: ord.CustomerID, NoticeID: n.ID, OrderID: ord.ID, Fen: c.Fen, ExpiresAt: c.ExpiresAt, CreatedAt: n.CreatedAt}
	if err := tx.Create(&row).Error; err != nil {
		return nil, fmt.Errorf("issue coupon %s: %w", c.Code, err)
	}
	return c, nil
}

// Coupon states, as buyers see them.
const (
	CouponUsable  = "usable"
	CouponUsed    = "used"
	CouponExpired = "expired"
)

// CouponView is one of a customer's coupons: what it is worth, for which
// late order, until when, and whether (and on which order) it was used.
type CouponView struct {
	Code       string     `json:"code"`
	Fen        int64      `json:"fen"`
	State      string     `json:"state"`
	ExpiresAt  time.Time  `json:"expires_at"`
	IssuedAt   time.Time  `json:"issued_at"`
	ForOrderNo string     `json:"for_order_no"`
	UsedOnNo   string     `json:"used_on_no,omitempty"`
	UsedAt     *time.Time `json:"used_at,omitempty"`
}

// Coupons lists the coupons of the buyer's customer, usable first (the
// one the next order takes first leads), then used and expired, newest
// first; at most 100.
func (s *Buyers) Coupons(ctx context.Context, b Buyer) (_ []CouponView, err error) {
	defer wrapOp(&err, "Buyers.Coupons")
	db := s.db.WithContext(ctx)
	var rows []model.Coupon
	if err := db.Where("customer_id = ?", b.CustomerID).Order("id DESC").Limit(100).Find(&rows).Error; err != nil {
		return nil, err
	}
	ids := make([]uint64, 0, 2*len(rows))
	for _, c := range rows {
		ids = append(ids, c.OrderID)
		if c.UsedOrderID != nil {
			ids = append(ids, *c.UsedOrderID)
		}
	}
	nos := map[uint64]string{}
	if len(ids) > 0 {
		var ords []model.Order
		if err := db.Select("id, no").Where("id IN ?", ids).Find(&ords).Error; err != nil {
			return nil, err
		}
		for _, o := range ords {
			nos[o.ID] = o.No
		}
	}
	now := s.clock()
	out := make([]CouponView, 0, len(rows))
	for _, c := range rows {
		v := CouponView{Code: c.Code, Fen: c.Fen, State: CouponUsable, ExpiresAt: c.ExpiresAt.UTC(), IssuedAt: c.CreatedAt.UTC(), ForOrderNo: nos[c.OrderID], UsedAt: utcPtr(c.UsedAt)}
		switch {
		case c.UsedOrderID != nil:
			v.State, v.UsedOnNo = CouponUsed, nos[*c.UsedOrderID]
		case !c.ExpiresAt.After(now):
			v.State = CouponExpired
		}
		out = append(out, v)
	}
	rank := map[string]int{CouponUsable: 0, CouponUsed: 1, CouponExpired: 2}
	slices.SortStableFunc(out, func(a, b CouponView) int {
		if rank[a.State] != rank[b.State] {
			return rank[a.State] - rank[b.State]
		}
		if a.State == CouponUsable {
			return a.ExpiresAt.Compare(b.ExpiresAt)
		}
		return 0
	})
	return out, nil
}

// couponChannel: a coupon is taken off orders priced by us (mini-program,
// staff, chat, slips), never off an outside channel's order, which was paid
// on its platform, nor off made-up demo orders.
func couponChannel(ch string) bool {
	return ch == ChannelMiniProgram || ch == ChannelAPI || ch == ChannelWeCom || ch == ChannelSlip
}

// useCoupon takes the customer's usable coupon that expires first off an
// order just placed: the coupon is marked used by this order and the
// order's total lowered, in one transaction, each by a conditional UPDATE
// whose row count is checked, so a coupon is used once even when two
// orders of the customer are placed at the same moment (the other finds it
// taken and tries the next one). A coupon worth more than the order takes
// the whole total and is used up. d is updated with what was taken.
func (o *Orders) useCoupon(ctx context.Context, d *Detail) error {
	if !couponChannel(d.Order.Channel) || d.Order.TotalFen <= 0 {
		return nil
	}
	now := o.clock()
	for range 3 {
		var used *UsedCoupon
		err := inTx(ctx, o.db, func(tx *gorm.DB) error {
			var c model.Coupon
			found, err := takeOptional(tx.Where("customer_id = ? AND used_order_id IS NULL AND expires_at > ? AND created_at <= ?",
				d.Order.CustomerID, now, d.Order.CreatedAt).Order("expires_at, id"), &c)
			if err != nil || !found {
				return err
			}
			off := min(c.Fen, d.Order.TotalFen)
			res := model.Row(tx, &model.Coupon{}).Where("id = ? AND used_order_id IS NULL", c.ID).
				Updates(map[string]any{"used_order_id": d.Order.ID, "used_at": now, "off_fen": off})
			if res.Error != nil {
				if isDuplicate(res.Error) {
					return nil // this order took one already
				}
				return res.Error
			}
			if res.RowsAffected != 1 {
				used = &UsedCoupon{} // taken by another order meanwhile: try the next
				return nil
			}
			res = model.Row(tx, &model.Order{}).Where("id = ? AND total_fen >= ?", d.Order.ID, off).
				Update("total_fen", gorm.Expr("total_fen - ?", off))
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return fmt.Errorf("use coupon %s: order %s changed under it", c.Code, d.Order.No)
			}
			ev := model.OrderEvent{OrderID: d.Order.ID, Kind: "coupon", Actor: System.Label(), Fields: "{}", CreatedAt: now,
				Note: fmt.Sprintf("使用补偿优惠券 %s（订单 %s 延误所发），减 %s", c.Code, orderNoOf(tx, c.OrderID), Yuan(off))}
			if err := tx.Create(&ev).Error; err != nil {
				return err
			}
			used = &UsedCoupon{Code: c.Code, Fen: c.Fen, OffFen: off}
			d.Events = append(d.Events, ev)
			return nil
		})
		if err != nil {
			return err
		}
		if used == nil || used.Code != "" {
			if used != nil {
				d.Order.TotalFen -= used.OffFen
				d.CouponUsed = used
			}
			return nil
		}
	}
	return nil
}

// returnCoupon gives back, inside a cancelling order's transaction, the
// coupon it took: usable again by the customer's next order, unless it
// expired meanwhile.
func returnCoupon(tx *gorm.DB, orderID uint64) error {
	return model.Row(tx, &model.Coupon{}).Where("used_order_id = ?", orderID).
		Updates(map[string]any{"used_order_id": nil, "used_at": nil, "off_fen": 0}).Error
}

func orderNoOf(tx *gorm.DB, id uint64) string {
	var nos []string
	if tx.Model(&model.Order{}).Where("id = ?", id).Limit(1).Pluck("no", &nos).Error != nil || len(nos) == 0 {
		return fmt.Sprintf("#%d", id)
	}
	return nos[0]
}

// UsedCoupon is the coupon an order took: its code, its worth and what it
// took off (less than its worth on an order worth less).
type UsedCoupon struct {
	Code   string
	Fen    int64
	OffFen int64
}

func loadUsedCoupon(db *gorm.DB, orderID uint64) (*UsedCoupon, error) {
	var cs []model.Coupon
	if err := db.Where("used_order_id = ?", orderID).Limit(1).Find(&cs).Error; err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, nil
	}
	return &UsedCoupon{Code: cs[0].Code, Fen: cs[0].Fen, OffFen: cs[0].OffFen}, nil
}

// Yuan formats fen as a price: ¥20.00.
func Yuan(fen int64) string { return fmt.Sprintf("¥%d.%02d", fen/100, fen%100) }
