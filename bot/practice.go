package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"orderhub/internal/textesc"
	"orderhub/model"
	"orderhub/service"
	"orderhub/service/catalog"
)

// Practice is practice mode (练习) as a bot sees it. The real bot's one
// begins sandboxes and shows mentors every trainee; a sandbox bot's one
// (the trainee's chat is routed there while they practise) ends practice
// and records what the services refused. nil: practice is not offered.
type Practice interface {
	// Sandbox is true for a trainee's sandbox bot.
	Sandbox() bool
	// Begin makes a's sandbox ready (copies, or resumes it) and routes
	// their chat there from the next message on.
	Begin(ctx context.Context, a service.Actor) (service.PracticeStart, error)
	// End routes a's chat back to the real system.
	End(ctx context.Context, a service.Actor) error
	// Progress is what a may see: every trainee for a mentor, else a's own.
	Progress(ctx context.Context, a service.Actor) ([]service.PracticeProgress, error)
	// Refused records a refusal in the sandbox, for the mentor; failures
	// are logged, never fail the command.
	Refused(ctx context.Context, r model.PracticeRefusal)
	// Mentor reports whether a mentors trainees (practice.mentor_roles):
	// sees their progress and may remove their sandboxes.
	Mentor(a service.Actor) bool
	// Restart removes a's sandbox and begins a fresh one; old is how the
	// one removed stood (nil: a had none).
	Restart(ctx context.Context, a service.Actor) (old *service.PracticeProgress, st service.PracticeStart, err error)
	// Remove removes userID's sandbox for the mentor by, ending their
	// practice; it returns how the sandbox stood, or a NotFoundError
	// ("practice") when they have none.
	Remove(ctx context.Context, by service.Actor, userID string) (service.PracticeProgress, error)
}

// RealOnly reports whether a chat message always runs in the real system,
// even from a trainee who practises: 重新练习 removes the very sandbox the
// message would be run in, and 删除练习 asks for the sender's real roles
// (in a sandbox the trainee holds every lead role).
func RealOnly(msgType, content string) bool {
	if msgType != "text" {
		return false
	}
	c := Parse(content).Name
	return c == cmdPracticeRestart || c == cmdPracticeDelete
}

// PracticeMark starts every message a sandbox sends.
const PracticeMark = "【练习】"

var orderNo = regexp.MustCompile(`(?i)\bSO\d{8}-\d+\b`)

// noteRefusal hands a refusal in a sandbox to its mentor's record.
func (b *Bot) noteRefusal(ctx context.Context, m model.Inbound, err error, line string) {
	if b.d.Practice == nil || !b.d.Practice.Sandbox() {
		return
	}
	code := ""
	var coded interface{ Code() string }
	if errors.As(err, &coded) {
		code = coded.Code()
	}
	b.d.Practice.Refused(ctx, model.PracticeRefusal{UserID: m.FromUser, Command: m.Content,
		OrderNo: strings.ToUpper(orderNo.FindString(m.Content)), Code: code, Reason: line})
}

func (b *Bot) practiceBegin(ctx context.Context, m model.Inbound, actor service.Actor) (service.Handled, error) {
	if b.d.Practice == nil {
		return b.answer(ctx, m, "练习模式没有开通，请联系"+b.d.Admin+"。")
	}
	if b.d.Practice.Sandbox() {
		return b.answer(ctx, m, "您已经在练习模式中。发「待办」看要做的练习订单，发「练习进度」看进度，发「退出练习」回到正式系统。")
	}
	st, err := b.d.Practice.Begin(ctx, actor)
	if err != nil {
		return b.practiceRefused(ctx, m, err)
	}
	head := fmt.Sprintf("已进入练习模式：%d 个练习订单，从真实的历史订单复制（客户信息已替换）。", len(st.Orders))
	if st.Resumed {
		head = "继续练习：练习订单和库存还是您上次离开时的样子。"
	}
	return b.answer(ctx, m, head+practiceIntro(st))
}

// practiceIntro is how practice works and the orders to practise on.
func practiceIntro(st service.PracticeStart) string {
	nos := st.Orders
	if len(nos) > 3 {
		nos = append(nos[:3:3], "…")
	}
	return "练习时每条命令都和平时一样用（推进要写必填字段，发货要先发运单照片），但只改练习数据，不碰真实的订单、库存和客户，消息只发给您自己，前面标着" + PracticeMark + "。\n练习订单：" +
		strings.Join(nos, "、") + "\n先发「待办」看要做的事；发「练习进度」看进度；发「退出练习」回到正式系统；发「重新练习」从头再来。"
}

