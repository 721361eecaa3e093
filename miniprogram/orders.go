package miniprogram

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/internal/apiorder"
	"orderhub/model"
	"orderhub/service"
)

type productJSON struct {
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Spec      string `json:"spec"`
	Unit      string `json:"unit"`
	PriceFen  int64  `json:"price_fen"`
	Available int64  `json:"available"`
}

func (a *API) products(c *gin.Context) {
	p, size, ok := page(c)
	if !ok {
		return
	}
	q := c.Query("q")
	if utf8Len(q) > 64 {
		writeErr(c, http.StatusBadRequest, "invalid_query", "搜索词过长：q 最多 64 个字")
		return
	}
	ps, total, err := a.d.Catalog.ListProducts(c.Request.Context(), q, p, size)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]productJSON, len(ps))
	for i, pr := range ps {
		items[i] = productJSON{SKU: pr.SKU, Name: pr.Name, Spec: pr.Spec, Unit: pr.Unit, PriceFen: pr.PriceFen, Available: max(pr.Available, 0)}
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "total": total, "page": p, "size": size})
}

func utf8Len(s string) int { return len([]rune(s)) }

type lineJSON struct {
	SKU      string `json:"sku"`
	Name     string `json:"name"`
	Qty      int64  `json:"qty"`
	PriceFen int64  `json:"price_fen"`
}

type stepJSON struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	// State is done, current or todo.
	State string `json:"state"`
}

type eventJSON struct {
	At        string `json:"at"`
	Kind      string `json:"kind"`
	Stage     string `json:"stage"`
	StageName string `json:"stage_name"`
	// By is who, from the buyer's side of the counter: 您, 客服, 仓库 …
	// ("" for the company as a whole); never an internal actor.
	By string `json:"by"`
	// Text says what happened in the buyer's words (also in Note, which
	// older clients read).
	Text string `json:"text"`
	Note string `json:"note,omitempty"`
}

type etaJSON struct {
	At string `json:"at"`
	// Kind is promised (the time staff promised) or estimated (from the
	// stage SLAs while nothing is promised).
	Kind string `json:"kind"`
	// Late says the order will likely miss its promised time.
	Late bool `json:"late"`
}

type ownerJSON struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	// Role is what they do for the order: 客服, 仓库, 质检, 发货 ….
	Role string `json:"role,omitempty"`
}

type orderJSON struct {
	No        string `json:"no"`
	Stage     string `json:"stage"`
	StageName string `json:"stage_name"`
	CreatedAt string `json:"created_at"`
	Address   string `json:"address"`
	// AddressSource is "customer" when the order gave no address and the
	// one on file was used (the page says so beside it).
	AddressSource string      `json:"address_source,omitempty"`
	Remark        string      `json:"remark"`
	TotalFen      int64       `json:"total_fen"`
	Lines         []lineJSON  `json:"lines"`
	Progress      []stepJSON  `json:"progress"`
	ETA           *etaJSON    `json:"eta"`
	PromisedAt    *string     `json:"promised_at"`
	Owner         *ownerJSON  `json:"owner"`
	Carrier       string      `json:"carrier,omitempty"`
	TrackingNo    string      `json:"tracking_no,omitempty"`
	TrackingURL   string      `json:"tracking_url"`
	CanCancel     bool        `json:"can_cancel"`
	CanConfirm    bool        `json:"can_confirm_receipt"`
	Timeline      []eventJSON `json:"timeline,omitempty"`
	// Transfers: detail only, in plain words (transfers.go).
	Transfers []transferJSON `json:"transfers,omitempty"`
	// Delay is the delay the buyer was told of, with the new estimate and
	// the compensation coupon (detail only; null if never late).
	Delay *delayJSON `json:"delay,omitempty"`
	// CouponUsed is the compensation coupon taken off this order's total
	// (detail only).
	CouponUsed *couponUsedJSON `json:"coupon_used,omitempty"`
	// CancelReason says why a cancelled order was cancelled.
	CancelReason *string `json:"cancel_reason,omitempty"`
	// Problems are those the buyer's company reported on the order, with
	// their state and resolution; OpenProblems counts the unresolved.
	Problems     []problemJSON `json:"problems,omitempty"`
	OpenProblems int           `json:"open_problems,omitempty"`
}

