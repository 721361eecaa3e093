package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"orderhub/internal/textesc"
	"orderhub/model"
	"orderhub/service"
	"orderhub/service/catalog"
)

// MediaSource downloads WeCom media by id (media/get).
type MediaSource interface {
	Media(ctx context.Context, mediaID string) ([]byte, error)
}

// Deps is what the bot needs.
type Deps struct {
	Catalog   *catalog.Catalog
	Stock     *service.Stock
	Orders    *service.Orders
	Transfers *service.Transfers
	Tickets   *service.Tickets
	Todos     *service.Todos
	Inbox     *service.Inbox
	Intakes   *service.Intakes
	// Links are buyers' requests to be linked to their company (关联);
	// nil: not offered.
	Links *service.LinkRequests
	// OCR reads slip photos; nil when no engine is configured (the reply
	// then says so and offers typing the order).
	OCR    service.OCR
	Media  MediaSource
	Redis  redis.UniversalClient
	Prefix string
	// DataDir is where waybill photos are stored (under waybills/).
	DataDir  string
	Location *time.Location
	Log      *slog.Logger
	// Admin names whom an unregistered user should ask.
	Admin string
	// Practice is practice mode (练习); nil: not offered.
	Practice Practice
	// BoardURL is where staff open the board (public_url, else the local
	// address), for links in replies; empty: links are paths.
	BoardURL string
	// Clock is now for spoken dates (后天18点) and the dates hints show;
	// nil: the wall clock.
	Clock service.Clock
}

// Bot runs chat commands for WeCom users.
type Bot struct {
	d    Deps
	pipe *service.Pipeline
	// may lists, per duty, the roles whose holders may use its commands
	// (besides the supervisor roles): config's duties and pipeline, read
	// once at start.
	may map[duty][]string
}

// New returns a Bot.
func New(d Deps) *Bot {
	if d.Catalog == nil || d.Stock == nil || d.Orders == nil || d.Transfers == nil || d.Tickets == nil || d.Todos == nil ||
		d.Inbox == nil || d.Intakes == nil || d.Media == nil || d.Redis == nil || d.DataDir == "" || d.Location == nil || d.Log == nil {
		panic("bot: New: missing dependency")
	}
	if d.Admin == "" {
		d.Admin = "仓库主管或系统管理员"
	}
	b := &Bot{d: d, pipe: d.Orders.Pipeline()}
	b.may = mayByDuty(b.pipe)
	return b
}

// duty is what a command does that not every staff member may do; the
// roles behind each are config (duties, and the stage shipping leaves).
type duty string

const (
	everyone       duty = ""
	dutyStock      duty = "stock"        // duties.stock
	dutyTransfers  duty = "transfers"    // duties.transfers
	dutyAttach     duty = "attach"       // duties.attach
	dutyOrderTaken duty = "order_taking" // duties.order_taking
	dutyShip       duty = "ship"         // the owner of the stage before shipped, and its lead
)

func mayByDuty(pipe *service.Pipeline) map[duty][]string {
	d := pipe.Duties()
	may := map[duty][]string{dutyStock: d.Stock, dutyTransfers: d.Transfers, dutyAttach: d.Attach, dutyOrderTaken: d.OrderTaking}
	for _, st := range pipe.Stages() {
		if next, ok := pipe.Next(st.Key); ok && next.Key == service.StageShipped {
			may[dutyShip] = []string{st.OwnerRole}
			if l := pipe.Lead(st.OwnerRole); l != "" {
				may[dutyShip] = append(may[dutyShip], l)
			}
		}
	}
	return may
}

// Handle runs one recorded message and answers it. A write's answer is
// queued by the write's own transaction (Inbox.Write); everything else by
// Inbox.Respond. Every command handler returns the service.Handled one of
// them gave it, so a handler that forgets to finish its message does not
// compile. It returns an error only for failures worth running again.
func (b *Bot) Handle(ctx context.Context, m model.Inbound) (service.Handled, error) {
	actor, err := b.d.Catalog.StaffActor(ctx, m.FromUser)
	if errors.Is(err, service.ErrNotFound) {
		return b.answer(ctx, m, fmt.Sprintf("您好，您（%s）还不是仓库系统的登记员工，暂时不能使用。请联系%s为您登记企业微信账号和岗位。", m.FromUser, b.d.Admin))
	}
	if err != nil {
		return service.Handled{}, err
	}
	switch m.MsgType {
	case "text":
		return b.command(ctx, m, actor, m.Content)
	case "image":
		return b.photo(ctx, m, actor)
	case "event":
		switch m.Event {
		case "enter_agent":
			return b.answerDoc(ctx, m, b.help(actor))
		case "click":
			return b.command(ctx, m, actor, m.EventKey)
		case "template_card_event":
			return b.cardEvent(ctx, m, actor)
		}
		return b.d.Inbox.Respond(ctx, m.ID) // nothing to say
	default:
		return b.answer(ctx, m, "暂时只认文字命令和运单照片。发「帮助」看看能做什么。")
	}
}

