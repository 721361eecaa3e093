package bot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"orderhub/internal/textesc"
	"orderhub/model"
	"orderhub/service"
)

func (b *Bot) problem(ctx context.Context, m model.Inbound, actor service.Actor, no, desc string) (service.Handled, error) {
	b.setFocus(ctx, m.FromUser, no)
	render := func(o service.Outcome) []service.Message {
		t := o.Ticket
		if t == nil {
			return nil
		}
		// The assignee's push (新工单) is queued by the service, as for a
		// problem from any other edge.
		who := "暂无负责人"
		if t.Assignee != nil {
			who = "已通知 " + textesc.Text(t.Assignee.Name, 20)
		}
		return []service.Message{service.Text(fmt.Sprintf("已登记异常，工单 %s（订单 %s），%s。", t.No, t.OrderNo, who), m.FromUser)}
	}
	return b.write(ctx, m, render, func(ctx context.Context) error {
		_, err := b.d.Tickets.Open(ctx, service.NewTicket{Kind: model.TicketStaffProblem, OrderNo: no, Description: desc, Actor: actor})
		return err
	})
}

func (b *Bot) attach(ctx context.Context, m model.Inbound, no string) (service.Handled, error) {
	d, err := b.d.Orders.Get(ctx, no)
	if err != nil {
		return b.refuse(ctx, m, err)
	}
	b.setFocus(ctx, m.FromUser, d.Order.No)
	return b.answer(ctx, m, "好的，请发运单照片，将附到订单 "+d.Order.No+"。")
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// photo stores an image (the waybill) under the data dir and attaches it
// to the order the sender last worked on.
func (b *Bot) photo(ctx context.Context, m model.Inbound, actor service.Actor) (service.Handled, error) {
	no := b.focus(ctx, m.FromUser)
	if no == "" {
		// Not after 附件 or an order command: a slip to read into a draft.
		if !b.allowed(actor, specOf(cmdQuickOrder)) {
			return b.answer(ctx, m, "收到照片，但不知道是哪个订单的。请先发「附件 <单号>」，再发照片。")
		}
		return b.photoSlip(ctx, m, actor)
	}
	if m.MediaID == "" {
		return b.answer(ctx, m, "照片没有收到，请再发一次。")
	}
	data, err := b.d.Media.Media(ctx, m.MediaID)
	if err != nil {
		return service.Handled{}, fmt.Errorf("media/get: %w", err)
	}
	// Named by the message, so a resumed run overwrites its own file.
	rel := filepath.Join("waybills", unsafeName.ReplaceAllString(no, "_"), unsafeName.ReplaceAllString(m.MsgKey, "_")+".jpg")
	full := filepath.Join(b.d.DataDir, rel)
	if err := os.MkdirAll(filepath.Dir(full), 0o750); err != nil {
		return service.Handled{}, err
	}
	if err := os.WriteFile(full, data, 0o640); err != nil {
		return service.Handled{}, err
	}
	render := func(o service.Outcome) []service.Message {
		if o.Attached == nil {
			return nil
		}
		text := fmt.Sprintf("运单照片已附到订单 %s。", o.Attached.No)
		if next, ok := b.pipe.Next(o.Attached.Stage); ok && next.Key == service.StageShipped {
			text += "现在可以发：发货 " + o.Attached.No + " <快递公司> <运单号>"
		}
		return []service.Message{service.Text(text, m.FromUser)}
	}
	return b.write(ctx, m, render, func(ctx context.Context) error {
		_, err := b.d.Orders.Attach(ctx, no, "waybill_photo", filepath.ToSlash(rel), actor)
		return err
	})
}
