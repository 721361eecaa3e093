package miniprogram

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type staffBuyerJSON struct {
	OpenID      string       `json:"openid"`
	Name        string       `json:"name"`
	Customer    customerJSON `json:"customer"`
	LastLoginAt string       `json:"last_login_at"`
	CreatedAt   string       `json:"created_at"`
}

// listBuyers lists mini-program buyers for staff, optionally a customer's.
func (a *API) listBuyers(c *gin.Context) {
	p, size, ok := page(c)
	if !ok {
		return
	}
	bs, total, err := a.d.Buyers.List(c.Request.Context(), c.Query("customer"), p, size)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]staffBuyerJSON, len(bs))
	for i, b := range bs {
		items[i] = staffBuyerJSON{OpenID: b.OpenID, Name: b.Name, Customer: customerOut(b), LastLoginAt: a.ts(b.LastLoginAt), CreatedAt: a.ts(b.CreatedAt)}
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "total": total, "page": p, "size": size})
}

// linkBuyer makes a buyer order for a customer company from now on.
func (a *API) linkBuyer(c *gin.Context) {
	var in struct {
		Customer string `json:"customer"`
	}
	if !bind(c, &in) {
		return
	}
	b, err := a.d.Buyers.Link(c.Request.Context(), c.Param("openid"), in.Customer)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"buyer": staffBuyerJSON{OpenID: b.OpenID, Name: b.Name, Customer: customerOut(b), LastLoginAt: a.ts(b.LastLoginAt), CreatedAt: a.ts(b.CreatedAt)}})
}

// trackingLink gives staff the public link of an order, to paste into a
// chat with the buyer.
func (a *API) trackingLink(c *gin.Context) {
	d, err := a.d.Orders.Get(c.Request.Context(), c.Param("no"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"no": d.Order.No, "url": a.trackingURL(d.Order.No)})
}