// answer marks m done with one text reply to its sender.
func (b *Bot) answer(ctx context.Context, m model.Inbound, text string) (service.Handled, error) {
	return b.d.Inbox.Respond(ctx, m.ID, service.Text(text, m.FromUser))
}

// answerDoc marks m done with one markdown reply: lists and cards read
// better on a phone with bold heads and warnings in colour; short
// confirmations and refusals stay plain text.
func (b *Bot) answerDoc(ctx context.Context, m model.Inbound, d *doc) (service.Handled, error) {
	return b.d.Inbox.Respond(ctx, m.ID, service.Markdown(d.String(), m.FromUser))
}

// write runs a service write for m through Inbox.Write: on success the
// write's own transaction marked m done with render's answer (a write
// that would commit without doing so is rolled back by service); a
// refusal is answered here.
func (b *Bot) write(ctx context.Context, m model.Inbound, render func(service.Outcome) []service.Message, do func(ctx context.Context) error) (service.Handled, error) {
	h, err := b.d.Inbox.Write(ctx, service.Reply{InboundID: m.ID, Render: render}, do)
	if err == nil || errors.Is(err, service.ErrHandled) {
		return h, err
	}
	return b.refuse(ctx, m, err)
}

// refuse answers a refused command with what to do about it; internal
// errors go back to the runner to be tried again.
func (b *Bot) refuse(ctx context.Context, m model.Inbound, err error) (service.Handled, error) {
	line, ok := b.explain(err)
	if !ok {
		return service.Handled{}, err
	}
	b.noteRefusal(ctx, m, err, line)
	return b.answer(ctx, m, line)
}

func (b *Bot) command(ctx context.Context, m model.Inbound, actor service.Actor, text string) (service.Handled, error) {
	c := Parse(text)
	if c.Name == "" {
		hint := "发「帮助」看看能做什么。"
		if near := Closest(text); near != "" {
			hint = "您是不是想用「" + near + "」？"
			for _, s := range specs {
				if s.zh == near {
					hint += "用法：" + s.usage + "，例如：" + s.example + "。"
				}
			}
		}
		return b.answer(ctx, m, "没看懂「"+textesc.Text(text, 21)+"」。"+hint)
	}
	s := specOf(c.Name)
	if !b.allowed(actor, s) {
		return b.answer(ctx, m, fmt.Sprintf("您的岗位（%s）不能使用「%s」。需要：%s。", roleNames(actor.Roles), s.zh, roleNames(append(slices.Clone(b.may[s.duty]), "主管"))))
	}
	if len(c.Args) < s.min {
		return b.answer(ctx, m, "用法："+s.usage+"\n例如："+s.example)
	}
	switch c.Name {
	case cmdHelp:
		return b.answerDoc(ctx, m, b.help(actor))
	case cmdStock:
		return b.stock(ctx, m, c.Rest)
	case cmdOrder:
		return b.order(ctx, m, c.Args[0])
	case cmdTodo:
		return b.todo(ctx, m, actor)
	case cmdAdvance:
		return b.advance(ctx, m, actor, c.Args)
	case cmdShip:
		return b.ship(ctx, m, actor, c.Args)
	case cmdReceive:
		return b.receive(ctx, m, actor, c.Args)
	case cmdCount:
		return b.count(ctx, m, actor, c.Args)
	case cmdTransfers:
		return b.transfers(ctx, m, actor)
	case cmdTransferDone:
		return b.transferDone(ctx, m, actor, c.Args[0])
	case cmdDispatch:
		return b.dispatch(ctx, m, actor, c.Args)
	case cmdProblem:
		return b.problem(ctx, m, actor, c.Args[0], note(text, c))
	case cmdAttach:
		return b.attach(ctx, m, c.Args[0])
	case cmdTickets:
		return b.tickets(ctx, m, actor)
	case cmdAck:
		return b.ack(ctx, m, actor, c.Args[0], nil)
	case cmdResolve:
		return b.resolve(ctx, m, actor, c.Args[0], note(text, c), nil)
	case cmdQuickOrder:
		return b.quickOrder(ctx, m, actor, c.Rest)
	case cmdConfirm:
		return b.confirmDraft(ctx, m, actor)
	case cmdDiscard:
		return b.cancelDraft(ctx, m)
	case cmdFixLine:
		return b.fixDraft(ctx, m, c)
	case cmdReview:
		return b.review(ctx, m, actor, c.Args)
	case cmdLink:
		return b.links(ctx, m, actor, text, c.Rest)
	case cmdPractice:
		return b.practiceBegin(ctx, m, actor)
	case cmdPracticeEnd:
		return b.practiceEnd(ctx, m, actor)
	case cmdPracticeProgress:
		return b.practiceProgress(ctx, m, actor)
	case cmdPracticeRestart:
		return b.practiceRestart(ctx, m, actor)
	case cmdPracticeDelete:
		return b.practiceDelete(ctx, m, actor, c.Rest)
	}
	return b.answerDoc(ctx, m, b.help(actor))
}

