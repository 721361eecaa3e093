package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"orderhub/internal/textesc"
	"orderhub/model"
	"orderhub/service"
)

func (b *Bot) stock(ctx context.Context, m model.Inbound, text string) (service.Handled, error) {
	lines, err := b.d.Stock.Find(ctx, text, true)
	if err != nil {
		return service.Handled{}, err
	}
	if len(lines) == 0 {
		// "螺栓M8", "螺栓 m8": search by the longest word, keep lines
		// that match every word.
		if words := searchWords(text); len(words) > 1 {
			longest := words[0]
			for _, w := range words {
				if len([]rune(w)) > len([]rune(longest)) {
					longest = w
				}
			}
			all, err := b.d.Stock.Find(ctx, longest, true)
			if err != nil {
				return service.Handled{}, err
			}
			for _, l := range all {
				hay := strings.ToUpper(l.SKU + " " + l.Name + " " + l.Spec)
				ok := true
				for _, w := range words {
					ok = ok && strings.Contains(hay, strings.ToUpper(w))
				}
				if ok {
					lines = append(lines, l)
				}
			}
		}
	}
	if len(lines) == 0 {
		return b.answer(ctx, m, "没有找到「"+textesc.Text(text, 21)+"」的库存。可以发 SKU（如 BOLT-M8-30）或名称里的词（如 螺栓）。")
	}
	// One item per SKU: a bold head, then a line per warehouse; nothing
	// to sell (available ≤ 0) in warning colour.
	var items []string
	last := ""
	for _, l := range lines {
		if l.SKU != last {
			last = l.SKU
			items = append(items, fmt.Sprintf("%s %s %s（%s）", bold(esc(l.SKU)), esc(l.Name), esc(l.Spec), esc(l.Unit)))
		}
		avail := fmt.Sprintf("可用 %d", l.Available)
		if l.Available <= 0 {
			avail = warning(avail)
		}
		items[len(items)-1] += fmt.Sprintf("\n%s %s：在库 %d｜锁定 %d｜%s", esc(l.Warehouse), esc(l.WarehouseName), l.OnHand, l.Locked, avail)
	}
	var d doc
	d.list(items, 8, "…另有 %d 个商品，用「库存 完整SKU」查看")
	return b.answerDoc(ctx, m, &d)
}

func (b *Bot) order(ctx context.Context, m model.Inbound, no string) (service.Handled, error) {
	d, err := b.d.Orders.Get(ctx, no)
	if err != nil {
		return b.refuse(ctx, m, err)
	}
	b.setFocus(ctx, m.FromUser, d.Order.No)
	o := d.Order
	now := b.d.Orders.Now()
	var r doc
	r.line("%s %s", bold("订单 "+esc(o.No)), esc(d.Customer.Name))
	r.line("阶段：%s %s", bold(b.pipe.Name(o.Stage)), b.overdue(o.StageDueAt, now))
	owner := "无人"
	if d.Owner != nil {
		owner = esc(d.Owner.Name)
		if d.Owner.Phone != "" {
			owner += " " + esc(d.Owner.Phone)
		}
	}
	r.line("> 负责人：%s", owner)
	from := "> 渠道：" + esc(b.d.Intakes.ChannelName(o.Channel))
	if it, err := b.d.Intakes.ForOrder(ctx, o.ID); err != nil {
		return service.Handled{}, err
	} else if it != nil {
		if it.ExternalID != "" && it.Source == model.SourceChannel {
			from += "，外部单号 " + esc(it.ExternalID)
		}
		if it.Photo != "" {
			from += fmt.Sprintf("，[订货单照片（复核单 #%d）](%s)", it.ID, b.boardLink(fmt.Sprintf("/dashboard/intakes/%d/photo", it.ID)))
		}
	}
	r.line("%s", from)
	since := b.local(o.StageEnteredAt) + " 进入"
	if o.StageDueAt != nil {
		since += "，时限 " + b.local(*o.StageDueAt)
	}
	r.line("> %s", since)
	if o.PromisedAt != nil {
		promised := "> 承诺交期：" + b.local(*o.PromisedAt)
		if eta, ok := b.d.Orders.ETA(o, now); ok && eta.Late {
			if now.After(*o.PromisedAt) {
				promised += " " + warning("已过交期 "+service.Waited(now.Sub(*o.PromisedAt)))
			} else {
				promised += " " + warning("按各阶段时限推算会晚")
			}
		}
		r.line("%s", promised)
	}
	if o.TrackingNo != "" {
		r.line("> 快递：%s %s", esc(o.Carrier), esc(o.TrackingNo))
	}
	// What the buyer asked for travels with the order to whoever packs
	// and ships it: the remark in warning colour, so it is not missed.
	if o.Address != "" {
		r.line("> 收货地址：%s", esc(o.Address))
	}
	if o.Remark != "" {
		r.line("> 备注：%s", warning(esc(o.Remark)))
	}
	r.line("%s", bold("明细"))
	var lines []string
	for _, l := range o.Lines {
		lines = append(lines, fmt.Sprintf("%s %s ×%d", esc(l.SKU), esc(l.Name), l.Qty))
	}
	r.list(lines, 0, "…另有 %d 行明细，全部见 ["+o.No+"]("+b.boardLink("/dashboard/orders/"+o.No)+")")
	var pending []string
	for _, t := range d.Transfers {
		if t.Status == model.TransferPending {
			who := ""
			if t.AssigneeStaffID != nil {
				who = " " + esc(d.Assignees[*t.AssigneeStaffID].Name)
			}
			pending = append(pending, fmt.Sprintf("#%d %s ×%d %s→%s%s %s", t.ID, esc(d.SKUs[t.ProductID]), t.Qty, d.WarehouseCodes[t.FromWarehouseID], d.WarehouseCodes[t.ToWarehouseID],
				who, b.transferState(service.TransferView{Transfer: t})))
		}
	}
	if len(pending) > 0 {
		r.line("%s", bold("待调拨")+" "+warning("到货前不能发货"))
		r.list(pending, 0, "…另有 %d 张调拨单，用「调拨」查看")
	}
	evs := d.Events
	if len(evs) > 3 {
		evs = evs[len(evs)-3:]
	}
	r.line("%s", bold("最近动态"))
	var events []string
	for _, e := range evs {
		what := e.Note
		if e.Kind == "stage" {
			what = b.pipe.Name(e.FromStage) + "→" + b.pipe.Name(e.ToStage)
		}
		events = append(events, fmt.Sprintf("%s %s %s", comment(b.local(e.CreatedAt)), esc(e.Actor), textesc.Markdown(what, 41)))
	}
	r.list(events, 0, "…另有 %d 条动态")
	return b.answerDoc(ctx, m, &r)
}