// summary is an order as a buyer sees it in a list: no timeline.
func (a *API) summary(o model.Order, owner *model.Staff) orderJSON {
	pipe := a.d.Orders.Pipeline()
	out := orderJSON{
		No: o.No, Stage: o.Stage, StageName: pipe.Name(o.Stage), CreatedAt: a.ts(o.CreatedAt), Address: o.Address, AddressSource: o.AddressSource, Remark: o.Remark,
		TotalFen: o.TotalFen, Lines: make([]lineJSON, len(o.Lines)), PromisedAt: a.tsPtr(o.PromisedAt),
		Carrier: o.Carrier, TrackingNo: o.TrackingNo, TrackingURL: a.trackingURL(o.No),
		CanCancel:  pipe.CustomerCancellable(o.Stage),
		CanConfirm: o.Stage == service.StageShipped,
	}
	for i, l := range o.Lines {
		out.Lines[i] = lineJSON{SKU: l.SKU, Name: l.Name, Qty: l.Qty, PriceFen: l.PriceFen}
	}
	out.Progress = progress(pipe, o.Stage)
	if eta, ok := a.d.Orders.ETA(o, a.d.Orders.Now()); ok {
		out.ETA = &etaJSON{At: a.ts(eta.At), Kind: eta.Kind, Late: eta.Late}
	}
	if owner != nil && o.OwnerStaffID != nil {
		out.Owner = &ownerJSON{Name: owner.Name, Phone: owner.Phone, Role: ownerRole(pipe, o.Stage)}
	}
	return out
}

// progress lists the pipeline's stages, marking where the order is. A
// cancelled order has every stage todo.
func progress(pipe *service.Pipeline, stage string) []stepJSON {
	stages := pipe.Stages()
	out := make([]stepJSON, len(stages))
	state := "done"
	if stage == service.StageCancelled {
		state = "todo"
	}
	for i, s := range stages {
		st := state
		if s.Key == stage {
			st = "current"
			state = "todo"
		}
		out[i] = stepJSON{Key: s.Key, Name: s.Name, State: st}
	}
	// The last stage reached is done, not in progress.
	if n := len(out); n > 0 && out[n-1].State == "current" {
		out[n-1].State = "done"
	}
	return out
}

func (a *API) detail(d service.Detail) orderJSON {
	out := a.summary(d.Order, d.Owner)
	out.Transfers = buyerTransfers(d)
	pipe := a.d.Orders.Pipeline()
	for _, e := range d.Events {
		// Buyers see how the order moved, in their words, not the
		// warehouse's inner work (transfers between warehouses).
		text, by, show := a.buyerEvent(d, e)
		if !show {
			continue
		}
		ev := eventJSON{At: a.ts(e.CreatedAt), Kind: e.Kind, Stage: e.ToStage, By: by, Text: text, Note: text}
		if e.ToStage != "" {
			ev.StageName = pipe.Name(e.ToStage)
		}
		out.Timeline = append(out.Timeline, ev)
	}
	out.Delay = a.delayOut(d.Delay)
	if c := d.CouponUsed; c != nil {
		out.CouponUsed = &couponUsedJSON{Code: c.Code, AmountFen: c.Fen, OffFen: c.OffFen}
	}
	if r, ok := orderCancelReason(d); ok {
		out.CancelReason = &r
	}
	return out
}

// withProblems adds the problems the buyer's company reported on the order.
func (a *API) withProblems(ctx context.Context, out *orderJSON, d service.Detail) error {
	ts, err := a.d.Tickets.List(ctx, service.TicketFilter{OrderNo: d.Order.No})
	if err != nil {
		return err
	}
	out.Problems = a.buyerProblems(d, ts)
	out.OpenProblems = openProblems(out.Problems)
	a.withTicketLines(out, d, ts)
	return nil
}

