package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"orderhub/internal/textesc"
	"orderhub/model"
	"orderhub/service"
	"orderhub/service/audit"
)

// MsgTypeRobot is what an escalation robot notice is sent as: a WeCom
// group robot's markdown (bot/cards.go); ToUser is the robot's webhook key.
const MsgTypeRobot = "robot_markdown"

// msgTypeUpdateCard is what a ticket-cards notice is sent as: WeCom's
// update_template_card (bot/cards.go), not a message.
const msgTypeUpdateCard = "update_template_card"

// Render turns an outbox row holding a service notice (service/notices.go)
// into the WeCom message it is sent as, in loc's time: escalations as a
// template card or markdown, a digest of escalations, a stock audit and
// the daily digest as markdown, a ticket's cards as update_template_card,
// a ticket's change, an intake held for review, a buyer's link request, a
// leaver's handover and an expired practice sandbox as
// text. A row that is a message
// already comes back as it is. The outbox keeps the notice; rendering at
// dispatch keeps every WeCom format and word in the bot.
func Render(m service.Outgoing, loc *time.Location) (service.Outgoing, error) {
	var body any
	switch m.MsgType {
	case service.MsgTypeEscalation:
		var n service.EscalationNotice
		if err := decode(m, &n); err != nil {
			return m, err
		}
		if n.TaskID != "" {
			m.MsgType, body = "template_card", escalationCard(n, loc)
		} else {
			m.MsgType, body = "markdown", map[string]string{"content": escalationMarkdown(n, loc)}
		}
	case service.MsgTypeEscalationRobot:
		var n service.EscalationNotice
		if err := decode(m, &n); err != nil {
			return m, err
		}
		m.MsgType, body = MsgTypeRobot, map[string]string{"content": escalationMarkdown(n, loc)}
	case service.MsgTypeEscalationDigest:
		var d service.EscalationDigest
		if err := decode(m, &d); err != nil {
			return m, err
		}
		m.MsgType, body = "markdown", map[string]string{"content": escalationDigest(d)}
	case service.MsgTypeNewTicket:
		var n service.NewTicketNotice
		if err := decode(m, &n); err != nil {
			return m, err
		}
		m.MsgType, body = "text", map[string]string{"content": newTicketText(n)}
	case service.MsgTypeNewWork:
		var n service.NewWork
		if err := decode(m, &n); err != nil {
			return m, err
		}
		m.MsgType, body = "text", map[string]string{"content": fmt.Sprintf("新待办：订单 %s 已到「%s」，由您负责（%s 推进）。发「订单 %s」查看。",
			n.OrderNo, n.StageName, textesc.Text(n.By, 20), n.OrderNo)}
	case service.MsgTypeStockAudit:
		var r audit.Report
		if err := decode(m, &r); err != nil {
			return m, err
		}
		m.MsgType, body = "markdown", map[string]string{"content": auditMarkdown(r, loc)}
	case service.MsgTypeTicketCards:
		var c service.TicketChange
		if err := decode(m, &c); err != nil {
			return m, err
		}
		m.MsgType, body = msgTypeUpdateCard, map[string]any{"response_code": c.ResponseCode, "button": map[string]string{"replace_name": ticketDone(c)}}
	case service.MsgTypeTicketChange:
		var c service.TicketChange
		if err := decode(m, &c); err != nil {
			return m, err
		}
		m.MsgType, body = "text", map[string]string{"content": fmt.Sprintf("工单 %s（订单 %s）%s。", c.TicketNo, c.OrderNo, ticketDone(c))}
	case service.MsgTypeDailyDigest:
		var r service.DailyDigest
		if err := decode(m, &r); err != nil {
			return m, err
		}
		m.MsgType, body = "markdown", map[string]string{"content": dailyDigestMarkdown(r)}
	case service.MsgTypeIntakeReview:
		var r service.IntakeReview
		if err := decode(m, &r); err != nil {
			return m, err
		}
		m.MsgType, body = "text", map[string]string{"content": intakeReviewText(r)}
	case service.MsgTypeLinkRequest:
		var n service.LinkRequestNotice
		if err := decode(m, &n); err != nil {
			return m, err
		}
		m.MsgType, body = "text", map[string]string{"content": linkRequestText(n)}
	case service.MsgTypeStaffLeft:
		var l service.StaffLeft
		if err := decode(m, &l); err != nil {
			return m, err
		}
		m.MsgType, body = "text", map[string]string{"content": staffLeftText(l)}
	case service.MsgTypePracticeExpired:
		var e service.PracticeExpired
		if err := decode(m, &e); err != nil {
			return m, err
		}
		m.MsgType, body = "text", map[string]string{"content": fmt.Sprintf(
			"您的练习库 %d 天没有用过（最后一次 %s），已自动删除，练习模式已结束：之后发的命令都进正式系统。想再练，发「练习」会重新准备练习订单。",
			e.KeepDays, e.LastUsed.In(loc).Format("01-02 15:04"))}
	default:
		return fitContent(m)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return m, &service.UndeliverableError{Reason: m.MsgType + ": " + err.Error()}
	}
	m.Body = b
	return fitContent(m)
}

