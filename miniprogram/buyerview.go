package miniprogram

import (
	"encoding/json"
	"strings"

	"orderhub/model"
	"orderhub/service"
)

// roleZh names the role that holds an order, as a buyer reads it.
var roleZh = map[string]string{
	"customer_service": "客服", "keeper": "仓库", "picker": "配货", "qc": "质检", "dispatcher": "发货",
}

// ownerRole is what the person holding the order does, by the stage they
// hold it in: 客服, 仓库, 质检, ….
func ownerRole(pipe *service.Pipeline, stage string) string {
	st, ok := pipe.Stage(stage)
	if !ok {
		return ""
	}
	if zh, ok := roleZh[st.OwnerRole]; ok {
		return zh
	}
	return "负责人"
}

// maskPhone hides the middle of a mobile number for pages anyone with the
// link may open: 13800000006 → 138****0006.
func maskPhone(p string) string {
	r := []rune(strings.TrimSpace(p))
	if len(r) < 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + "****" + string(r[len(r)-4:])
}

// buyerEvent says one timeline event in a buyer's words: what happened,
// and who from the buyer's side of the counter (您, 客服, 仓库 …), never an
// internal actor (系统, 管理员, 演示数据, a login name). show is false for
// the warehouse's inner work (transfers, attachments, reassignments).
func (a *API) buyerEvent(d service.Detail, e model.OrderEvent) (text, by string, show bool) {
	pipe := a.d.Orders.Pipeline()
	name, id := splitLabel(e.Actor)
	mine := d.Customer.Code != "" && id == d.Customer.Code
	switch {
	case mine:
		by = "您"
	case internalActors[id] || id == "":
		// The company itself (系统, 管理员, 演示数据): no name to give.
	case e.FromStage != "":
		by = ownerRole(pipe, e.FromStage) + " · " + name
	}
	switch e.Kind {
	case "created":
		if d.Order.Channel == service.ChannelMiniProgram {
			return "您在小程序下单", "您", true
		}
		return "订单已提交", "", true
	case "cancelled":
		text = "订单已取消"
		if r := cancelReason(e); r != "" {
			text += "：" + r
		}
		if mine {
			return text, "您", true
		}
		return text, "", true
	case "delay":
		text = "可能晚于承诺时间送达，我们正在加急"
		if d.Delay != nil {
			text = "预计 " + a.localTime(d.Delay.ETA) + " 送达，晚于承诺的 " + a.localTime(d.Delay.PromisedAt)
			if c := d.Delay.Coupon; c != nil {
				text += "；已为您发放补偿券 " + service.Yuan(c.Fen)
			}
		}
		return text, "", true
	case "coupon":
		if c := d.CouponUsed; c != nil {
			return "已使用补偿券 " + c.Code + "，减 " + service.Yuan(c.OffFen), "", true
		}
		return "已使用补偿券", "", true
	case "stage":
	default:
		return "", "", false
	}
	switch e.ToStage {
	case "confirmed":
		text = "订单已确认"
		if d.Order.PromisedAt != nil {
			text += "，承诺 " + a.localTime(*d.Order.PromisedAt) + " 前送达"
		}
	case "picking":
		text = "仓库开始配货"
	case "qc":
		text = "配货完成，正在质检"
	case "packed":
		text = "质检通过，已打包待发货"
	case service.StageShipped:
		text = "已发货"
		var f map[string]string
		if json.Unmarshal([]byte(e.Fields), &f) == nil && f["tracking_no"] != "" {
			text += "：" + f["carrier"] + " " + f["tracking_no"]
		}
	case pipe.Last().Key:
		text = "已签收"
		if mine {
			text = "您已确认收货"
			if n := strings.TrimSpace(e.Note); n != "" && n != "买家确认收货" {
				text += "：" + n
			}
		}
	default:
		text = "订单进入「" + pipe.Name(e.ToStage) + "」"
	}
	return text, by, true
}

// internalActors are the ids of actors that are no person a buyer knows.
var internalActors = map[string]bool{"system": true, "admin": true, "seed": true}

// splitLabel reads a timeline label "王芳(wangfang)" into name and id.
func splitLabel(label string) (name, id string) {
	if i := strings.LastIndex(label, "("); i > 0 && strings.HasSuffix(label, ")") {
		return label[:i], label[i+1 : len(label)-1]
	}
	return label, label
}

// internalReasons are cancel notes staff tools write, not reasons.
var internalReasons = map[string]bool{"企业微信取消": true, "买家在小程序取消": true}

// cancelReason is the reason a cancelled order gives its buyer.
func cancelReason(e model.OrderEvent) string {
	r := strings.TrimSpace(e.Note)
	if internalReasons[r] {
		return ""
	}
	return r
}

// orderCancelReason finds why a cancelled order was cancelled.
func orderCancelReason(d service.Detail) (string, bool) {
	if d.Order.Stage != service.StageCancelled {
		return "", false
	}
	for i := len(d.Events) - 1; i >= 0; i-- {
		if d.Events[i].Kind == "cancelled" {
			return cancelReason(d.Events[i]), true
		}
	}
	return "", true
}

type couponJSON struct {
	AmountFen int64  `json:"amount_fen"`
	Code      string `json:"code"`
	ExpiresAt string `json:"expires_at"`
}

// delayJSON is the delay an order's buyer was told of: the new estimate
// against the promise, and the compensation coupon when there is one.
type delayJSON struct {
	ETA        string      `json:"eta"`
	PromisedAt string      `json:"promised_at"`
	Coupon     *couponJSON `json:"coupon"`
}

func (a *API) delayOut(d *service.Delay) *delayJSON {
	if d == nil {
		return nil
	}
	out := &delayJSON{ETA: a.ts(d.ETA), PromisedAt: a.ts(d.PromisedAt)}
	if c := d.Coupon; c != nil {
		out.Coupon = &couponJSON{AmountFen: c.Fen, Code: c.Code, ExpiresAt: a.ts(c.ExpiresAt)}
	}
	return out
}

// problemJSON is a problem the buyer's company reported on the order, with
// what was done about it.
type problemJSON struct {
	No         string `json:"no"`
	KindName   string `json:"kind_name"`
	State      string `json:"state"`
	StateName  string `json:"state_name"`
	Resolution string `json:"resolution,omitempty"`
	CreatedAt  string `json:"created_at"`
}

var problemStateZh = map[string]string{
	model.TicketOpen: "待处理", model.TicketAcknowledged: "处理中", model.TicketResolved: "已处理", model.TicketClosed: "已完结",
}

// buyerProblems are the tickets the order's buyers reported, oldest first.
func (a *API) buyerProblems(d service.Detail, ts []service.TicketView) []problemJSON {
	var out []problemJSON
	for _, t := range ts {
		if t.ReporterBuyerID == nil {
			continue // staff's own problems stay inside the company
		}
		v := a.ticketOut(t)
		out = append(out, problemJSON{No: t.No, KindName: v.KindName, State: t.State, StateName: problemStateZh[t.State],
			Resolution: t.Resolution, CreatedAt: a.ts(t.CreatedAt)})
	}
	return out
}

// openProblems counts the problems not yet resolved.
func openProblems(ps []problemJSON) int {
	n := 0
	for _, p := range ps {
		if p.State == model.TicketOpen || p.State == model.TicketAcknowledged {
			n++
		}
	}
	return n
}
