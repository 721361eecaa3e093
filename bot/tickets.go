package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"orderhub/internal/textesc"
	"orderhub/model"
	"orderhub/service"
)

// cardClick is what a template_card_event carries beyond its button key,
// kept in the recorded message's content (events have no text).
type cardClick struct {
	TaskID       string `json:"task_id"`
	CardType     string `json:"card_type"`
	ResponseCode string `json:"response_code"`
}

// recorded is the content to record for m: its text, or for a card click
// the task and the one-time response code that updates the card.
func (m Message) recorded() string {
	if m.MsgType == "event" && m.Event == "template_card_event" {
		b, _ := json.Marshal(cardClick{TaskID: m.TaskID, CardType: m.CardType, ResponseCode: m.ResponseCode})
		return string(b)
	}
	return m.Content
}

var ticketKindZh = map[string]string{
	model.TicketStaffProblem: "异常", model.TicketCustomerProblem: "客户问题", model.TicketStalled: "超时催办", model.TicketTransferOverdue: "调拨超时",
}

// tickets lists open tickets: a lead's or supervisor's whole list, else
// the ones assigned to the sender.
func (b *Bot) tickets(ctx context.Context, m model.Inbound, actor service.Actor) (service.Handled, error) {
	f := service.TicketFilter{Open: true}
	if !b.pipe.HandlesTickets(actor) {
		f.AssigneeStaffID = actor.StaffID
	}
	ts, err := b.d.Tickets.List(ctx, f)
	if err != nil {
		return service.Handled{}, err
	}
	if len(ts) == 0 {
		return b.answer(ctx, m, "没有未完成的工单。")
	}
	var d doc
	d.line("%s", bold(fmt.Sprintf("未完成工单（%d）", len(ts))))
	items := make([]string, len(ts))
	for i, t := range ts {
		who := "无人负责"
		if t.Assignee != nil {
			who = esc(t.Assignee.Name) + " 负责"
		}
		items[i] = fmt.Sprintf("%s %s·%s\n> 订单 %s，%s，%s 开：%s", bold(esc(t.No)), ticketKindZh[t.Kind], ticketState(t.State),
			esc(t.OrderNo), who, b.local(t.CreatedAt), textesc.Markdown(t.Description, 31))
	}
	d.list(items, 20, "…另有 %d 张，先处理上面的再发「工单」查看")
	d.line("%s", comment(fmt.Sprintf("接单发「收到 %s」；处理完发「处理 %s 说明」", ts[0].No, ts[0].No)))
	return b.answerDoc(ctx, m, &d)
}

// ticketState names a ticket's state; one nobody has taken yet is in
// warning colour.
func ticketState(state string) string {
	zh := service.TicketStateName(state)
	if state == model.TicketOpen {
		return warning(zh)
	}
	return zh
}

func (b *Bot) renderTicket(m model.Inbound, verb string) func(service.Outcome) []service.Message {
	return func(o service.Outcome) []service.Message {
		t := o.Ticket
		if t == nil {
			return nil
		}
		text := fmt.Sprintf("已%s：工单 %s（订单 %s）。", verb, t.No, t.OrderNo)
		if t.State == model.TicketAcknowledged {
			text += "催办已停止升级；处理完请回复「处理 " + t.No + " <说明>」。"
		}
		return []service.Message{service.Text(text, m.FromUser)}
	}
}

func (b *Bot) ack(ctx context.Context, m model.Inbound, actor service.Actor, no string, click *service.CardClick) (service.Handled, error) {
	return b.write(ctx, m, b.renderTicket(m, "接单"), func(ctx context.Context) error {
		_, err := b.d.Tickets.Ack(ctx, no, actor, click)
		return err
	})
}

func (b *Bot) resolve(ctx context.Context, m model.Inbound, actor service.Actor, no, note string, click *service.CardClick) (service.Handled, error) {
	if note == "" {
		return b.answer(ctx, m, "请写明怎么处理的，例如：处理 "+no+" 已补发一箱")
	}
	return b.write(ctx, m, b.renderTicket(m, "处理"), func(ctx context.Context) error {
		_, err := b.d.Tickets.Resolve(ctx, no, note, actor, click)
		return err
	})
}

// cardEvent is a tap on a card's 接单 or 已处理 button: it acknowledges
// (or resolves) the ticket the card is about, and the card is updated for
// everyone it went to.
func (b *Bot) cardEvent(ctx context.Context, m model.Inbound, actor service.Actor) (service.Handled, error) {
	var c cardClick
	_ = json.Unmarshal([]byte(m.Content), &c)
	verb, no, ok := strings.Cut(m.EventKey, ":")
	if !ok || no == "" {
		return b.d.Inbox.Respond(ctx, m.ID)
	}
	click := &service.CardClick{TaskID: c.TaskID, ResponseCode: c.ResponseCode, At: m.SentAt}
	switch verb {
	case "ack":
		return b.ack(ctx, m, actor, no, click)
	case "resolve":
		return b.resolve(ctx, m, actor, no, "已处理（卡片）", click)
	}
	return b.d.Inbox.Respond(ctx, m.ID)
}
