package miniprogram

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"orderhub/service"
)

// couponUsedJSON is the coupon an order took: its code, its worth and
// what it took off the total.
type couponUsedJSON struct {
	Code      string `json:"code"`
	AmountFen int64  `json:"amount_fen"`
	OffFen    int64  `json:"off_fen"`
}

// couponItemJSON is one of the buyer's company's compensation coupons.
type couponItemJSON struct {
	Code       string  `json:"code"`
	AmountFen  int64   `json:"amount_fen"`
	State      string  `json:"state"`
	StateName  string  `json:"state_name"`
	ExpiresAt  string  `json:"expires_at"`
	IssuedAt   string  `json:"issued_at"`
	ForOrderNo string  `json:"for_order_no"`
	UsedOnNo   string  `json:"used_on_no,omitempty"`
	UsedAt     *string `json:"used_at,omitempty"`
}

var couponStateZh = map[string]string{service.CouponUsable: "可使用", service.CouponUsed: "已使用", service.CouponExpired: "已过期"}

// listCoupons is GET /api/mp/v1/coupons: the coupons the buyer's company
// was given for late orders, usable first. A usable coupon comes off the
// next order by itself; usable counts them.
func (a *API) listCoupons(c *gin.Context) {
	cs, err := a.d.Buyers.Coupons(c.Request.Context(), buyer(c))
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]couponItemJSON, len(cs))
	usable := 0
	for i, v := range cs {
		items[i] = couponItemJSON{Code: v.Code, AmountFen: v.Fen, State: v.State, StateName: couponStateZh[v.State],
			ExpiresAt: a.ts(v.ExpiresAt), IssuedAt: a.ts(v.IssuedAt), ForOrderNo: v.ForOrderNo, UsedOnNo: v.UsedOnNo, UsedAt: a.tsPtr(v.UsedAt)}
		if v.State == service.CouponUsable {
			usable++
		}
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "usable": usable})
}
