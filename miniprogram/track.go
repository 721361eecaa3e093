package miniprogram

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/internal/reqlog"
	"orderhub/model"
	"orderhub/service"
)

//go:embed assets/track.html
var assets embed.FS

var trackTmpl = template.Must(template.ParseFS(assets, "assets/track.html"))

type trackStep struct {
	Name  string
	State string // done, current, todo
	At    string // when the order entered it, if it did
}

type trackLine struct {
	Name, SKU string
	Qty       int64
}

type trackEvent struct {
	At, Text, By string
}

// trackCoupon is the delay coupon as the public page shows it: its worth
// and term, never its code. Anyone with the link may open the page; the
// code is the buyer's, shown in the mini-program after login.
type trackCoupon struct {
	Amount, Expires string
}

type trackProblem struct {
	KindName, StateName, Resolution string
	Open                            bool
}

type trackPage struct {
	// ETag is the page's tag, for its own polling.
	ETag      string
	Found     bool
	No        string
	Customer  string
	StageName string
	Cancelled bool
	Delivered bool
	ETA       string
	ETAKind   string
	Late      bool
	Steps     []trackStep
	// Owner is who holds the order, with their role (发货 · 周敏); the
	// page is public, so OwnerPhone is masked and ServicePhone, when the
	// company set one, is the number to call.
	Owner        string
	OwnerPhone   string
	ServicePhone string
	// CancelReason says why a cancelled order was cancelled.
	CancelReason string
	// Delay is the delay the buyer was told of, with the coupon.
	DelayETA, DelayPromised string
	Coupon                  *trackCoupon
	// Problems are those the buyer reported, with what was done.
	Problems     []trackProblem
	OpenProblems int
	Carrier      string
	TrackingNo   string
	Lines        []trackLine
	Events       []trackEvent
	Updated      string
}

// trackPage serves the public tracking page /t/<token>: no login, the
// signed token is the key. Phone-width, Chinese, rendered on the server so
// it shows in any chat's in-app browser without JavaScript.
func (a *API) trackPage(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("X-Robots-Tag", "noindex")
	c.Header("Referrer-Policy", "no-referrer")
	d, err := a.d.Tracking.Open(c.Request.Context(), c.Param("token"))
	if errors.Is(err, service.ErrNotFound) {
		a.renderTrack(c, http.StatusNotFound, trackPage{})
		return
	}
	if err != nil {
		a.d.Log.ErrorContext(c, "tracking page", "err", err)
		c.String(http.StatusInternalServerError, "服务器内部错误，请稍后再试 (request id %s)", reqlog.ID(c))
		return
	}
	ts, err := a.d.Tickets.List(c.Request.Context(), service.TicketFilter{OrderNo: d.Order.No})
	if err != nil {
		a.d.Log.ErrorContext(c, "tracking page", "err", err)
		c.String(http.StatusInternalServerError, "服务器内部错误，请稍后再试 (request id %s)", reqlog.ID(c))
		return
	}
	p := a.trackView(d, ts)
	for _, pr := range a.buyerProblems(d, ts) {
		open := pr.State == model.TicketOpen || pr.State == model.TicketAcknowledged
		p.Problems = append(p.Problems, trackProblem{KindName: pr.KindName, StateName: pr.StateName, Resolution: pr.Resolution, Open: open})
		if open {
			p.OpenProblems++
		}
	}
	// The page refreshes itself by ETag polling (assets/track.html): the
	// tag is the page's content without its "updated at" line, so an
	// unchanged order answers 304 and costs the phone nothing.
	tag := trackETag(p)
	p.ETag = tag
	c.Header("ETag", tag)
	c.Header("Cache-Control", "no-cache")
	if c.GetHeader("If-None-Match") == tag {
		c.Status(http.StatusNotModified)
		return
	}
	a.renderTrack(c, http.StatusOK, p)
}

