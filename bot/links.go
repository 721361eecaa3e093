package bot

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"orderhub/internal/textesc"
	"orderhub/model"
	"orderhub/service"
)

// linkLine reads 关联's words: a request number, then what to do with it
// (同意 [客户编码] or 拒绝 <原因>), with or without spaces between.
var linkLine = regexp.MustCompile(`(?i)^(\S+?)\s*(同意|通过|拒绝|驳回|approve|reject)\s*(.*)$`)

// linkApprove says which words approve.
var linkApprove = map[string]bool{"同意": true, "通过": true, "approve": true}

// links is 关联 (link): with no words, the buyers' requests waiting to be
// linked to their company; with a number and 同意 or 拒绝, the decision.
func (b *Bot) links(ctx context.Context, m model.Inbound, actor service.Actor, raw, rest string) (service.Handled, error) {
	if b.d.Links == nil {
		return b.answer(ctx, m, "这里没有开通小程序买家关联。")
	}
	if !b.d.Links.MayDecide(actor) {
		return b.answer(ctx, m, "您的岗位（"+roleNames(actor.Roles)+"）不能审核买家关联申请，请转给客服。")
	}
	if rest == "" {
		return b.linkList(ctx, m)
	}
	w := linkLine.FindStringSubmatch(rest)
	if w == nil {
		no := strings.Fields(rest)[0]
		return b.answer(ctx, m, fmt.Sprintf("请说同意还是拒绝，例如：关联 %s 同意　或　关联 %s 拒绝 客户编码不对", textesc.Text(no, 24), textesc.Text(no, 24)))
	}
	no, verb := w[1], strings.ToLower(w[2])
	d := service.LinkDecision{Approve: linkApprove[verb]}
	if d.Approve {
		if f := strings.Fields(w[3]); len(f) > 0 {
			d.CustomerCode = f[0]
		}
	} else {
		// The reason as typed, punctuation kept: the buyer reads it.
		d.Reason = strings.TrimSpace(textAfter(raw, w[2]))
		if d.Reason == "" {
			d.Reason = strings.TrimSpace(w[3])
		}
		if d.Reason == "" {
			return b.answer(ctx, m, fmt.Sprintf("拒绝请写明原因，买家会在小程序里看到，例如：关联 %s 拒绝 客户编码不对，请核对", textesc.Text(no, 24)))
		}
	}
	return b.write(ctx, m, b.renderLink(m), func(ctx context.Context) error {
		_, err := b.d.Links.Decide(ctx, no, d, actor)
		return err
	})
}

func (b *Bot) renderLink(m model.Inbound) func(service.Outcome) []service.Message {
	return func(o service.Outcome) []service.Message {
		v := o.Link
		if v == nil {
			return nil
		}
		var text string
		if v.State == model.LinkRequestApproved && v.Customer != nil {
			text = fmt.Sprintf("已同意关联申请 %s：买家 %s 已关联到 %s（%s），以后在小程序下的单都算这个客户。", v.No,
				textesc.Text(v.Buyer.Name, nameRunes), textesc.Text(v.Customer.Name, customerRunes), textesc.Text(v.Customer.Code, 32))
		} else {
			text = fmt.Sprintf("已拒绝关联申请 %s，买家会在小程序里看到原因：%s", v.No, textesc.Text(v.Reason, 200))
		}
		return []service.Message{service.Text(text, m.FromUser)}
	}
}

// linkList lists the requests waiting, oldest first.
func (b *Bot) linkList(ctx context.Context, m model.Inbound) (service.Handled, error) {
	vs, err := b.d.Links.Open(ctx)
	if err != nil {
		return service.Handled{}, err
	}
	if len(vs) == 0 {
		return b.answer(ctx, m, "没有待审核的买家关联申请。")
	}
	var d doc
	d.line("%s", bold(fmt.Sprintf("待审核的关联申请（%d）", len(vs))))
	items := make([]string, len(vs))
	for i, v := range vs {
		items[i] = fmt.Sprintf("%s %s，%s 申请：%s", bold(esc(v.No)), textesc.Markdown(v.Buyer.Name, nameRunes), b.local(v.CreatedAt), textesc.Markdown(linkAsked(v.CompanyName, v.CustomerCode), 100))
		if v.Match != nil {
			items[i] += "\n> 对上客户 " + textesc.Markdown(v.Match.Name, customerRunes) + "（" + esc(v.Match.Code) + "）"
		} else {
			items[i] += "\n> " + warning("没有对上客户，同意时写客户编码")
		}
	}
	d.list(items, 10, "…另有 %d 条，先处理上面的")
	d.line("%s", comment(fmt.Sprintf("同意发「关联 %s 同意」，拒绝发「关联 %s 拒绝 原因」", vs[0].No, vs[0].No)))
	return b.answerDoc(ctx, m, &d)
}

// linkAsked says what a buyer asked to be linked to.
func linkAsked(company, code string) string {
	switch {
	case company != "" && code != "":
		return company + "（客户编码 " + code + "）"
	case code != "":
		return "客户编码 " + code
	}
	return company
}

// linkRequestText is the push customer service on duty gets about a new
// request: who asks, for which company, and the one line to answer it.
func linkRequestText(n service.LinkRequestNotice) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "买家申请关联公司：%s\n", n.No)
	fmt.Fprintf(&sb, "买家：%s\n", textesc.Text(n.Buyer, nameRunes))
	fmt.Fprintf(&sb, "申请：%s\n", textesc.Text(linkAsked(n.CompanyName, n.CustomerCode), 100))
	if n.Note != "" {
		fmt.Fprintf(&sb, "留言：%s\n", textesc.Text(n.Note, 200))
	}
	if n.MatchCode != "" {
		fmt.Fprintf(&sb, "对上客户：%s（%s）\n", textesc.Text(n.MatchName, customerRunes), textesc.Text(n.MatchCode, 32))
		fmt.Fprintf(&sb, "同意发「关联 %s 同意」；拒绝发「关联 %s 拒绝 原因」。", n.No, n.No)
	} else {
		sb.WriteString("没有对上客户。\n")
		fmt.Fprintf(&sb, "同意发「关联 %s 同意 客户编码」；拒绝发「关联 %s 拒绝 原因」。", n.No, n.No)
	}
	return sb.String()
}