// practiceRestart throws the asker's sandbox away and begins a fresh one,
// saying what was thrown away.
func (b *Bot) practiceRestart(ctx context.Context, m model.Inbound, actor service.Actor) (service.Handled, error) {
	if b.d.Practice == nil {
		return b.answer(ctx, m, "练习模式没有开通，请联系"+b.d.Admin+"。")
	}
	if b.d.Practice.Sandbox() {
		// Not reached: the callback runs 重新练习 in the real system.
		return b.answer(ctx, m, "请先发「退出练习」，再发「重新练习」。")
	}
	old, st, err := b.d.Practice.Restart(ctx, actor)
	if err != nil {
		return b.practiceRefused(ctx, m, err)
	}
	head := fmt.Sprintf("您还没有练习库，已新建：%d 个练习订单。", len(st.Orders))
	if old != nil {
		head = fmt.Sprintf("已删除您原来的练习库（%s 开始，完成 %d/%d 单，被拒绝 %d 次），重新开始：%d 个新的练习订单，从真实的历史订单复制（客户信息已替换）。",
			b.local(old.StartedAt), old.Done, len(old.Orders), old.Refusals, len(st.Orders))
	}
	return b.answer(ctx, m, head+practiceIntro(st))
}

// mentor reports whether a mentors trainees.
func (b *Bot) mentor(a service.Actor) bool {
	return b.d.Practice != nil && b.d.Practice.Mentor(a)
}

const practiceDeleteUsage = "用法：删除练习 <姓名或企业微信账号>，例如：删除练习 陈杰。发「练习进度」看谁练习过。"

// practiceDelete removes a trainee's sandbox, for a mentor: the trainee
// is told, and their chat goes to the real system from then on.
func (b *Bot) practiceDelete(ctx context.Context, m model.Inbound, actor service.Actor, who string) (service.Handled, error) {
	if b.d.Practice == nil {
		return b.answer(ctx, m, "练习模式没有开通。")
	}
	if !b.mentor(actor) {
		return b.answer(ctx, m, fmt.Sprintf("只有带教（practice.mentor_roles，默认各岗位主管、主管、总监）能删除别人的练习库，您的岗位（%s）不能。想把自己的练习从头再来，发「重新练习」。", roleNames(actor.Roles)))
	}
	userID := strings.TrimSpace(who)
	name := userID
	st, err := b.d.Catalog.FindStaff(ctx, who)
	var amb *catalog.AmbiguousStaffError
	switch {
	case errors.As(err, &amb):
		return b.answer(ctx, m, fmt.Sprintf("有 %d 位员工叫「%s」（账号：%s），请用账号说是哪一位，例如：删除练习 %s。",
			len(amb.UserIDs), textesc.Text(amb.Name, 20), strings.Join(amb.UserIDs, "、"), amb.UserIDs[0]))
	case err == nil:
		userID, name = st.UserID, st.Name
	case !errors.Is(err, service.ErrNotFound):
		return b.refuse(ctx, m, err)
	}
	// Not a staff member (any more): a sandbox by that userid is removed
	// all the same.
	pr, err := b.d.Practice.Remove(ctx, actor, userID)
	if errors.Is(err, service.ErrNotFound) {
		if st.UserID == "" {
			return b.answer(ctx, m, fmt.Sprintf("没有找到员工「%s」，也没有这个账号的练习库。%s", textesc.Text(who, 20), practiceDeleteUsage))
		}
		return b.answer(ctx, m, fmt.Sprintf("%s（%s）没有练习库，不用删除。%s", textesc.Text(name, 30), textesc.Text(userID, 64), practiceDeleteUsage))
	}
	if err != nil {
		return b.refuse(ctx, m, err)
	}
	if pr.Name != "" {
		name = pr.Name
	}
	text := fmt.Sprintf("已删除 %s（%s）的练习库", textesc.Text(name, 30), textesc.Text(userID, 64))
	if !pr.StartedAt.IsZero() {
		text += fmt.Sprintf("：%s 开始，完成 %d/%d 单，被拒绝 %d 次", b.local(pr.StartedAt), pr.Done, len(pr.Orders), pr.Refusals)
	}
	text += "。"
	if pr.State == model.PracticeActive {
		text += "他当时正在练习，之后的消息回到正式系统。"
	}
	msgs := []service.Message{service.Text(text, m.FromUser)}
	// Told unless it is the mentor's own, or they have left.
	if st.Active && userID != m.FromUser {
		text += "已通知他本人。"
		msgs = []service.Message{service.Text(text, m.FromUser), service.Text(fmt.Sprintf(
			"%s 删除了您的练习库，练习模式已结束：之后发的命令都进正式系统。想再练，发「练习」会重新准备练习订单。", textesc.Text(actor.Name, 30)), userID)}
	}
	return b.d.Inbox.Respond(ctx, m.ID, msgs...)
}

