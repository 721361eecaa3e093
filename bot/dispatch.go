package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"orderhub/model"
	"orderhub/service"
)

// transferState is where a pending transfer's goods are, for both ends:
// still on the source shelf (待发出, with the time since it was made), or
// on the way (已发出, carrier, waybill, and since when).
func (b *Bot) transferState(t service.TransferView) string {
	switch {
	case t.Status == model.TransferReceived:
		return "已到货"
	case t.Status == model.TransferCancelled:
		return "已取消"
	case t.Dispatched():
		return fmt.Sprintf("已发出 %s %s（%s 发出）", esc(t.Carrier), esc(t.WaybillNo), b.local(*t.DispatchedAt))
	}
	return warning("待发出")
}

// dispatch is the sending keeper's 发出: the goods left with a carrier and
// a waybill. The receiving warehouse's keepers are told with the reply.
func (b *Bot) dispatch(ctx context.Context, m model.Inbound, actor service.Actor, args []string) (service.Handled, error) {
	id, err := strconv.ParseUint(strings.TrimPrefix(args[0], "#"), 10, 64)
	if err != nil {
		return b.answer(ctx, m, "调拨单编号是数字，例如：发出 12 顺丰 SF1234567890")
	}
	carrier, waybill := args[1], strings.Join(args[2:], "")
	views, err := b.d.Transfers.List(ctx, service.TransferFilter{ID: id})
	if err != nil {
		return service.Handled{}, err
	}
	if len(views) == 0 {
		return b.refuse(ctx, m, &service.NotFoundError{What: "transfer", Key: "#" + args[0]})
	}
	v := views[0]
	render := func(o service.Outcome) []service.Message {
		if o.Transfer == nil {
			return nil
		}
		msgs := []service.Message{service.Text(fmt.Sprintf("调拨单 #%d 已发出：%s ×%d，%s→%s，%s %s。到货后由 %s 仓发「调拨完成 %d」。",
			v.ID, v.SKU, v.Qty, v.From, v.To, carrier, waybill, v.To, v.ID), m.FromUser)}
		for _, s := range o.Receivers {
			if s.UserID == m.FromUser {
				continue
			}
			push := service.Text(fmt.Sprintf("调拨在途：调拨单 #%d（订单 %s，%s ×%d）已由 %s 从 %s 发出，%s %s。到货后请发「调拨完成 %d」。",
				v.ID, v.OrderNo, v.SKU, v.Qty, actor.Name, v.From, carrier, waybill, v.ID), s.UserID)
			push.OrderID = v.OrderID
			msgs = append(msgs, push)
		}
		return msgs
	}
	return b.write(ctx, m, render, func(ctx context.Context) error {
		_, err := b.d.Transfers.Dispatch(ctx, service.Dispatch{ID: id, Carrier: carrier, WaybillNo: waybill, Actor: actor})
		return err
	})
}
