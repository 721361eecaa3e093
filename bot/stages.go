package bot

import (
	"context"
	"fmt"
	"strings"

	"orderhub/internal/textesc"
	"orderhub/model"
	"orderhub/service"
)

// stageArg finds the stage a keeper means: its key, its name, or a part of
// its name (质检 → 待质检).
func (b *Bot) stageArg(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	for _, st := range b.pipe.Stages() {
		if strings.EqualFold(st.Key, s) || st.Name == s {
			return st.Key, true
		}
	}
	for _, st := range b.pipe.Stages() {
		if strings.Contains(st.Name, s) {
			return st.Key, true
		}
	}
	if s == "取消" || strings.EqualFold(s, service.StageCancelled) {
		return service.StageCancelled, true
	}
	return "", false
}

// renderStage answers the mover and pushes the order to its new owner.
func (b *Bot) renderStage(m model.Inbound, actorName string) func(service.Outcome) []service.Message {
	return func(o service.Outcome) []service.Message {
		sc := o.Stage
		if sc == nil {
			return nil
		}
		if sc.To == service.StageCancelled {
			return []service.Message{service.Text(fmt.Sprintf("订单 %s 已取消（原在「%s」），锁定的库存已释放。", sc.No, b.pipe.Name(sc.From)), m.FromUser)}
		}
		text := fmt.Sprintf("已推进：订单 %s 从「%s」到「%s」。", sc.No, b.pipe.Name(sc.From), b.pipe.Name(sc.To))
		if sc.To == service.StageShipped && sc.TrackingNo != "" {
			text += fmt.Sprintf("快递 %s %s。", textesc.Text(sc.Carrier, 0), textesc.Text(sc.TrackingNo, 0))
		}
		if sc.Owner != nil {
			text += "下一步由 " + textesc.Text(sc.Owner.Name, 20) + " 负责。"
		}
		msgs := []service.Message{service.Text(text, m.FromUser)}
		if sc.Owner != nil && sc.Owner.UserID != m.FromUser {
			push := service.Message{To: []string{sc.Owner.UserID}, Type: service.MsgTypeNewWork, OrderID: sc.OrderID,
				Body: service.NewWork{OrderNo: sc.No, StageName: b.pipe.Name(sc.To), By: actorName}}
			msgs = append(msgs, push)
		}
		return msgs
	}
}

func (b *Bot) advance(ctx context.Context, m model.Inbound, actor service.Actor, args []string) (service.Handled, error) {
	no := args[0]
	fs, rest := fields(args[1:])
	// 交期=后天18点: a spoken date becomes the date and time it means today.
	if v, ok := fs["promised_at"]; ok {
		if t, ok := spokenTime(v, b.now(), b.d.Location); ok {
			fs["promised_at"] = t
		}
	}
	b.setFocus(ctx, m.FromUser, no)
	to := ""
	if len(rest) > 0 {
		key, ok := b.stageArg(rest[0])
		if !ok {
			return b.answer(ctx, m, "没有「"+textesc.Text(rest[0], 11)+"」这个阶段。阶段有："+b.stageList()+"。")
		}
		to = key
	} else {
		d, err := b.d.Orders.Get(ctx, no)
		if err != nil {
			return b.refuse(ctx, m, err)
		}
		next, ok := b.pipe.Next(d.Order.Stage)
		if !ok {
			return b.answer(ctx, m, fmt.Sprintf("订单 %s 已是「%s」，不能再推进。", d.Order.No, b.pipe.Name(d.Order.Stage)))
		}
		to = next.Key
	}
	return b.write(ctx, m, b.renderStage(m, actor.Name), func(ctx context.Context) error {
		if to == service.StageCancelled {
			_, err := b.d.Orders.Cancel(ctx, no, actor, "企业微信取消")
			return err
		}
		_, err := b.d.Orders.Advance(ctx, service.Move{No: no, To: to, Fields: fs, Actor: actor, Note: "企业微信"})
		return err
	})
}

func (b *Bot) stageList() string {
	var names []string
	for _, s := range b.pipe.Stages() {
		names = append(names, s.Name)
	}
	return strings.Join(names, "、")
}

func (b *Bot) ship(ctx context.Context, m model.Inbound, actor service.Actor, args []string) (service.Handled, error) {
	no, carrier, tracking := args[0], args[1], strings.Join(args[2:], "")
	b.setFocus(ctx, m.FromUser, no)
	return b.write(ctx, m, b.renderStage(m, actor.Name), func(ctx context.Context) error {
		_, err := b.d.Orders.Advance(ctx, service.Move{No: no, To: service.StageShipped, Actor: actor, Note: "企业微信发货",
			Fields: map[string]string{"carrier": carrier, "tracking_no": tracking}})
		return err
	})
}