// ticketDone says who took or handled a ticket: 已由张三接单.
func ticketDone(c service.TicketChange) string {
	if c.State == model.TicketAcknowledged {
		return "已由" + c.By + "接单"
	}
	return "已由" + c.By + "处理"
}

func decode(m service.Outgoing, v any) error {
	if err := json.Unmarshal(m.Body, v); err != nil {
		return &service.UndeliverableError{Reason: m.MsgType + ": bad notice: " + err.Error()}
	}
	return nil
}

// Lengths, in characters, at which names are cut in pushes: a name fills
// one line of a phone screen at most.
const (
	nameRunes     = 20
	customerRunes = 30
)

// WeCom's template card limits (字): main_title.title, main_title.desc,
// horizontal_content_list length and value.
const (
	cardTitle = 26
	cardDesc  = 30
	cardRows  = 6
	cardValue = 26
)

func pushTime(t time.Time, loc *time.Location) string { return t.In(loc).Format("01-02 15:04") }

// earlier says who was told before, and when; clean makes each name safe
// for the message's format.
func earlier(n service.EscalationNotice, loc *time.Location, clean func(string, int) string) string {
	var parts []string
	for _, t := range n.Before {
		names := make([]string, len(t.Names))
		for i, name := range t.Names {
			names[i] = clean(name, nameRunes)
		}
		joined := strings.Join(names, "、")
		if joined == "" {
			joined = "无人"
		}
		parts = append(parts, fmt.Sprintf("第%d级 %s 通知了 %s", t.Level, pushTime(t.At, loc), joined))
	}
	return strings.Join(parts, "；")
}

// escalationMarkdown is a level's push as WeCom markdown. Names and the
// customer are user-supplied: they go through textesc.Markdown
// (invariant 9).
func escalationMarkdown(n service.EscalationNotice, loc *time.Location) string {
	md := textesc.Markdown
	if n.Nudge {
		return "**待办提醒**\n> " + nudgeLine(n) + "\n看全部：回复「待办」。"
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "**催办（第%d级）：%s已等 <font color=\"warning\">%s</font>**\n", n.Level, md(n.What, 0), service.Waited(n.Waited))
	if n.OrderNo != "" {
		fmt.Fprintf(&sb, "> 订单：%s\n> 客户：%s\n> 阶段：%s\n", md(n.OrderNo, 0), md(n.Customer, customerRunes), md(n.StageName, 0))
	}
	holder := md(n.Holder, nameRunes)
	if holder == "" {
		holder = "无人"
	}
	fmt.Fprintf(&sb, "> 负责人：%s\n> 工单：%s\n", holder, n.TicketNo)
	if s := earlier(n, loc, md); s != "" {
		fmt.Fprintf(&sb, "> 此前：%s\n", s)
	}
	fmt.Fprintf(&sb, "确认接单请回复「收到 %s」，处理完回复「处理 %s <说明>」。", n.TicketNo, n.TicketNo)
	return sb.String()
}

