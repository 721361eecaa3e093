package miniprogram

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"orderhub/model"
	"orderhub/service"
)

// problemKinds are what a buyer can report, each with the Chinese word the
// ticket carries so staff read it at a glance.
var problemKinds = map[string]string{
	"missing_items": "少发",
	"wrong_item":    "错发",
	"damaged":       "破损",
	"late":          "延迟",
	"other":         "其他",
}

// problemKind accepts a kind by key or by its Chinese name.
func problemKind(s string) (key, name string, ok bool) {
	s = strings.TrimSpace(s)
	if n, ok := problemKinds[s]; ok {
		return s, n, true
	}
	for k, n := range problemKinds {
		if n == s {
			return k, n, true
		}
	}
	return "", "", false
}

type ticketJSON struct {
	No          string `json:"no"`
	Kind        string `json:"kind"`
	KindName    string `json:"kind_name"`
	OrderNo     string `json:"order_no"`
	Description string `json:"description"`
	State       string `json:"state"`
	StateName   string `json:"state_name"`
	// Resolution is what was done, as the order's detail shows it; set
	// once the problem is resolved.
	Resolution string     `json:"resolution,omitempty"`
	ResolvedAt *string    `json:"resolved_at,omitempty"`
	Assignee   *ownerJSON `json:"assignee"`
	CreatedAt  string     `json:"created_at"`
}

func (a *API) ticketOut(v service.TicketView) ticketJSON {
	out := ticketJSON{No: v.No, OrderNo: v.OrderNo, Description: v.Description, State: v.State, StateName: problemStateZh[v.State],
		Resolution: v.Resolution, ResolvedAt: a.tsPtr(v.ResolvedAt), CreatedAt: a.ts(v.CreatedAt), Kind: "other", KindName: "其他"}
	// The buyer's kind leads the description: 【少发】….
	for k, n := range problemKinds {
		if rest, ok := strings.CutPrefix(v.Description, "【"+n+"】"); ok {
			out.Kind, out.KindName, out.Description = k, n, rest
		}
	}
	if v.Assignee != nil {
		out.Assignee = &ownerJSON{Name: v.Assignee.Name, Phone: v.Assignee.Phone}
	}
	return out
}

// reportProblem opens a ticket on the buyer's order, the same tickets staff
// open with 异常 in WeCom, assigned to the lead of whoever holds the order.
func (a *API) reportProblem(c *gin.Context) {
	var in struct {
		Kind        string `json:"kind"`
		Description string `json:"description"`
	}
	if !bind(c, &in) {
		return
	}
	_, name, ok := problemKind(in.Kind)
	if !ok {
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, errorBody{Error: errorDetail{Code: "invalid_kind", Field: "kind",
			Message: "kind 须为 missing_items(少发)、wrong_item(错发)、damaged(破损)、late(延迟) 或 other(其他)"}})
		return
	}
	desc := strings.TrimSpace(in.Description)
	if desc == "" || len([]rune(desc)) > 900 {
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, errorBody{Error: errorDetail{Code: "invalid_description", Field: "description",
			Message: "请描述问题（1 到 900 字）"}})
		return
	}
	b := buyer(c)
	ctx := c.Request.Context()
	// Ownership first, so another buyer's order is 404 like everywhere.
	if _, err := a.d.Orders.GetFor(ctx, c.Param("no"), b.Actor()); err != nil {
		a.fail(c, err)
		return
	}
	v, err := a.d.Tickets.Open(ctx, service.NewTicket{Kind: model.TicketCustomerProblem, OrderNo: c.Param("no"),
		Description: "【" + name + "】" + desc, Actor: b.Actor()})
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"ticket": a.ticketOut(v)})
}

// listProblems lists what was reported on the buyer's order.
func (a *API) listProblems(c *gin.Context) {
	ctx := c.Request.Context()
	d, err := a.d.Orders.GetFor(ctx, c.Param("no"), buyer(c).Actor())
	if err != nil {
		a.fail(c, err)
		return
	}
	vs, err := a.d.Tickets.List(ctx, service.TicketFilter{OrderNo: d.Order.No})
	if err != nil {
		a.fail(c, err)
		return
	}
	items := []ticketJSON{}
	for _, v := range vs {
		// Buyers see what buyers reported, not the warehouse's own tickets.
		if v.Kind == model.TicketCustomerProblem {
			items = append(items, a.ticketOut(v))
		}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// subscribe records the buyer's one-time permissions (the mini-program
// called wx.requestSubscribeMessage with the ids GET /subscriptions/templates
// gave) to be told about this order.
func (a *API) subscribe(c *gin.Context) {
	var in struct {
		Events []string `json:"events"`
	}
	if !bind(c, &in) {
		return
	}
	events, ok := a.checkEvents(c, in.Events)
	if !ok {
		return
	}
	got, err := a.d.Buyers.Subscribe(c.Request.Context(), buyer(c), c.Param("no"), events)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"subscribed": got})
}

// checkEvents refuses an event no template is configured for: the
// mini-program could not have asked the buyer's permission for it.
func (a *API) checkEvents(c *gin.Context, events []string) ([]string, bool) {
	tpl := a.d.Notifier.Templates()
	for _, e := range events {
		if _, ok := tpl[e]; !ok {
			c.AbortWithStatusJSON(http.StatusUnprocessableEntity, errorBody{Error: errorDetail{Code: "template_not_configured", Field: "events",
				Message: "无法订阅 " + e + "：未配置模板；GET /api/mp/v1/subscriptions/templates 列出已配置的"}})
			return nil, false
		}
	}
	return events, true
}

func (a *API) templates(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"templates": a.d.Notifier.Templates()})
}