// trackETag is a strong tag of what the page shows, less the time of
// rendering.
func trackETag(p trackPage) string {
	p.Updated, p.ETag = "", ""
	b, _ := json.Marshal(p)
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

func (a *API) trackView(d service.Detail, ts []service.TicketView) trackPage {
	o := d.Order
	pipe := a.d.Orders.Pipeline()
	p := trackPage{
		Found: true, No: o.No, Customer: d.Customer.Name, StageName: pipe.Name(o.Stage),
		Cancelled: o.Stage == service.StageCancelled, Delivered: o.Stage == pipe.Last().Key,
		Carrier: o.Carrier, TrackingNo: o.TrackingNo, Updated: a.localTime(a.d.Orders.Now()),
	}
	entered := map[string]string{}
	var eventTimes []time.Time
	for _, e := range d.Events {
		if e.ToStage != "" {
			entered[e.ToStage] = a.localTime(e.CreatedAt)
		}
		if text, by, show := a.buyerEvent(d, e); show {
			p.Events = append(p.Events, trackEvent{At: a.localTime(e.CreatedAt), Text: text, By: by})
			eventTimes = append(eventTimes, e.CreatedAt)
		}
	}
	// The problems the buyer reported, step by step, among the rest.
	if lines := a.ticketLines(d, ts); len(lines) > 0 {
		type at struct {
			t  time.Time
			ev trackEvent
		}
		var all []at
		for i, e := range p.Events {
			all = append(all, at{eventTimes[i], e})
		}
		for _, l := range lines {
			all = append(all, at{l.At, trackEvent{At: a.localTime(l.At), Text: l.Text, By: l.By}})
		}
		sort.SliceStable(all, func(i, j int) bool { return all[i].t.Before(all[j].t) })
		p.Events = p.Events[:0]
		for _, x := range all {
			p.Events = append(p.Events, x.ev)
		}
	}
	if r, ok := orderCancelReason(d); ok {
		p.CancelReason = r
	}
	if dl := d.Delay; dl != nil {
		p.DelayETA, p.DelayPromised = a.localTime(dl.ETA), a.localTime(dl.PromisedAt)
		if c := dl.Coupon; c != nil {
			p.Coupon = &trackCoupon{Amount: service.Yuan(c.Fen), Expires: a.localTime(c.ExpiresAt)}
		}
	}
	// Newest first, at most six: the page is for a glance.
	for i, j := 0, len(p.Events)-1; i < j; i, j = i+1, j-1 {
		p.Events[i], p.Events[j] = p.Events[j], p.Events[i]
	}
	if len(p.Events) > 6 {
		p.Events = p.Events[:6]
	}
	for _, s := range progress(pipe, o.Stage) {
		st := trackStep{Name: s.Name, State: s.State}
		if s.State != "todo" {
			st.At = entered[s.Key]
		}
		p.Steps = append(p.Steps, st)
	}
	if eta, ok := a.d.Orders.ETA(o, a.d.Orders.Now()); ok {
		p.ETA, p.Late = a.localTime(eta.At), eta.Late
		p.ETAKind = "预计"
		if eta.Kind == service.ETAPromised {
			p.ETAKind = "承诺"
		}
	}
	if d.Owner != nil && o.OwnerStaffID != nil {
		p.Owner = d.Owner.Name
		if role := ownerRole(pipe, o.Stage); role != "" {
			p.Owner = role + " · " + d.Owner.Name
		}
		if d.Owner.Phone != "" {
			p.OwnerPhone = maskPhone(d.Owner.Phone)
		}
	}
	p.ServicePhone = a.d.Config.ServicePhone
	for _, l := range o.Lines {
		p.Lines = append(p.Lines, trackLine{Name: l.Name, SKU: l.SKU, Qty: l.Qty})
	}
	return p
}

func (a *API) renderTrack(c *gin.Context, status int, p trackPage) {
	var buf bytes.Buffer
	if err := trackTmpl.Execute(&buf, p); err != nil {
		a.d.Log.ErrorContext(c, "render tracking page", "err", err)
		c.String(http.StatusInternalServerError, "服务器内部错误")
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}