// escalationCard is a level's push as an interactive card with 接单 /
// 已处理 buttons (the app has a callback: cards on).
func escalationCard(n service.EscalationNotice, loc *time.Location) map[string]any {
	holder := n.Holder
	if holder == "" {
		holder = "无人"
	}
	// WeCom's limits for a button_interaction card: title 26 characters,
	// its desc 30, at most 6 rows of a 5-character key and a 26-character
	// value. Every number is in a row of its own, so none is cut.
	kv := []map[string]string{}
	add := func(k, v string) {
		if v != "" && len(kv) < cardRows {
			kv = append(kv, map[string]string{"keyname": k, "value": textesc.Card(v, cardValue)})
		}
	}
	add("订单", n.OrderNo)
	add("客户", n.Customer)
	add("阶段", n.StageName)
	add("已等", service.Waited(n.Waited))
	add("负责人", holder)
	add("工单", n.TicketNo)
	desc := fmt.Sprintf("第%d级催办，点「接单」确认", n.Level)
	if s := earlier(n, loc, textesc.Card); s != "" {
		desc = "此前：" + s
	}
	short := n.Short
	if short == "" {
		short = n.What
	}
	return map[string]any{
		"card_type":               "button_interaction",
		"source":                  map[string]string{"desc": "orderhub 催办"},
		"main_title":              map[string]string{"title": textesc.Card(short+"，已等 "+service.Waited(n.Waited), cardTitle), "desc": textesc.Card(desc, cardDesc)},
		"horizontal_content_list": kv,
		"task_id":                 n.TaskID,
		"button_list": []map[string]any{
			{"text": "接单", "style": 1, "key": "ack:" + n.TicketNo},
			{"text": "已处理", "style": 2, "key": "resolve:" + n.TicketNo},
		},
	}
}

// escalationDigest is one person's pushes of a scan as one markdown
// message: each listed while WeCom's 4096 bytes allow, then how many more.
func escalationDigest(d service.EscalationDigest) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "**催办汇总：%d 件等您处理**\n", len(d.Items))
	tail := "逐条确认：回复「收到 <工单号>」；看全部：回复「工单」。"
	listed := 0
	for i, n := range d.Items {
		line := fmt.Sprintf("> %d. %s，已等 <font color=\"warning\">%s</font>，工单 %s（第%d级）\n", i+1, textesc.Markdown(n.What, 0), service.Waited(n.Waited), n.TicketNo, n.Level)
		if n.Nudge {
			line = fmt.Sprintf("> %d. %s（第%d级）\n", i+1, nudgeLine(n), n.Level)
		}
		// WeCom refuses markdown over 4096 bytes (errcode 45002, and the
		// digest was marked failed): list what fits, say how many more.
		if sb.Len()+len(line)+len(tail)+80 > MarkdownLimit {
			continue
		}
		sb.WriteString(line)
		listed++
	}
	if listed < len(d.Items) {
		fmt.Fprintf(&sb, "> …另有 %d 件\n", len(d.Items)-listed)
	}
	sb.WriteString(tail)
	return sb.String()
}

// auditMarkdown says, in Chinese, what the stock audit found differing and
// what it means.
func auditMarkdown(r audit.Report, loc *time.Location) string {
	var b strings.Builder
	if len(r.Drifts) == 0 {
		deliveriesMarkdown(&b, r.Deliveries, loc)
		return b.String()
	}
	fmt.Fprintf(&b, "**库存对账发现差异** %s\n共核对 %d 个库位，%d 处不一致：\n", r.At.In(loc).Format("2006-01-02 15:04"), r.Checked, len(r.Drifts))
	for i, d := range r.Drifts {
		if i == 20 {
			fmt.Fprintf(&b, "…另有 %d 处，运行 `orderhub audit` 查看全部\n", len(r.Drifts)-20)
			break
		}
		fmt.Fprintf(&b, "> %s / %s：", d.Warehouse, d.SKU)
		var parts []string
		if d.OnHand != d.LedgerOnHand {
			parts = append(parts, fmt.Sprintf("在库 %d，流水合计 %d", d.OnHand, d.LedgerOnHand))
		}
		if d.Locked != d.LedgerLocked {
			parts = append(parts, fmt.Sprintf("锁定 %d，流水合计 %d", d.Locked, d.LedgerLocked))
		}
		if d.Locked != d.Allocated {
			parts = append(parts, fmt.Sprintf("锁定 %d，订单占用 %d", d.Locked, d.Allocated))
		}
		b.WriteString(strings.Join(parts, "；") + "\n")
	}
	b.WriteString("库存被系统外改动过（手工改库、恢复备份等），请盘点核实后用「盘点」更正。")
	if len(r.Deliveries) > 0 {
		b.WriteString("\n\n")
		deliveriesMarkdown(&b, r.Deliveries, loc)
	}
	return b.String()
}