// overdue says whether a stage is past its time limit, in warning colour,
// with how long; a stage in time says nothing.
func (b *Bot) overdue(due *time.Time, now time.Time) string {
	if due == nil || !now.After(*due) {
		return ""
	}
	return warning("已超时 " + service.Waited(now.Sub(*due)))
}

func (b *Bot) todo(ctx context.Context, m model.Inbound, actor service.Actor) (service.Handled, error) {
	td, err := b.d.Todos.For(ctx, actor)
	if err != nil {
		return service.Handled{}, err
	}
	if len(td.Orders)+len(td.Tickets)+len(td.Transfers) == 0 {
		return b.answer(ctx, m, "目前没有待办，辛苦了。")
	}
	now := b.d.Orders.Now()
	var d doc
	d.line("%s %s", bold("待办"), comment("最早的在前"))
	if len(td.Orders) > 0 {
		d.line("%s", bold(fmt.Sprintf("订单（%d）", len(td.Orders))))
		var items []string
		for _, o := range td.Orders {
			it := fmt.Sprintf("%s %s，%s 进入", esc(o.No), b.pipe.Name(o.Stage), b.local(o.StageEnteredAt))
			if late := b.overdue(o.StageDueAt, now); late != "" {
				it += "，" + late
			} else if o.StageDueAt != nil {
				it += "，时限 " + b.local(*o.StageDueAt)
			}
			items = append(items, it)
		}
		d.list(items, 10, "…另有 %d 个订单，先处理上面的再发「待办」查看")
	}
	if len(td.Tickets) > 0 {
		d.line("%s", bold(fmt.Sprintf("工单（%d）", len(td.Tickets))))
		var items []string
		for _, t := range td.Tickets {
			items = append(items, fmt.Sprintf("%s %s 订单 %s：%s", esc(t.No), ticketState(t.State), esc(t.OrderNo), textesc.Markdown(t.Description, 31)))
		}
		d.list(items, 10, "…另有 %d 张工单，用「工单」查看")
	}
	if len(td.Transfers) > 0 {
		d.line("%s", bold(fmt.Sprintf("调拨（%d）", len(td.Transfers))))
		var items []string
		for _, t := range td.Transfers {
			items = append(items, fmt.Sprintf("调拨单 #%d %s ×%d %s→%s（订单 %s）", t.ID, esc(t.SKU), t.Qty, esc(t.From), esc(t.To), esc(t.OrderNo)))
		}
		d.list(items, 10, "…另有 %d 张调拨单，用「调拨」查看")
	}
	return b.answerDoc(ctx, m, &d)
}

// searchWords splits a search at spaces and where Chinese meets Latin
// letters or digits: "螺栓M8" → 螺栓, M8.
func searchWords(s string) []string {
	var out []string
	var cur []rune
	lastCJK := false
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range s {
		if r == ' ' {
			flush()
			continue
		}
		cjk := r >= 0x2E80
		if len(cur) > 0 && cjk != lastCJK {
			flush()
		}
		cur = append(cur, r)
		lastCJK = cjk
	}
	flush()
	return out
}
