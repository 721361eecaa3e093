package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"orderhub/internal/textesc"
	"orderhub/model"
	"orderhub/service"
)

// MediaSource downloads WeCom media by id (media/get).
type MediaSource interface {
	Media(ctx context.Context, mediaID string) ([]byte, error)
}

// Deps is what the bot needs.
type Deps struct {
	Catalog   *service.Catalog
	Stock     *service.Stock
	Orders    *service.Orders
	Transfers *service.Transfers
	Tickets   *service.Tickets
	Todos     *service.Todos
	Inbox     *service.Inbox
	Intakes   *service.Intakes
	// OCR reads slip photos; nil when no engine is configured (the reply
	// then says so and offers typing the order).
	OCR    service.OCR
	Media  MediaSource
	Redis  *redis.Client
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
