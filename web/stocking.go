package web

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/internal/apitime"
	"orderhub/service"
)

// MountStocking adds GET /insight/stocking-lists,
// /insight/stocking-lists/{customer} and /insight/stocking-measures to a
// guarded group.
func MountStocking(g *gin.RouterGroup, st *service.Stocking, loc *time.Location, log *slog.Logger) {
	if st == nil || loc == nil || log == nil {
		panic("web: MountStocking: nil dependency")
	}
	g.GET("/insight/stocking-lists", func(c *gin.Context) {
		ls, err := st.Lists(c.Request.Context())
		if err != nil {
			fail(c, log, err)
			return
		}
		out := make([]StockingListJSON, len(ls))
		for i, l := range ls {
			out[i] = StockingOut(l, loc)
		}
		c.JSON(http.StatusOK, gin.H{"items": out})
	})
	g.GET("/insight/stocking-lists/:customer", func(c *gin.Context) {
		l, err := st.List(c.Request.Context(), c.Param("customer"))
		if err != nil {
			fail(c, log, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"list": StockingOut(l, loc)})
	})
	g.GET("/insight/stocking-measures", func(c *gin.Context) {
		ms, err := st.Measure(c.Request.Context())
		if err != nil {
			fail(c, log, err)
			return
		}
		rows, total := stockingRows(ms)
		out := make([]StockingMeasureJSON, len(rows))
		for i, r := range rows {
			out[i] = stockingMeasureOut(r)
		}
		c.JSON(http.StatusOK, gin.H{"items": out, "total": stockingMeasureOut(total), "prep_days": service.StockingPrepDays})
	})
}

// RushShareJSON is the rush share of some windows' orders.
type RushShareJSON struct {
	Windows int     `json:"windows"`
	Orders  int     `json:"orders"`
	Rush    int     `json:"rush"`
	Share   float64 `json:"share"`
}

// StockingMeasureJSON is what the lists did for one customer (docs/metrics.md).
type StockingMeasureJSON struct {
	Customer string        `json:"customer,omitempty"`
	Name     string        `json:"name,omitempty"`
	Sent     int           `json:"sent"`
	Ordered  int           `json:"ordered"`
	Before   RushShareJSON `json:"before"`
	After    RushShareJSON `json:"after"`
}

func stockingMeasureOut(r StockingMeasureRow) StockingMeasureJSON {
	rs := func(x service.RushShare) RushShareJSON {
		return RushShareJSON{Windows: x.Windows, Orders: x.Orders, Rush: x.Rush, Share: x.Share}
	}
	return StockingMeasureJSON{Customer: r.Customer, Name: r.Name, Sent: r.Sent, Ordered: r.Ordered, Before: rs(r.Before), After: rs(r.After)}
}

// StockingLineJSON is one line of a stocking list.
type StockingLineJSON struct {
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Unit      string `json:"unit"`
	Qty       int64  `json:"qty"`
	PriceFen  int64  `json:"price_fen"`
	Windows   int    `json:"windows"`
	Available int64  `json:"available"`
	Short     bool   `json:"short"`
}

// StockingListJSON is a customer's stocking list for their next window.
type StockingListJSON struct {
	Customer   string             `json:"customer"`
	Name       string             `json:"name"`
	WindowFrom string             `json:"window_from"`
	WindowTo   string             `json:"window_to"`
	SendOn     string             `json:"send_on"`
	Windows    int                `json:"windows"`
	Lines      []StockingLineJSON `json:"lines"`
	ValueFen   int64              `json:"expected_value_fen"`
	PromisedAt *string            `json:"promised_at"`
	SentAt     *string            `json:"sent_at"`
	OrderNo    string             `json:"order_no,omitempty"`
}

// StockingOut renders a list for the API and the board; days are local
// dates, times RFC 3339 in the business's zone.
func StockingOut(l service.StockingList, loc *time.Location) StockingListJSON {
	at := apitime.New(loc)
	out := StockingListJSON{Customer: l.Customer, Name: l.Name, WindowFrom: l.From.Format(time.DateOnly), WindowTo: l.To.Format(time.DateOnly),
		SendOn: l.SendOn.Format(time.DateOnly), Windows: l.Windows, Lines: make([]StockingLineJSON, len(l.Lines)), ValueFen: l.ValueFen,
		PromisedAt: at.Ptr(l.PromisedAt), SentAt: at.Ptr(l.SentAt), OrderNo: l.OrderNo}
	for i, ln := range l.Lines {
		out.Lines[i] = StockingLineJSON{SKU: ln.SKU, Name: ln.Name, Unit: ln.Unit, Qty: ln.Qty, PriceFen: ln.PriceFen, Windows: ln.Windows, Available: ln.Available, Short: ln.Short}
	}
	return out
}
