package web

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/service"
	"orderhub/service/insight"
)

// metricRoutes serve the supervisors' numbers, computed from the events.
type metricRoutes struct {
	m   *insight.Measures
	log *slog.Logger
}

// MountMetrics adds GET /metrics/{on-time,tickets,stages,volume,
// escalations,delays,transfers,cancellations} to a guarded group. Each takes
// from and to (local days, YYYY-MM-DD, both included; default the last 30
// days) and customer, warehouse, channel filters. docs/metrics.md gives
// every formula with a worked example.
func MountMetrics(g *gin.RouterGroup, m *insight.Measures, log *slog.Logger) {
	if m == nil || log == nil {
		panic("web: MountMetrics: nil dependency")
	}
	r := &metricRoutes{m: m, log: log}
	g.GET("/metrics/on-time", r.onTime)
	g.GET("/metrics/tickets", r.tickets)
	g.GET("/metrics/stages", r.stages)
	g.GET("/metrics/volume", r.volume)
	g.GET("/metrics/escalations", r.escalations)
	g.GET("/metrics/delays", r.delays)
	g.GET("/metrics/transfers", r.transfers)
	g.GET("/metrics/cancellations", r.cancellations)
}

func (r *metricRoutes) filter(c *gin.Context) insight.MetricFilter {
	f := r.m.LastDays(30)
	if v := c.Query("from"); v != "" {
		f.From = v
	}
	if v := c.Query("to"); v != "" {
		f.To = v
	}
	f.Customer, f.Warehouse, f.Channel = c.Query("customer"), c.Query("warehouse"), c.Query("channel")
	return f
}

// durationsJSON is a Durations in seconds.
type durationsJSON struct {
	Count       int     `json:"count"`
	MeanSeconds float64 `json:"mean_seconds"`
	P50Seconds  float64 `json:"p50_seconds"`
	P90Seconds  float64 `json:"p90_seconds"`
}

func durationsOut(d insight.Durations) durationsJSON {
	return durationsJSON{Count: d.Count, MeanSeconds: d.Mean.Seconds(), P50Seconds: d.P50.Seconds(), P90Seconds: d.P90.Seconds()}
}

type onTimeDayJSON struct {
	Day       string  `json:"day"`
	Delivered int     `json:"delivered"`
	OnTime    int     `json:"on_time"`
	Early     int     `json:"early"`
	Late      int     `json:"late"`
	OTIF      int     `json:"otif"`
	Rate      float64 `json:"rate"`
	OTIFRate  float64 `json:"otif_rate"`
}

// OnTimeJSON is the answer of GET /api/v1/metrics/on-time.
type OnTimeJSON struct {
	From             string          `json:"from"`
	To               string          `json:"to"`
	Delivered        int             `json:"delivered"`
	OnTime           int             `json:"on_time"`
	Early            int             `json:"early"`
	Late             int             `json:"late"`
	Unpromised       int             `json:"unpromised"`
	Rate             float64         `json:"rate"`
	OTIF             int             `json:"otif"`
	OTIFRate         float64         `json:"otif_rate"`
	ToleranceMinutes int             `json:"tolerance_minutes"`
	OTIFWindowDays   float64         `json:"otif_window_days"`
	Definition       string          `json:"definition"`
	Days             []onTimeDayJSON `json:"days"`
}

// OnTimeOut renders an OnTime for the API and the board.
func OnTimeOut(o insight.OnTime) OnTimeJSON {
	out := OnTimeJSON{From: o.From, To: o.To, Delivered: o.Delivered, OnTime: o.OnTime, Early: o.Early, Late: o.Late, Unpromised: o.Unpromised,
		Rate: o.Rate, OTIF: o.OTIF, OTIFRate: o.OTIFRate, ToleranceMinutes: int(service.OnTimeTolerance / time.Minute),
		OTIFWindowDays: o.OTIFWindow.Hours() / 24,
		Definition:     "准时 = 在承诺时间前后 2 小时内签收（提前 2 小时以上也不算准时）；准时率 = 准时 ÷ 期间签收订单数",
		Days:           make([]onTimeDayJSON, len(o.Days))}
	for i, d := range o.Days {
		out.Days[i] = onTimeDayJSON{Day: d.Day, Delivered: d.Delivered, OnTime: d.OnTime, Early: d.Early, Late: d.Late, OTIF: d.OTIF, Rate: d.Rate, OTIFRate: d.OTIFRate}
	}
	return out
}

