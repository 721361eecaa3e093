package miniprogram

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/internal/jsonbody"
	"orderhub/service"
)

// MountStocking adds the buyer's stocking list (月度备货清单) to the
// buyers' API: GET /api/mp/v1/stocking-list, the list as a prefilled
// cart; POST /api/mp/v1/stocking-list/order, placed as a planned order
// (Idempotency-Key as POST /orders); POST
// /api/mp/v1/stocking-list/subscriptions, the buyer's permission for the
// next list's subscribe message. Mounted apart from Mount because the
// lists are built on the board's insight, wired after the buyers' API.
func (a *API) MountStocking(e *gin.Engine, st *service.Stocking) {
	if st == nil {
		panic("miniprogram: MountStocking: nil stocking")
	}
	a.stocking = st
	auth := e.Group("/api/mp/v1", limitBody(MaxBody), a.auth)
	auth.GET("/stocking-list", a.stockingList)
	writes := auth.Group("", a.rateLimit)
	writes.POST("/stocking-list/order", a.orderStocking)
	writes.POST("/stocking-list/subscriptions", a.subscribeStocking)
}

type stockingLineJSON struct {
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Unit      string `json:"unit"`
	Qty       int64  `json:"qty"`
	PriceFen  int64  `json:"price_fen"`
	Available int64  `json:"available"`
	// Short: fewer on the shelf today than the line's quantity.
	Short bool `json:"short"`
}

type stockingJSON struct {
	// WindowFrom and WindowTo are the busy days (local dates).
	WindowFrom string             `json:"window_from"`
	WindowTo   string             `json:"window_to"`
	SendOn     string             `json:"send_on"`
	SentAt     *string            `json:"sent_at"`
	Lines      []stockingLineJSON `json:"lines"`
	ValueFen   int64              `json:"value_fen"`
	// PromisedAt is the delivery the planned order is promised (null:
	// stock must come in first).
	PromisedAt *string `json:"promised_at"`
	// OrderNo is the planned order placed from it ("" none yet).
	OrderNo string `json:"order_no"`
	// Address prefills the delivery address (on file, else the last
	// order's); the buyer may change it.
	Address string `json:"address"`
}

func (a *API) stockingOut(l service.StockingList) stockingJSON {
	out := stockingJSON{WindowFrom: l.From.Format(time.DateOnly), WindowTo: l.To.Format(time.DateOnly), SendOn: l.SendOn.Format(time.DateOnly),
		SentAt: a.tsPtr(l.SentAt), Lines: make([]stockingLineJSON, len(l.Lines)), ValueFen: l.ValueFen, PromisedAt: a.tsPtr(l.PromisedAt), OrderNo: l.OrderNo, Address: l.Address}
	for i, ln := range l.Lines {
		out.Lines[i] = stockingLineJSON{SKU: ln.SKU, Name: ln.Name, Unit: ln.Unit, Qty: ln.Qty, PriceFen: ln.PriceFen, Available: max(ln.Available, 0), Short: ln.Short}
	}
	return out
}

// stockingList is GET /api/mp/v1/stocking-list: the buyer's company's list
// for its next busy window; 404 stocking_list_not_found when it has none.
func (a *API) stockingList(c *gin.Context) {
	b := buyer(c)
	l, err := a.stocking.List(c.Request.Context(), b.Customer.Code)
	if err != nil {
		var nf *service.NotFoundError
		if errors.As(err, &nf) {
			writeErr(c, http.StatusNotFound, nf.Code(), "您的公司暂无备货清单：下单集中在每月固定几天的客户，会在这几天之前收到清单")
			return
		}
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"list": a.stockingOut(l)})
}

// orderStocking is POST /api/mp/v1/stocking-list/order: the list's lines
// the buyer kept, with their quantities, placed as the planned order.
func (a *API) orderStocking(c *gin.Context) {
	key := strings.TrimSpace(c.GetHeader("Idempotency-Key"))
	if key == "" || len(key) > 128 {
		writeErr(c, http.StatusBadRequest, "idempotency_key_required",
			"请带上 Idempotency-Key 请求头（每次下单一个新的随机值，重试时不变）")
		return
	}
	var in struct {
		Lines []struct {
			SKU string          `json:"sku"`
			Qty json.RawMessage `json:"qty"`
		} `json:"lines"`
		Address string `json:"address"`
		Remark  string `json:"remark"`
		// Subscribe: the buyer just allowed the next list's message too.
		Subscribe bool `json:"subscribe"`
	}
	if !bind(c, &in) {
		return
	}
	if len(in.Lines) == 0 {
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, errorBody{Error: errorDetail{Code: service.CodeNoLines, Field: "lines",
			Message: "lines: 请至少保留一种货品"}})
		return
	}
	lines := make([]service.LineInput, len(in.Lines))
	for i, l := range in.Lines {
		qty, ok := jsonbody.Int(l.Qty)
		if !ok {
			c.AbortWithStatusJSON(http.StatusUnprocessableEntity, errorBody{Error: errorDetail{
				Code: service.CodeInvalidQty, Field: fmt.Sprintf("lines[%d].qty", i),
				Message: fmt.Sprintf("lines[%d].qty: 数量须为大于 0 的整数，收到 %s", i, l.Qty),
			}})
			return
		}
		lines[i] = service.LineInput{SKU: l.SKU, Qty: qty}
	}
	b := buyer(c)
	d, created, err := a.stocking.Place(c.Request.Context(), b, service.StockingOrder{Lines: lines, Address: in.Address, Remark: in.Remark, IdempotencyKey: key})
	if err != nil {
		a.fail(c, err)
		return
	}
	if in.Subscribe {
		if err := a.d.Buyers.SubscribeStocking(c.Request.Context(), b); err != nil {
			a.fail(c, err)
			return
		}
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
		c.Header("Idempotent-Replayed", "true")
	}
	c.JSON(status, gin.H{"order": a.detail(d), "planned": true})
}

// subscribeStocking is POST /api/mp/v1/stocking-list/subscriptions: the
// buyer allowed (wx.requestSubscribeMessage) one message for their
// company's next list.
func (a *API) subscribeStocking(c *gin.Context) {
	if _, ok := a.checkEvents(c, []string{service.EventStocking}); !ok {
		return
	}
	if err := a.d.Buyers.SubscribeStocking(c.Request.Context(), buyer(c)); err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"subscribed": []string{service.EventStocking}})
}
