package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/service"
)

// MountStockingPane adds the board's stocking pane, /dashboard/stocking:
// the upcoming lists and, per customer, the lists sent, the lists turned
// into planned orders, and the rush share of the window's orders before
// and after the lists (docs/metrics.md). Mounted apart from
// MountDashboard, as MountMoveIn is, because the lists are wired after
// the board.
func MountStockingPane(e *gin.Engine, d *Dashboard, st *service.Stocking) {
	if d == nil || st == nil {
		panic("web: MountStockingPane: nil dependency")
	}
	g := e.Group("/dashboard", d.auth)
	g.GET("/stocking", func(c *gin.Context) { d.stockingPane(c, st) })
}

// StockingMeasureRow is one customer's row of the pane (and the last row,
// Customer "", everyone's).
type StockingMeasureRow struct {
	Customer, Name string
	Sent, Ordered  int
	Before, After  service.RushShare
	// Fell: the rush share went down after the lists (with orders on both
	// sides).
	Fell bool
}

func stockingRows(ms []service.StockingMeasure) (rows []StockingMeasureRow, total StockingMeasureRow) {
	for _, m := range ms {
		r := StockingMeasureRow{Customer: m.Customer, Name: m.Name, Sent: m.Sent, Ordered: m.Ordered, Before: m.Before, After: m.After,
			Fell: m.Before.Orders > 0 && m.After.Orders > 0 && m.After.Share < m.Before.Share}
		if m.Customer == "" {
			total = r
			continue
		}
		rows = append(rows, r)
	}
	return rows, total
}

func (d *Dashboard) stockingPane(c *gin.Context, st *service.Stocking) {
	ctx := c.Request.Context()
	ms, err := st.Measure(ctx)
	if err != nil {
		d.failPage(c, err)
		return
	}
	ls, err := st.Lists(ctx)
	if err != nil {
		d.failPage(c, err)
		return
	}
	lists := make([]StockingListJSON, len(ls))
	for i, l := range ls {
		lists[i] = StockingOut(l, d.d.Location)
	}
	rows, total := stockingRows(ms)
	d.render(c, http.StatusOK, "stocking", gin.H{"Title": "备货清单", "Nav": "stocking", "Rows": rows, "Total": total, "Lists": lists,
		"PrepDays": service.StockingPrepDays, "Today": d.d.Clock().In(d.d.Location).Format(time.DateOnly)})
}