// deliveriesMarkdown says which delivered orders disagree with their
// timeline and what it means: the on-time rate counts a delivery by the
// order's record of it.
func deliveriesMarkdown(b *strings.Builder, ds []audit.DeliveryDrift, loc *time.Location) {
	fmt.Fprintf(b, "**签收记录与订单时间线不一致** %d 单（准时率按订单记录的签收时间统计，与时间线不符则准时率有误，请查明是否有人改过数据库）：\n", len(ds))
	for i, d := range ds {
		if i == 20 {
			fmt.Fprintf(b, "…另有 %d 单，运行 `orderhub audit` 查看全部\n", len(ds)-20)
			break
		}
		entered := d.EnteredAt.In(loc).Format("2006-01-02 15:04:05")
		if d.EventAt == nil {
			fmt.Fprintf(b, "> %s：订单记录 %s 进入「%s」，时间线没有这次签收\n", textesc.Markdown(d.OrderNo, 0), entered, textesc.Markdown(d.StageName, 0))
			continue
		}
		fmt.Fprintf(b, "> %s：时间线 %s 签收，订单记录为 %s 进入「%s」\n", textesc.Markdown(d.OrderNo, 0), d.EventAt.In(loc).Format("2006-01-02 15:04:05"), entered, textesc.Markdown(d.StageName, 0))
	}
}

// dailyDigestMarkdown is the supervisors' morning message: yesterday's
// on-time rate against the day before, what is overdue now, open tickets
// by age, orders waiting for review, and the board's link.
func dailyDigestMarkdown(r service.DailyDigest) string {
	var b strings.Builder
	day := r.Day
	if t, err := time.Parse(time.DateOnly, r.Day); err == nil {
		day = t.Format("01月02日")
	}
	last, prev := r.Yesterday, r.Before
	fmt.Fprintf(&b, "**订单日报 %s**\n", day)
	fmt.Fprintf(&b, "> 昨日准时率 <font color=\"info\">%.1f%%</font>（签收 %d，准时 %d，早到 %d，晚到 %d）", last.Rate*100, last.Delivered, last.OnTime, last.Early, last.Late)
	switch diff := (last.Rate - prev.Rate) * 100; {
	case prev.Delivered == 0:
		b.WriteString("\n")
	case diff >= 0:
		fmt.Fprintf(&b, "，比前天 %.1f%% 高 %.1f 个百分点\n", prev.Rate*100, diff)
	default:
		fmt.Fprintf(&b, "，比前天 %.1f%% <font color=\"warning\">低 %.1f 个百分点</font>\n", prev.Rate*100, -diff)
	}
	fmt.Fprintf(&b, "> 准时且齐全（OTIF）%.1f%%；准时 = 承诺时间 ±2 小时内签收\n", last.OTIFRate*100)
	total := 0
	var parts []string
	for _, o := range r.Overdue {
		total += o.N
		parts = append(parts, fmt.Sprintf("%s %d", o.Name, o.N))
	}
	if total == 0 {
		b.WriteString("> 超时订单：无\n")
	} else {
		fmt.Fprintf(&b, "> 超时订单 <font color=\"warning\">%d</font>：%s\n", total, strings.Join(parts, "，"))
	}
	a := r.Tickets
	fmt.Fprintf(&b, "> 未处理异常 %d：1 小时内 %d，1–4 小时 %d，4–24 小时 %d，超过 1 天 %d\n", a[0]+a[1]+a[2]+a[3], a[0], a[1], a[2], a[3])
	fmt.Fprintf(&b, "> 待复核订单 %d\n", r.Review)
	if r.BoardURL != "" {
		fmt.Fprintf(&b, "[打开作战室看板](%s)", r.BoardURL)
	}
	return b.String()
}