func (r *metricRoutes) onTime(c *gin.Context) {
	o, err := r.m.OnTime(c.Request.Context(), r.filter(c))
	if err != nil {
		fail(c, r.log, err)
		return
	}
	c.JSON(http.StatusOK, OnTimeOut(o))
}

func (r *metricRoutes) tickets(c *gin.Context) {
	t, err := r.m.Tickets(c.Request.Context(), r.filter(c))
	if err != nil {
		fail(c, r.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"from": t.From, "to": t.To, "opened": t.Opened, "acknowledged": t.Acknowledged, "resolved": t.Resolved,
		"response": durationsOut(t.Response), "resolution": durationsOut(t.Resolution), "by_kind": t.ByKind})
}

type dwellJSON struct {
	Stage string `json:"stage"`
	Name  string `json:"name"`
	durationsJSON
}

func (r *metricRoutes) stages(c *gin.Context) {
	ds, err := r.m.Dwell(c.Request.Context(), r.filter(c))
	if err != nil {
		fail(c, r.log, err)
		return
	}
	items := make([]dwellJSON, len(ds))
	for i, d := range ds {
		items[i] = dwellJSON{Stage: d.Stage, Name: d.Name, durationsJSON: durationsOut(d.Durations)}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (r *metricRoutes) volume(c *gin.Context) {
	vs, err := r.m.Volume(c.Request.Context(), r.filter(c))
	if err != nil {
		fail(c, r.log, err)
		return
	}
	type dayJSON struct {
		Day    string `json:"day"`
		Orders int    `json:"orders"`
		Lines  int    `json:"lines"`
	}
	items := make([]dayJSON, len(vs))
	var orders, lines int
	for i, v := range vs {
		items[i] = dayJSON{Day: v.Day, Orders: v.Orders, Lines: v.Lines}
		orders += v.Orders
		lines += v.Lines
	}
	c.JSON(http.StatusOK, gin.H{"orders": orders, "lines": lines, "days": items})
}

func (r *metricRoutes) escalations(c *gin.Context) {
	es, err := r.m.Escalations(c.Request.Context(), r.filter(c))
	if err != nil {
		fail(c, r.log, err)
		return
	}
	type escJSON struct {
		Clock string `json:"clock"`
		Level int    `json:"level"`
		Count int    `json:"count"`
	}
	items := make([]escJSON, len(es))
	for i, e := range es {
		items[i] = escJSON{Clock: e.Clock, Level: e.Level, Count: e.Count}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (r *metricRoutes) delays(c *gin.Context) {
	d, err := r.m.Delays(c.Request.Context(), r.filter(c))
	if err != nil {
		fail(c, r.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"from": d.From, "to": d.To, "notices": d.Notices, "coupons": d.Coupons, "coupon_fen": d.CouponFen})
}

func (r *metricRoutes) transfers(c *gin.Context) {
	t, err := r.m.Transfers(c.Request.Context(), r.filter(c))
	if err != nil {
		fail(c, r.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"from": t.From, "to": t.To, "created": t.Created, "received": t.Received, "pending": t.Pending,
		"cancelled": t.Cancelled, "lead_time": durationsOut(t.LeadTime)})
}

func (r *metricRoutes) cancellations(c *gin.Context) {
	total, reasons, err := r.m.Cancellations(c.Request.Context(), r.filter(c))
	if err != nil {
		fail(c, r.log, err)
		return
	}
	type reasonJSON struct {
		Reason string `json:"reason"`
		Count  int    `json:"count"`
	}
	items := make([]reasonJSON, len(reasons))
	for i, x := range reasons {
		items[i] = reasonJSON{Reason: x.Reason, Count: x.Count}
	}
	c.JSON(http.StatusOK, gin.H{"cancelled": total, "reasons": items})
}
