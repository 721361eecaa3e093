package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/model"
	"orderhub/service"
	"orderhub/service/insight"
)

func (d *Dashboard) filter(c *gin.Context) insight.BoardFilter {
	page, _ := strconv.Atoi(c.Query("page"))
	return insight.BoardFilter{Stage: c.Query("stage"), Warehouse: c.Query("warehouse"), Channel: c.Query("channel"),
		Customer: c.Query("customer"), Owner: c.Query("owner"), Q: c.Query("q"), Page: page, Size: 50}
}

// boardData is what the board page and its fragment render.
func (d *Dashboard) boardData(c *gin.Context) (gin.H, error) {
	f := d.filter(c)
	page, err := d.d.Board.Open(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	ws, err := d.d.Catalog.Warehouses(c.Request.Context())
	if err != nil {
		return nil, err
	}
	return gin.H{"Page": page, "Filter": f, "Warehouses": ws, "Query": c.Request.URL.RawQuery,
		"Stages": page.Counters, "AtRisk": int(d.d.Board.AtRisk() * 100)}, nil
}

func (d *Dashboard) board(c *gin.Context) {
	data, err := d.boardData(c)
	if err != nil {
		d.failPage(c, err)
		return
	}
	// The on-time rate of the last 30 days heads the board.
	ot, err := d.d.Measures.OnTime(c.Request.Context(), d.d.Measures.LastDays(30))
	if err != nil {
		d.failPage(c, err)
		return
	}
	data["Title"], data["OnTime"], data["Nav"] = "订单看板", OnTimeOut(ot), "board"
	d.render(c, http.StatusOK, "board", data)
}

// boardFragment is the live part of the board, for polling: it answers
// 304 when nothing changed since the ETag the board holds.
func (d *Dashboard) boardFragment(c *gin.Context) {
	data, err := d.boardData(c)
	if err != nil {
		d.failPage(c, err)
		return
	}
	data["Viewer"] = viewerOf(c)
	var buf bytes.Buffer
	if err := d.tmpl.ExecuteTemplate(&buf, "board-live", data); err != nil {
		d.failPage(c, err)
		return
	}
	sum := sha256.Sum256(buf.Bytes())
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	c.Header("ETag", etag)
	c.Header("Cache-Control", "no-cache")
	if c.GetHeader("If-None-Match") == etag {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}

func (d *Dashboard) detail(c *gin.Context) {
	ctx := c.Request.Context()
	det, err := d.d.Orders.Get(ctx, c.Param("no"))
	if err != nil {
		d.failPage(c, err)
		return
	}
	tickets, err := d.d.Tickets.List(ctx, service.TicketFilter{OrderNo: det.Order.No})
	if err != nil {
		d.failPage(c, err)
		return
	}
	pipe := d.d.Orders.Pipeline()
	next, hasNext := pipe.Next(det.Order.Stage)
	var need []string
	if hasNext {
		have := det.Fields()
		for _, f := range next.Requires {
			if have[f] == "" && !(f == "promised_at" && det.Order.PromisedAt != nil) {
				need = append(need, f)
			}
		}
	}
	var names []string
	for _, t := range det.Transfers {
		names = append(names, det.SKUs[t.ProductID])
	}
	d.render(c, http.StatusOK, "detail", gin.H{"Title": det.Order.No, "D": det, "Tickets": tickets, "StageName": pipe.Name(det.Order.Stage),
		"Next": next, "HasNext": hasNext, "Need": need, "Fields": det.Fields(), "Nav": "board"})
}

// waybill serves the order's waybill photo from the data dir.
func (d *Dashboard) waybill(c *gin.Context) {
	det, err := d.d.Orders.Get(c.Request.Context(), c.Param("no"))
	if err != nil {
		d.failPage(c, err)
		return
	}
	rel := det.Fields()["waybill_photo"]
	if rel == "" || d.d.DataDir == "" {
		writeErr(c, http.StatusNotFound, "no_photo", "这张订单没有面单照片")
		return
	}
	root, err := filepath.Abs(d.d.DataDir)
	if err != nil {
		d.failPage(c, err)
		return
	}
	p := filepath.Join(root, filepath.FromSlash(rel))
	if !strings.HasPrefix(p, root+string(filepath.Separator)) {
		writeErr(c, http.StatusNotFound, "no_photo", "这张订单没有面单照片")
		return
	}
	c.File(p)
}

func (d *Dashboard) ticketsPane(c *gin.Context) {
	ts, err := d.d.Tickets.List(c.Request.Context(), service.TicketFilter{Open: true})
	if err != nil {
		d.failPage(c, err)
		return
	}
	now := d.d.Clock()
	type ticket struct {
		service.TicketView
		// Late is the clock it ran past (service.Overdue), "" if none.
		Late string
	}
	type group struct {
		Assignee string
		Tickets  []ticket
	}
	var groups []group
	at := map[string]int{}
	late := map[string]int{}
	for _, t := range ts {
		name := "未分派"
		if t.Assignee != nil {
			name = t.Assignee.Name
		}
		if _, ok := at[name]; !ok {
			at[name] = len(groups)
			groups = append(groups, group{Assignee: name})
		}
		tk := ticket{TicketView: t, Late: d.d.Overdue.Ticket(t.Ticket, now)}
		late[tk.Late]++
		groups[at[name]].Tickets = append(groups[at[name]].Tickets, tk)
	}
	d.render(c, http.StatusOK, "tickets", gin.H{"Title": "异常工单", "Groups": groups, "Count": len(ts),
		"LateAck": late[model.ClockAck], "LateResolve": late[model.ClockResolve], "Now": now, "Nav": "tickets"})
}

func (d *Dashboard) transfersPane(c *gin.Context) {
	ts, err := d.d.Transfers.List(c.Request.Context(), service.TransferFilter{Status: model.TransferPending})
	if err != nil {
		d.failPage(c, err)
		return
	}
	type transfer struct {
		service.TransferView
		// Late is the clock it ran past (service.Overdue), "" if none.
		Late string
	}
	type group struct {
		Assignee  string
		Transfers []transfer
	}
	var groups []group
	at := map[string]int{}
	now := d.d.Clock()
	overdue := 0
	for _, t := range ts {
		name := t.Assignee
		if name == "" {
			name = "未分派"
		}
		if _, ok := at[name]; !ok {
			at[name] = len(groups)
			groups = append(groups, group{Assignee: name})
		}
		tr := transfer{TransferView: t, Late: d.d.Overdue.Transfer(t.Transfer, now)}
		if tr.Late != "" {
			overdue++
		}
		groups[at[name]].Transfers = append(groups[at[name]].Transfers, tr)
	}
	d.render(c, http.StatusOK, "transfers", gin.H{"Title": "调拨单", "Groups": groups, "Count": len(ts), "Overdue": overdue, "Now": now, "Nav": "transfers"})
}

func (d *Dashboard) charts(c *gin.Context) {
	ctx := c.Request.Context()
	m := d.d.Measures
	ot90, err := m.OnTime(ctx, m.LastDays(90))
	if err != nil {
		d.failPage(c, err)
		return
	}
	ot30, err := m.OnTime(ctx, m.LastDays(30))
	if err != nil {
		d.failPage(c, err)
		return
	}
	dwell, err := m.Dwell(ctx, m.LastDays(30))
	if err != nil {
		d.failPage(c, err)
		return
	}
	tk, err := m.Tickets(ctx, m.LastDays(30))
	if err != nil {
		d.failPage(c, err)
		return
	}
	cal, err := d.d.Insight.Calendar(ctx, "", 90)
	if err != nil {
		d.failPage(c, err)
		return
	}
	terms, err := d.d.Insight.Remarks(ctx, 90)
	if err != nil {
		d.failPage(c, err)
		return
	}
	themes, err := d.d.Insight.RemarkThemes(ctx, 90, terms)
	if err != nil {
		d.failPage(c, err)
		return
	}
	if len(cal) > 15 {
		cal = cal[:15]
	}
	data := gin.H{"Title": "准时率与时效", "OnTime": OnTimeOut(ot90), "OnTime30": OnTimeOut(ot30), "Dwell": dwell, "Tickets": tk, "Nav": "charts",
		"Calendar": CalendarOut(cal), "Terms": TermsOut(terms), "Themes": ThemesOut(themes)}
	d.render(c, http.StatusOK, "charts", data)
}

// eventFields renders an event's fields (a JSON object) as 「承诺送达 12-11 18:00 · 运单号 SF1」:
// a value that is a time is shown in loc, never as raw RFC 3339.
func eventFields(raw string, loc *time.Location) string {
	var m map[string]any
	if strings.TrimSpace(raw) == "" || json.Unmarshal([]byte(raw), &m) != nil {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fieldWord(k)+" "+fieldValue(m[k], loc))
	}
	return strings.Join(parts, " · ")
}

// fieldValue shows a stage field's value: a time in loc, the rest as is.
func fieldValue(v any, loc *time.Location) string {
	s := fmt.Sprint(v)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc).Format("2006-01-02 15:04")
	}
	return s
}
