package miniprogram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/miniprogram/subscribe"

	"orderhub/config"
	"orderhub/internal/textesc"
	"orderhub/model"
	"orderhub/service"
)

// Subscriber sends one subscribe message; *WeChat is one.
type Subscriber interface {
	Subscribe(ctx context.Context, msg *subscribe.Message) error
}

// Notifier delivers the outbox's subscribe messages (订阅消息) to buyers:
// it turns a service.SubscribeNote into the data of the event's template
// and sends it through WeChat. With no app id configured (the embedded
// demo) it logs the message instead, so the whole path still runs.
//
// Every template must have the fields character_string1 (order number),
// phrase2 (status, ≤ 5 characters), thing3 (detail, ≤ 20 characters) and
// time4 (when; on a delay the new estimate); see docs/configuration.md.
type Notifier struct {
	wechat Subscriber // nil: demo, log only
	cfg    config.MiniProgram
	loc    *time.Location
	log    *slog.Logger
}

// NewNotifier returns a Notifier; wechat may be nil in the demo.
func NewNotifier(wechat Subscriber, cfg config.MiniProgram, loc *time.Location, log *slog.Logger) *Notifier {
	if loc == nil || log == nil {
		panic("miniprogram: NewNotifier: nil dependency")
	}
	return &Notifier{wechat: wechat, cfg: cfg, loc: loc, log: log}
}

// Template returns the template id configured for event ("" if none).
func (n *Notifier) Template(event string) string {
	switch event {
	case service.EventShipped:
		return n.cfg.Templates.Shipped
	case service.EventDelivered:
		return n.cfg.Templates.Delivered
	case service.EventDelay:
		return n.cfg.Templates.Delay
	case service.EventTicket:
		return n.cfg.Templates.Ticket
	case service.EventStocking:
		return n.cfg.Templates.Stocking
	}
	return ""
}

// Templates maps each event buyers can subscribe to now to its template
// id. In the demo (no app id) every event is open, with a placeholder id.
func (n *Notifier) Templates() map[string]string {
	out := map[string]string{}
	for _, e := range append(slices.Clip(service.SubscribeEvents), service.EventStocking) {
		switch id := n.Template(e); {
		case id != "":
			out[e] = id
		case n.wechat == nil:
			out[e] = "demo-" + e
		}
	}
	return out
}

// Errcodes no retry can fix: the row is marked failed at once, with the
// errcode in its last error, and never retried.
var permanentErrcodes = map[int64]bool{
	ErrcodeNotSubscribed:   true, // 43101: the buyer has not (or no longer) allowed it
	40003:                  true, // invalid openid
	40037:                  true, // invalid template id
	41030:                  true, // invalid page
	ErrcodeBadTemplateData: true,
}

// Send delivers one outbox row of type service.MsgTypeSubscribe.
func (n *Notifier) Send(ctx context.Context, m service.Outgoing) error {
	var note service.SubscribeNote
	if err := json.Unmarshal(m.Body, &note); err != nil {
		return &service.UndeliverableError{Reason: "subscribe note: " + err.Error()}
	}
	msg := n.message(m.ToUser, note)
	if n.wechat == nil {
		n.log.InfoContext(ctx, "demo: subscribe message (no ORDERHUB_MP_APP_ID; logged, not sent)", "to", m.ToUser, "event", note.Event,
			"order", note.OrderNo, "status", msg.Data["phrase2"].Value, "detail", msg.Data["thing3"].Value, "time", msg.Data["time4"].Value)
		return nil
	}
	if msg.TemplateID == "" {
		return &service.UndeliverableError{Reason: "no template id configured for event " + note.Event + " (ORDERHUB_MP_TEMPLATE_" + strings.ToUpper(note.Event) + ")"}
	}
	err := n.wechat.Subscribe(ctx, msg)
	var wx *WeChatError
	if errors.As(err, &wx) && permanentErrcodes[wx.Code] {
		return &service.UndeliverableError{Reason: wx.Error()}
	}
	return err
}

// StockingPage is the mini-program page a stocking list's message opens.
const StockingPage = "pages/stocking/index"

func (n *Notifier) message(openID string, note service.SubscribeNote) *subscribe.Message {
	status, detail, when := note.StageName, "", note.At
	switch note.Event {
	case service.EventShipped:
		status, detail = "已发货", strings.TrimSpace(note.Carrier+" "+note.TrackingNo)
	case service.EventDelivered:
		status, detail = "已签收", "如有问题可在小程序中反馈"
	case service.EventDelay:
		status, detail = "可能延迟", "正在加急处理，给您添麻烦了"
		if note.PromisedAt != nil {
			detail = "原定" + note.PromisedAt.In(n.loc).Format("1月2日15:04") + "，正在加急"
		}
		if note.ETA != nil {
			when = *note.ETA
		}
		// The coupon in the message itself (the page shows its expiry):
		// amount and code fit the template's 20 characters.
		if note.CouponFen > 0 {
			detail = "补偿券" + service.Yuan(note.CouponFen) + " 券码" + note.CouponCode
		}
	case service.EventTicket:
		// The buyer's own problem: taken up, what was done, done.
		switch note.TicketState {
		case model.TicketAcknowledged:
			status, detail = "已受理", "已有专人处理您反馈的问题"
		case model.TicketResolved:
			status, detail = "已处理", note.Resolution
		case model.TicketClosed:
			status, detail = "已完结", note.Resolution
			if detail == "" {
				detail = "您反馈的问题已处理完毕"
			}
		}
	}
	page := strings.ReplaceAll(n.cfg.Page, "{no}", note.OrderNo)
	number := note.OrderNo
	if note.Event == service.EventStocking {
		// No order yet: the message opens the list, and its number is
		// the window's first day (character_string takes no Chinese).
		page, status = StockingPage, "备货提醒"
		detail = fmt.Sprintf("%d种常订货品 约%s 一键下单", note.Lines, service.Yuan(note.ValueFen))
		if note.WindowStart != nil {
			when = *note.WindowStart
			number = note.WindowStart.In(n.loc).Format(time.DateOnly)
		}
	}
	return &subscribe.Message{
		ToUser: openID, TemplateID: n.Template(note.Event), Page: page, MiniprogramState: n.cfg.State, Lang: "zh_CN",
		Data: map[string]*subscribe.DataItem{
			"character_string1": {Value: textesc.Subscribe(number, 32)},
			"phrase2":           {Value: textesc.Subscribe(status, 5)},
			"thing3":            {Value: textesc.Subscribe(detail, 20)},
			"time4":             {Value: when.In(n.loc).Format("2006-01-02 15:04")},
		},
	}
}