// intakeReviewText tells customer service an order from a channel is held
// and what did not match. What the channel sent is user-supplied: escaped
// for a text message (invariant 9).
func intakeReviewText(r service.IntakeReview) string {
	var what []string
	for _, p := range r.Problems {
		what = append(what, textesc.Text(problemZh(p), 80))
	}
	return fitList(TextLimit, fmt.Sprintf("待复核订单 #%d（%s，外部单号 %s）：", r.IntakeID, textesc.Text(r.From, 30), textesc.Text(r.ExternalID, 64)),
		what, "；", fmt.Sprintf("。未预留库存。发「复核 %d」查看并选择。", r.IntakeID), "项")
}

// problemZh says what did not match in an intake, in Chinese, for chat.
func problemZh(p service.Problem) string {
	var c []string
	for i, x := range p.Candidates {
		if i == 3 {
			c = append(c, "…")
			break
		}
		c = append(c, x.Code)
	}
	cands := ""
	if len(c) > 0 {
		cands = "（候选 " + strings.Join(c, "、") + "）"
	}
	given := p.Given
	if r := []rune(given); len(r) > 30 {
		given = string(r[:30]) + "…"
	}
	switch p.Code {
	case "customer_unmatched":
		return "客户「" + given + "」未找到" + cands
	case "customer_ambiguous":
		return "客户「" + given + "」不唯一" + cands
	case "sku_ambiguous":
		return "商品「" + given + "」不唯一" + cands
	default:
		return "商品「" + given + "」未找到" + cands
	}
}

// staffLeftText tells a leaver's lead who now holds their unfinished
// orders, transfers and tickets. Plain text: names come from the
// directory and need no markup.
func staffLeftText(l service.StaffLeft) string {
	body := fmt.Sprintf("%s（%s）已停用", l.Name, l.UserID)
	if len(l.Handed) == 0 {
		return body + "\n没有未完成的工作需要交接。"
	}
	lines := make([]string, len(l.Handed))
	for i, h := range l.Handed {
		to := h.To
		if to == "" {
			to = "无人接手"
		}
		switch h.Kind {
		case service.HandOrder:
			lines[i] = fmt.Sprintf("订单 %s → %s", h.Ref, to)
		case service.HandTransfer:
			lines[i] = fmt.Sprintf("调拨单 #%s → %s", h.Ref, to)
		default:
			lines[i] = fmt.Sprintf("工单 %s → %s", h.Ref, to)
		}
	}
	return fitList(TextLimit, body+"\n未完成的工作已交接：\n", lines, "\n", "", "项")
}

// newTicketText is a problem pushed to its assignee when it opens: what,
// on which order and stage, who reported it, and the reply that takes it.
func newTicketText(n service.NewTicketNotice) string {
	what := "异常，" + textesc.Text(n.Reporter, 20) + " 报告"
	if n.Kind == model.TicketCustomerProblem {
		what = "买家反馈（" + textesc.Text(n.Reporter, 20) + "）"
	}
	take := fmt.Sprintf("回复「收到 %s」接单", n.TicketNo)
	if len(n.OfferedTo) > 1 {
		names := make([]string, len(n.OfferedTo))
		for i, s := range n.OfferedTo {
			names[i] = textesc.Text(s, 20)
		}
		take = fmt.Sprintf("同时推给了 %s，谁先回「收到 %s」谁接单", strings.Join(names, "、"), n.TicketNo)
	}
	return fmt.Sprintf("新工单 %s：订单 %s（%s）%s：%s。%s，处理完回复「处理 %s 怎么处理的」。",
		n.TicketNo, n.OrderNo, n.StageName, what, textesc.Text(n.Description, 201), take, n.TicketNo)
}

// nudgeLine is a nudge to the holder in one line of markdown: what is
// waiting, the time left before their lead hears of it, and the one
// command that moves it.
func nudgeLine(n service.EscalationNotice) string {
	left := ""
	if n.Left > 0 {
		left = "，还剩 <font color=\"warning\">" + service.Waited(n.Left) + "</font> 到时限"
	}
	action := ""
	if n.Action != "" {
		action = "，请回复「" + textesc.Markdown(n.Action, 0) + "」"
	}
	return fmt.Sprintf("待办提醒：%s，已 %s%s%s", textesc.Markdown(n.What, 0), service.Waited(n.Waited), left, action)
}