// note is the free text after a command's first argument, as typed
// (punctuation kept); the normalized rest if the raw line cannot be read.
func note(raw string, c Command) string {
	if n := strings.TrimSpace(textAfter(raw, c.Args[0])); n != "" {
		return n
	}
	return strings.TrimSpace(strings.TrimPrefix(c.Rest, c.Args[0]))
}

// spec describes a command for help, usage and role checks.
type spec struct {
	cmd, zh, en    string
	usage, example string
	desc           string
	min            int  // words needed after the command
	duty           duty // everyone: every registered staff member
}

var specs = []spec{
	{cmdHelp, "帮助", "help", "帮助", "帮助", "看我能用的命令", 0, everyone},
	{cmdStock, "库存", "stock", "库存 <SKU或名称>", "库存 BOLT-M8-30　或　库存 螺栓", "各仓在库/锁定/可用", 1, everyone},
	{cmdOrder, "订单", "order", "订单 <单号>", "订单 SO20261124-000001", "阶段、明细、负责人、交期、最近动态", 1, everyone},
	{cmdTodo, "待办", "todo", "待办", "待办", "我负责的订单、工单、调拨，最早的在前", 0, everyone},
	{cmdAdvance, "推进", "advance", "推进 <单号> [阶段] [字段=值 ...]", "推进 SO20261124-000001 待质检 质检员=刘洋", "把订单推进到下一阶段（不写阶段就推进到下一个）", 1, everyone},
	{cmdShip, "发货", "ship", "发货 <单号> <快递公司> <运单号>", "发货 SO20261124-000001 顺丰 SF1234567890", "发货（先发运单照片）", 3, dutyShip},
	{cmdAttach, "附件", "attach", "附件 <单号>，然后发照片", "附件 SO20261124-000001", "接下来发的照片附到这个订单（运单照片）", 1, dutyAttach},
	{cmdReceive, "入库", "receive", "入库 <SKU> <仓库> <数量>", "入库 BOLT-M8-30 SH 200", "到货入库", 3, dutyStock},
	{cmdCount, "盘点", "count", "盘点 <SKU> <仓库> <实盘数>", "盘点 BOLT-M8-30 SH 118", "按实盘数校正在库（不能低于已锁定）", 3, dutyStock},
	{cmdTransfers, "调拨", "transfers", "调拨", "调拨", "待处理的调拨单", 0, dutyTransfers},
	{cmdDispatch, "发出", "dispatch", "发出 <调拨单编号> <快递公司> <运单号>", "发出 12 顺丰 SF1234567890", "调拨货物从本仓发出（收货仓会收到通知）", 3, dutyTransfers},
	{cmdTransferDone, "调拨完成", "transfer done", "调拨完成 <编号>", "调拨完成 12", "调拨到货，库存转到发货仓", 1, dutyTransfers},
	{cmdProblem, "异常", "problem", "异常 <单号> <描述>", "异常 SO20261124-000001 少了一箱螺丝", "报告问题，开工单给负责主管", 2, everyone},
	{cmdTickets, "工单", "tickets", "工单", "工单", "我的未完工单（主管看全部）", 0, everyone},
	{cmdAck, "收到", "ack", "收到 <工单号>", "收到 TK20261124-000012", "接单：确认工单，催办停止升级", 1, everyone},
	{cmdQuickOrder, "下单", "order new", "下单 <客户> <SKU或名称> <数量> … [备注 文字]", "下单 C1 螺栓M8 20箱 BOLT-M10 5 备注 周五前送", "电话/传真订单：先出草稿，回「确认」才下单；只发「下单」再发订货单照片可拍单", 0, dutyOrderTaken},
	{cmdConfirm, "确认", "confirm", "确认", "确认", "确认我的下单草稿（锁定库存）", 0, dutyOrderTaken},
	{cmdDiscard, "取消", "cancel", "取消", "取消", "放弃我的下单草稿", 0, dutyOrderTaken},
	{cmdFixLine, "改", "fix", "改 <行号> <SKU或名称> [数量]", "改 2 NUT-M8 20　或　改 3 删", "改下单草稿的一行（拍单认错时不用重打）", 2, dutyOrderTaken},
	{cmdReview, "复核", "review", "复核 [编号] [客户=编码] [行号=SKU] [记住]", "复核 12 客户=C1 1=BOLT-M8 记住", "渠道订单没认出的客户/商品，选定后下单", 0, everyone},
	{cmdLink, "关联", "link", "关联 [申请号 同意 [客户编码] | 申请号 拒绝 <原因>]", "关联 LR20261208-000003 同意　或　关联 LR20261208-000003 拒绝 查无此公司", "小程序买家申请关联公司：不写申请号列出待审核的，同意或拒绝（拒绝写原因，买家看得到）", 0, everyone},
	{cmdResolve, "处理", "resolve", "处理 <工单号> <说明>", "处理 TK20261124-000012 已补发一箱，顺丰 SF123", "工单处理完，写明怎么处理的", 2, everyone},
	{cmdPractice, "练习", "practice", "练习", "练习", "进入练习模式：用复制来的历史订单练手，不碰真实数据", 0, everyone},
	{cmdPracticeEnd, "退出练习", "practice end", "退出练习", "退出练习", "离开练习模式，回到正式系统", 0, everyone},
	{cmdPracticeProgress, "练习进度", "practice progress", "练习进度", "练习进度", "练习的进度（带教的主管看到每个新员工）", 0, everyone},
	{cmdPracticeRestart, "重新练习", "practice restart", "重新练习", "重新练习", "删掉自己的练习库，重新复制练习订单从头练", 0, everyone},
	{cmdPracticeDelete, "删除练习", "practice delete", "删除练习 <姓名或账号>", "删除练习 陈杰", "带教：删除某个新员工的练习库（他正在练习就回到正式系统）", 1, everyone},
}