func (b *Bot) practiceEnd(ctx context.Context, m model.Inbound, actor service.Actor) (service.Handled, error) {
	if b.d.Practice == nil || !b.d.Practice.Sandbox() {
		return b.answer(ctx, m, "您现在不在练习模式。发「练习」开始练习。")
	}
	if err := b.d.Practice.End(ctx, actor); err != nil {
		return b.refuse(ctx, m, err)
	}
	text := "已退出练习模式，之后的命令回到正式系统。"
	if ps, err := b.d.Practice.Progress(ctx, actor); err == nil && len(ps) == 1 {
		text += fmt.Sprintf("这次练习：完成 %d/%d 单，被拒绝 %d 次。再发「练习」可以接着练。", ps[0].Done, len(ps[0].Orders), ps[0].Refusals)
	}
	return b.answer(ctx, m, text)
}

func (b *Bot) practiceProgress(ctx context.Context, m model.Inbound, actor service.Actor) (service.Handled, error) {
	if b.d.Practice == nil {
		return b.answer(ctx, m, "练习模式没有开通。")
	}
	ps, err := b.d.Practice.Progress(ctx, actor)
	if err != nil {
		return b.refuse(ctx, m, err)
	}
	if len(ps) == 0 {
		return b.answer(ctx, m, "还没有人练习过。新员工发「练习」就可以开始。")
	}
	var d doc
	d.line("%s", bold(fmt.Sprintf("练习进度（%d 人）", len(ps))))
	var items []string
	for _, p := range ps {
		items = append(items, b.progressItem(p))
	}
	d.list(items, 10, "…另有 %d 人")
	return b.answerDoc(ctx, m, &d)
}

// progressItem is one trainee: orders done, time per order, refusals and
// why.
func (b *Bot) progressItem(p service.PracticeProgress) string {
	state := "练习中"
	if p.State == model.PracticeEnded {
		state = "已退出"
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s（%s）%s，%s 开始：完成 %d/%d 单，被拒绝 %d 次",
		bold(esc(p.Name)), esc(p.UserID), state, b.local(p.StartedAt), p.Done, len(p.Orders), p.Refusals)
	var took time.Duration
	var done []string
	for _, o := range p.Orders {
		if o.Done {
			took += o.Took
			done = append(done, fmt.Sprintf("%s %s", esc(o.No), service.Waited(o.Took)))
		}
	}
	if len(done) > 0 {
		fmt.Fprintf(&sb, "\n> 平均每单 %s；每单用时：%s", service.Waited(took/time.Duration(len(done))), strings.Join(done, "、"))
	}
	var open []string
	for _, o := range p.Orders {
		if !o.Done {
			open = append(open, fmt.Sprintf("%s %s", esc(o.No), b.pipe.Name(o.Stage)))
		}
	}
	if len(open) > 0 {
		fmt.Fprintf(&sb, "\n> 未完成：%s", strings.Join(open, "、"))
	}
	for _, r := range p.Recent {
		fmt.Fprintf(&sb, "\n> %s 被拒「%s」：%s", comment(b.local(r.CreatedAt)), textesc.Markdown(r.Command, 41), textesc.Markdown(r.Reason, 81))
	}
	return sb.String()
}

// practiceRefused answers a 练习 or 重新练习 that could not make a sandbox.
func (b *Bot) practiceRefused(ctx context.Context, m model.Inbound, err error) (service.Handled, error) {
	var conf *service.ConflictError
	if errors.As(err, &conf) && conf.Code() == service.CodeNoPastOrders {
		return b.answer(ctx, m, "系统里还没有可以练习的历史订单，等有了订单再来练习。")
	}
	return b.refuse(ctx, m, err)
}