func (a *API) trackingURL(no string) string {
	return strings.TrimRight(a.d.PublicURL, "/") + "/t/" + a.d.Tracking.Token(no)
}

func (a *API) createOrder(c *gin.Context) {
	key := strings.TrimSpace(c.GetHeader("Idempotency-Key"))
	if key == "" || len(key) > 128 {
		writeErr(c, http.StatusBadRequest, "idempotency_key_required",
			"请带上 Idempotency-Key 请求头（每次下单一个新的随机值，重试时不变）")
		return
	}
	var in struct {
		Lines   []apiorder.Line `json:"lines"`
		Address string          `json:"address"`
		Remark  string          `json:"remark"`
		// Subscribe lists the events the buyer just allowed a subscribe
		// message for (wx.requestSubscribeMessage before placing).
		Subscribe []string `json:"subscribe"`
	}
	if !bind(c, &in) {
		return
	}
	if len(in.Subscribe) > 0 {
		if _, ok := a.checkEvents(c, in.Subscribe); !ok {
			return
		}
	}
	lines, ok := apiorder.Lines(c, in.Lines)
	if !ok {
		return
	}
	b := buyer(c)
	d, created, err := a.d.Orders.Create(c.Request.Context(), service.NewOrder{
		Channel: service.ChannelMiniProgram, CustomerID: b.CustomerID, Lines: lines, Address: in.Address, Remark: in.Remark,
		IdempotencyKey: key, Actor: b.Actor(),
	})
	if err != nil {
		a.fail(c, err)
		return
	}
	if len(in.Subscribe) > 0 {
		// After the order commits; a retry with the same key (after a
		// failure here) replays the order and records them again, which
		// changes nothing for permissions already recorded.
		if _, err := a.d.Buyers.Subscribe(c.Request.Context(), b, d.Order.No, in.Subscribe); err != nil {
			a.fail(c, err)
			return
		}
	}
	apiorder.Answer(c, created, gin.H{"order": a.detail(d)})
}

func (a *API) listOrders(c *gin.Context) {
	p, size, ok := page(c)
	if !ok {
		return
	}
	orders, total, err := a.d.Orders.List(c.Request.Context(), service.OrderFilter{CustomerID: buyer(c).CustomerID, Stage: c.Query("stage"), Page: p, Size: size})
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]orderJSON, len(orders))
	for i, o := range orders {
		items[i] = a.summary(o.Order, o.Owner)
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "total": total, "page": p, "size": size})
}

func (a *API) getOrder(c *gin.Context) {
	d, err := a.d.Orders.GetFor(c.Request.Context(), c.Param("no"), buyer(c).Actor())
	if err != nil {
		a.fail(c, err)
		return
	}
	out := a.detail(d)
	if err := a.withProblems(c.Request.Context(), &out, d); err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"order": out})
}

func (a *API) cancelOrder(c *gin.Context) {
	var in struct {
		Reason string `json:"reason"`
	}
	if !bindOptional(c, &in) {
		return
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" {
		reason = "买家在小程序取消"
	}
	d, err := a.d.Orders.Cancel(c.Request.Context(), c.Param("no"), buyer(c).Actor(), reason)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"order": a.detail(d)})
}

func (a *API) confirmReceipt(c *gin.Context) {
	var in struct {
		Note string `json:"note"`
	}
	if !bindOptional(c, &in) {
		return
	}
	d, err := a.d.Orders.ConfirmReceipt(c.Request.Context(), c.Param("no"), buyer(c).Actor(), in.Note)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"order": a.detail(d)})
}

// localTime formats t for a person in China: 11月26日 18:00.
func (a *API) localTime(t time.Time) string { return t.In(a.d.Location).Format("1月2日 15:04") }