func specOf(cmd string) spec {
	for _, s := range specs {
		if s.cmd == cmd {
			return s
		}
	}
	return specs[0]
}

func (b *Bot) allowed(a service.Actor, s spec) bool {
	return s.duty == everyone || a.HasRole(b.may[s.duty]...) || b.pipe.Supervisor(a)
}

// offers reports whether a's 帮助 lists s: the roles allow it, and the
// checks its handler makes for itself (复核 is customer service's, 删除练习
// a mentor's) let a through, so nothing listed is then refused.
func (b *Bot) offers(a service.Actor, s spec) bool {
	switch s.cmd {
	case cmdPracticeDelete:
		return b.allowed(a, s) && b.mentor(a)
	case cmdReview:
		return b.allowed(a, s) && b.d.Intakes.MayReview(a)
	case cmdLink:
		return b.allowed(a, s) && b.d.Links != nil && b.d.Links.MayDecide(a)
	}
	return b.allowed(a, s)
}

func (b *Bot) help(a service.Actor) *doc {
	var d doc
	d.line("%s，您好（%s）。可用命令：", esc(a.Name), roleNames(a.Roles))
	var items []string
	for _, s := range specs {
		if b.offers(a, s) {
			items = append(items, fmt.Sprintf("%s（%s）%s\n%s", bold(s.zh), s.en, s.desc, comment("例："+s.example)))
		}
	}
	d.list(items, 0, "…另有 %d 个命令，用「帮助」查看")
	d.line("%s", comment("空格、全角标点都可以；中文命令后可不加空格。"))
	return &d
}

var roleZh = map[string]string{
	"keeper": "仓管", "picker": "配货", "qc": "质检", "dispatcher": "发货", "customer_service": "客服",
	"keeper_lead": "仓管主管", "picker_lead": "配货主管", "qc_lead": "质检主管", "dispatcher_lead": "发货主管", "cs_lead": "客服主管",
	"supervisor": "主管", "production_director": "生产总监", "director": "总监", "admin": "管理员",
}

func roleNames(roles []string) string {
	if len(roles) == 0 {
		return "无岗位"
	}
	out := make([]string, len(roles))
	for i, r := range roles {
		if zh, ok := roleZh[r]; ok {
			out[i] = zh
		} else {
			out[i] = r
		}
	}
	return strings.Join(out, "、")
}

func (b *Bot) local(t time.Time) string { return t.In(b.d.Location).Format("01-02 15:04") }

// focus remembers the order a user last worked on, so that a photo they
// send next is attached to it.
func (b *Bot) setFocus(ctx context.Context, user, no string) {
	b.d.Redis.Set(ctx, b.d.Prefix+"wecom:focus:"+user, strings.ToUpper(no), 2*time.Hour)
}

func (b *Bot) focus(ctx context.Context, user string) string {
	v, _ := b.d.Redis.Get(ctx, b.d.Prefix+"wecom:focus:"+user).Result()
	return v
}

// boardLink is the address of a board page a person can open from a
// reply (WeCom opens it through the board's login).
func (b *Bot) boardLink(path string) string {
	return strings.TrimRight(b.d.BoardURL, "/") + path
}

// now is the bot's clock.
func (b *Bot) now() time.Time {
	if b.d.Clock != nil {
		return b.d.Clock()
	}
	return time.Now()
}
