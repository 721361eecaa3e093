package bot

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"orderhub/internal/textesc"
	"orderhub/model"
	"orderhub/service"
)

var leadingInt = regexp.MustCompile(`^[+-]?\d+`)

// qty reads a quantity as typed: "200", "200盒".
func qty(s string) (int64, bool) {
	n, err := strconv.ParseInt(leadingInt.FindString(s), 10, 64)
	return n, err == nil
}

func (b *Bot) renderStock(m model.Inbound, verb string) func(service.Outcome) []service.Message {
	return func(o service.Outcome) []service.Message {
		l := o.Stock
		if l == nil {
			return nil
		}
		return []service.Message{service.Text(fmt.Sprintf("已%s：%s %s 在 %s，变动 %+d。现在 在库 %d｜锁定 %d｜可用 %d。",
			verb, textesc.Text(l.SKU, 0), textesc.Text(l.Name, 0), textesc.Text(l.Warehouse, 0), o.Delta, l.OnHand, l.Locked, l.Available), m.FromUser)}
	}
}

func (b *Bot) receive(ctx context.Context, m model.Inbound, actor service.Actor, args []string) (service.Handled, error) {
	n, ok := qty(args[2])
	if !ok || n <= 0 {
		return b.answer(ctx, m, "数量要是大于 0 的整数，例如：入库 BOLT-M8-30 SH 200")
	}
	return b.write(ctx, m, b.renderStock(m, "入库"), func(ctx context.Context) error {
		_, err := b.d.Stock.Adjust(ctx, service.Adjustment{Warehouse: args[1], SKU: args[0], Delta: n, Kind: model.MoveReceive, Reason: "企业微信入库", Actor: actor})
		return err
	})
}

func (b *Bot) count(ctx context.Context, m model.Inbound, actor service.Actor, args []string) (service.Handled, error) {
	n, ok := qty(args[2])
	if !ok || n < 0 {
		return b.answer(ctx, m, "实盘数要是 0 或以上的整数，例如：盘点 BOLT-M8-30 SH 118")
	}
	return b.write(ctx, m, b.renderStock(m, "盘点"), func(ctx context.Context) error {
		_, _, err := b.d.Stock.Count(ctx, args[1], args[0], n, actor)
		return err
	})
}

func (b *Bot) transfers(ctx context.Context, m model.Inbound, actor service.Actor) (service.Handled, error) {
	f := service.TransferFilter{Status: model.TransferPending}
	if !b.pipe.Supervisor(actor) && !actor.HasRole(b.pipe.Lead(b.pipe.Duties().TransferKeeper)) {
		f.AssigneeStaffID = actor.StaffID
		if s, err := b.d.Catalog.Staff(ctx, actor.ID); err == nil && s.WarehouseID != nil {
			f.WarehouseID = *s.WarehouseID
		}
	}
	ts, err := b.d.Transfers.List(ctx, f)
	if err != nil {
		return service.Handled{}, err
	}
	if len(ts) == 0 {
		return b.answer(ctx, m, "没有待处理的调拨单。")
	}
	var d doc
	d.line("%s", bold(fmt.Sprintf("待处理调拨（%d）", len(ts))))
	items := make([]string, len(ts))
	for i, t := range ts {
		who := "无人负责"
		if t.Assignee != "" {
			who = esc(t.Assignee) + " 负责发出"
		}
		items[i] = fmt.Sprintf("%s %s %s ×%d　%s→%s　%s\n> 订单 %s，%s 建，%s",
			bold(fmt.Sprintf("#%d", t.ID)), esc(t.SKU), esc(t.Name), t.Qty, esc(t.From), esc(t.To), b.transferState(t), esc(t.OrderNo), b.local(t.CreatedAt), who)
	}
	d.list(items, 20, "…另有 %d 张，先处理上面的再发「调拨」查看")
	d.line("%s", comment(fmt.Sprintf("发货仓发出后发「发出 编号 快递公司 运单号」，如「发出 %d 顺丰 SF123」；收货仓到货后发「调拨完成 %d」", ts[0].ID, ts[0].ID)))
	return b.answerDoc(ctx, m, &d)
}

func (b *Bot) transferDone(ctx context.Context, m model.Inbound, actor service.Actor, arg string) (service.Handled, error) {
	id, err := strconv.ParseUint(strings.TrimPrefix(arg, "#"), 10, 64)
	if err != nil {
		return b.answer(ctx, m, "调拨单编号是数字，例如：调拨完成 12")
	}
	render := func(o service.Outcome) []service.Message {
		if o.Transfer == nil {
			return nil
		}
		return []service.Message{service.Text(fmt.Sprintf("调拨单 #%d 已到货，%d 件已转入发货仓并继续为订单锁定。", o.Transfer.ID, o.Transfer.Qty), m.FromUser)}
	}
	return b.write(ctx, m, render, func(ctx context.Context) error {
		_, err := b.d.Transfers.Receive(ctx, id, actor)
		return err
	})
}
