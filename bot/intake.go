package bot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"orderhub/internal/textesc"
	"orderhub/model"
	"orderhub/service"
)

// Quick entry (下单), slip photos, confirmation and review in chat. A draft
// is a row in the database (service.Intakes), so 确认 works after a restart
// and on any instance; nothing is placed before its author confirms.

// renderDraft answers a draft made from text or a photo: the customer it
// matched, each line with what is free, what did not match, the address
// on file, and how to confirm.
func (b *Bot) renderDraft(m model.Inbound) func(service.Outcome) []service.Message {
	return func(o service.Outcome) []service.Message {
		v := o.Intake
		if v == nil {
			return nil
		}
		return []service.Message{service.Markdown(b.draftDoc(*v).String(), m.FromUser)}
	}
}

func (b *Bot) draftDoc(v service.IntakeView) *doc {
	var d doc
	src := "下单草稿"
	if v.Source == model.SourcePhoto {
		src = "拍单草稿（照片识别）"
	}
	d.line("%s %s", bold(fmt.Sprintf("%s #%d", src, v.ID)), comment(fmt.Sprintf("%s 前有效", b.local(*v.ExpiresAt))))
	doc := v.Doc
	if doc.CustomerID != 0 {
		d.line("客户：%s（%s）", esc(doc.CustomerName), esc(doc.CustomerCode))
	} else if doc.Customer.Code == "" && doc.Customer.Phone == "" {
		d.line("客户：%s", warning("没有认出客户"))
	}
	var items []string
	for i, l := range doc.Lines {
		unit := ""
		if l.Unit != "" {
			unit = " " + esc(l.Unit)
		}
		if l.ProductID != 0 {
			avail := ""
			if l.Available != nil {
				avail = fmt.Sprintf("　可用 %d", *l.Available)
				if *l.Available < l.Qty {
					avail = "　" + warning(fmt.Sprintf("可用只有 %d", *l.Available))
				}
			}
			check := ""
			if l.By == "near" {
				// Matched with one character off: say what was read.
				check = "　" + warning("读作「"+textesc.Markdown(l.Text(), 30)+"」，请核对")
			}
			items = append(items, fmt.Sprintf("%d. %s %s ×%d%s%s%s", i+1, esc(l.MatchedSKU), esc(l.MatchedName), l.Qty, unit, avail, check))
			continue
		}
		items = append(items, fmt.Sprintf("%d. %s ×%d%s", i+1, warning("「"+textesc.Markdown(l.Text(), 30)+"」"+map[bool]string{true: "不唯一", false: "未找到"}[len(l.Candidates) > 1]), l.Qty, unit)+candidateLine(l.Candidates))
	}
	d.list(items, 0, "")
	if len(v.Problems) > 0 && v.Problems[0].Field == "customer" {
		p := v.Problems[0]
		d.line("%s%s", warning("客户「"+textesc.Markdown(p.Given, 20)+"」"+map[bool]string{true: "不唯一", false: "未找到"}[len(p.Candidates) > 1]), candidateLine(p.Candidates))
	}
	if a := (service.AddressParts{}); doc.Address != a {
		p := doc.Address
		d.line("> 收货地址：%s", esc(strings.Join(nonBlank(p.Province, p.City, p.District, p.Detail), " ")))
	} else if a := doc.OnFile; a != "" {
		d.line("> 收货地址（档案）：%s", esc(a))
	} else if doc.CustomerID != 0 {
		d.line("> 收货地址：%s", warning("档案里没有，请在下单时写上：地址 省市区详细地址"))
	}
	if doc.Remark != "" {
		d.line("> 备注：%s", esc(doc.Remark))
	}
	if len(v.Problems) > 0 {
		d.line("%s", warning("有没认出的内容，不能下单。")+"没认出的行发「改 行号 SKU 数量」，例如：改 2 NUT-M8 10；或重新发「下单 客户 商品 数量」")
	} else {
		d.line("回复「%s」下单（锁定库存），「%s」放弃；哪行不对发「%s」。", bold("确认"), bold("取消"), bold("改 行号 SKU 数量"))
	}
	return &d
}

func nonBlank(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func candidateLine(cs []service.Candidate) string {
	if len(cs) == 0 {
		return ""
	}
	var out []string
	for i, c := range cs {
		if i == 4 {
			out = append(out, "…")
			break
		}
		out = append(out, esc(c.Code)+" "+textesc.Markdown(c.Name, 16))
	}
	return "\n> 候选：" + strings.Join(out, "；")
}

// quickOrder reads 下单 <客户> <SKU或名称> <数量> … [备注 …] into a draft.
// With nothing after it, the next photo is read as a slip.
func (b *Bot) quickOrder(ctx context.Context, m model.Inbound, actor service.Actor, rest string) (service.Handled, error) {
	if strings.TrimSpace(rest) == "" {
		b.d.Redis.Del(ctx, b.d.Prefix+"wecom:focus:"+m.FromUser)
		return b.answer(ctx, m, "请发订货单照片，我来识别成草稿；也可以直接打字：下单 <客户> <SKU或名称> <数量> [地址 文字] [备注 文字]，例如：下单 C1 螺栓M8 20箱")
	}
	q, err := service.ParseQuickEntry(rest)
	if err != nil {
		var inv *service.InvalidError
		if errors.As(err, &inv) {
			return b.answer(ctx, m, inv.Message)
		}
		return service.Handled{}, err
	}
	return b.write(ctx, m, b.renderDraft(m), func(ctx context.Context) error {
		_, err := b.d.Intakes.Draft(ctx, service.DraftInput{Author: m.FromUser, Actor: actor, Key: m.MsgKey, Source: model.SourceChat,
			Customer: q.Customer, Lines: q.Lines, Remark: q.Remark, Address: q.Address})
		return err
	})
}

func (b *Bot) renderPlaced(m model.Inbound) func(service.Outcome) []service.Message {
	return func(o service.Outcome) []service.Message {
		v := o.Intake
		if v == nil {
			return nil
		}
		if v.State == model.IntakeCancelled {
			return []service.Message{service.Text(fmt.Sprintf("草稿 #%d 已取消，没有下单。", v.ID), m.FromUser)}
		}
		if v.Order == nil {
			return []service.Message{service.Markdown(b.reviewDoc(*v).String(), m.FromUser)}
		}
		ord := v.Order.Order
		text := fmt.Sprintf("已下单：%s，%s，%d 行，共 ¥%.2f，库存已锁定，进入「%s」。发「订单 %s」查看。",
			ord.No, v.Order.Customer.Name, len(ord.Lines), float64(ord.TotalFen)/100, b.pipe.Name(ord.Stage), ord.No)
		return []service.Message{service.Text(text, m.FromUser)}
	}
}

func (b *Bot) confirmDraft(ctx context.Context, m model.Inbound, actor service.Actor) (service.Handled, error) {
	return b.write(ctx, m, b.renderPlaced(m), func(ctx context.Context) error {
		_, err := b.d.Intakes.Confirm(ctx, m.FromUser, actor)
		return err
	})
}

func (b *Bot) cancelDraft(ctx context.Context, m model.Inbound) (service.Handled, error) {
	return b.write(ctx, m, b.renderPlaced(m), func(ctx context.Context) error {
		_, err := b.d.Intakes.Discard(ctx, m.FromUser)
		return err
	})
}

// explainIntake says in Chinese why a draft or review step was refused.
func (b *Bot) explainIntake(err error) (string, bool) {
	var exp *service.DraftExpiredError
	var inc *service.DraftIncompleteError
	var short *service.ShortError
	var inv *service.InvalidError
	switch {
	case errors.As(err, &inv) && inv.Field == "line":
		return inv.Message, true // 改: the service says which lines there are and how to write it
	case errors.Is(err, service.ErrNoDraft):
		return "您没有待确认的草稿。先发「下单 客户 商品 数量」，例如：下单 C1 螺栓M8 20箱", true
	case errors.As(err, &exp):
		return fmt.Sprintf("草稿 #%d 已过期，没有下单。请重新发「下单 …」。", exp.ID), true
	case errors.As(err, &inc):
		return fmt.Sprintf("草稿 #%d 还有没认出的内容，不能下单。发「改 行号 SKU 数量」改那一行，或重新发「下单 …」。", inc.ID), true
	case service.ErrorCode(err) == service.CodeAddressRequired:
		return "没有收货地址，没有下单：客户档案里没有地址。请重新发「下单 客户 商品 数量 地址 省市区详细地址」。", true
	case errors.As(err, &short):
		var parts []string
		for _, l := range short.Lines {
			parts = append(parts, fmt.Sprintf("%s 要 %d，可用 %d", l.SKU, l.Want, l.Available))
		}
		return "库存不够，没有下单：" + strings.Join(parts, "；") + "。", true
	}
	return "", false
}

// photoSlip reads a photo of a slip into a draft. Without an OCR engine
// it says so and offers typing the order instead.
func (b *Bot) photoSlip(ctx context.Context, m model.Inbound, actor service.Actor) (service.Handled, error) {
	if b.d.OCR == nil {
		return b.slipFailed(ctx, m, "收到照片。本系统没有配置文字识别（OCR），认不出订货单。请直接打字下单：下单 <客户> <SKU或名称> <数量>，例如：下单 C1 螺栓M8 20箱。如果这是运单照片，请先发「附件 <单号>」再发照片。")
	}
	if m.MediaID == "" {
		return b.slipFailed(ctx, m, "照片没有收到，请再发一次。")
	}
	data, err := b.d.Media.Media(ctx, m.MediaID)
	if err != nil {
		return service.Handled{}, fmt.Errorf("media/get: %w", err)
	}
	// The header first: a photo over the pixel cap is refused before it
	// is stored, decoded or read by the engine. (A format this header
	// reader does not know is the engine's to refuse: tesseract does.)
	var bad *service.PhotoError
	if _, err := service.CheckPhoto(data); errors.As(err, &bad) && bad.Code() == service.CodePhotoTooLarge {
		return b.slipFailed(ctx, m, bad.Message+"，或直接打字：下单 <客户> <SKU或名称> <数量>")
	}
	rel := filepath.Join("slips", unsafeName.ReplaceAllString(m.MsgKey, "_")+".jpg")
	full := filepath.Join(b.d.DataDir, rel)
	if err := os.MkdirAll(filepath.Dir(full), 0o750); err != nil {
		return service.Handled{}, err
	}
	if err := os.WriteFile(full, data, 0o640); err != nil {
		return service.Handled{}, err
	}
	text, err := b.d.OCR.Text(ctx, data)
	if err != nil {
		b.d.Log.WarnContext(ctx, "ocr failed", "engine", b.d.OCR.Name(), "err", err)
		return b.slipFailed(ctx, m, "照片识别失败（"+b.d.OCR.Name()+"）。请拍清楚再发一次，或直接打字：下单 <客户> <SKU或名称> <数量>")
	}
	q, unread := service.ReadSlip(text)
	if len(q.Lines) == 0 {
		return b.slipFailed(ctx, m, "照片里没有认出商品和数量（每行写「商品 数量」）。请拍清楚再发，或直接打字：下单 <客户> <SKU或名称> <数量>")
	}
	if len(unread) > 0 {
		q.Remark = strings.TrimSpace(q.Remark)
	}
	return b.write(ctx, m, b.renderDraft(m), func(ctx context.Context) error {
		_, err := b.d.Intakes.Draft(ctx, service.DraftInput{Author: m.FromUser, Actor: actor, Key: m.MsgKey, Source: model.SourcePhoto,
			Customer: q.Customer, Lines: q.Lines, Remark: q.Remark, Address: q.Address, Photo: filepath.ToSlash(rel), OCRText: service.ClipOCR(text)})
		return err
	})
}

// slipFailed answers a slip photo that made no draft. The photo was a new
// order: the person's older open draft is dropped (and they are told), so
// their next 确认 cannot place it in the photo's stead (issue 25 #19).
func (b *Bot) slipFailed(ctx context.Context, m model.Inbound, text string) (service.Handled, error) {
	id, err := b.d.Intakes.DropDraft(ctx, m.FromUser)
	if err != nil {
		return service.Handled{}, err
	}
	if id != 0 {
		text += fmt.Sprintf("\n之前的草稿 #%d 已作废（没有下单），以免「确认」下错单；要下那一单请重新发「下单 …」。", id)
	}
	return b.answer(ctx, m, text)
}

// review: 复核 lists held orders; 复核 <编号> shows one with candidates;
// 复核 <编号> 客户=<code> 1=<SKU> … [记住] picks and, when nothing is left,
// places it.
func (b *Bot) review(ctx context.Context, m model.Inbound, actor service.Actor, args []string) (service.Handled, error) {
	if !b.d.Intakes.MayReview(actor) {
		return b.answer(ctx, m, "您的岗位不能复核渠道订单，请联系客服。")
	}
	if len(args) == 0 {
		vs, total, err := b.d.Intakes.List(ctx, service.IntakeFilter{State: model.IntakeReview, Size: 10})
		if err != nil {
			return service.Handled{}, err
		}
		if total == 0 {
			return b.answer(ctx, m, "没有待复核的订单。")
		}
		var d doc
		d.line("%s", bold(fmt.Sprintf("待复核（%d）", total)))
		var items []string
		for _, v := range vs {
			var what []string
			for _, p := range v.Problems {
				what = append(what, problemZh(p))
			}
			items = append(items, fmt.Sprintf("#%d %s %s：%s", v.ID, esc(v.ChannelName), esc(v.ExternalID), esc(strings.Join(what, "；"))))
		}
		d.list(items, 10, "…另有 %d 单")
		d.line("%s", comment("发「复核 编号」看候选"))
		return b.answerDoc(ctx, m, &d)
	}
	id, err := strconv.ParseUint(strings.TrimPrefix(args[0], "#"), 10, 64)
	if err != nil {
		return b.answer(ctx, m, "复核编号是数字，例如：复核 12")
	}
	if len(args) == 1 {
		v, err := b.d.Intakes.Get(ctx, id)
		if err != nil {
			return b.refuse(ctx, m, err)
		}
		return b.answerDoc(ctx, m, b.reviewDoc(v))
	}
	r := service.Resolution{Lines: map[int]string{}, Actor: actor}
	for _, w := range args[1:] {
		if w == "记住" || strings.EqualFold(w, "remember") {
			r.Remember = true
			continue
		}
		k, val, ok := strings.Cut(w, "=")
		if !ok || val == "" {
			return b.answer(ctx, m, "看不懂「"+textesc.Text(w, 20)+"」。写法：复核 12 客户=C1 1=BOLT-M8 [记住]")
		}
		if k == "客户" || strings.EqualFold(k, "customer") {
			r.Customer = val
			continue
		}
		n, err := strconv.Atoi(k)
		if err != nil || n < 1 {
			return b.answer(ctx, m, "行号从 1 开始，例如：复核 12 1=BOLT-M8")
		}
		r.Lines[n-1] = val
	}
	return b.write(ctx, m, b.renderPlaced(m), func(ctx context.Context) error {
		_, err := b.d.Intakes.Resolve(ctx, id, r)
		return err
	})
}

func (b *Bot) reviewDoc(v service.IntakeView) *doc {
	var d doc
	d.line("%s %s %s", bold(fmt.Sprintf("复核 #%d", v.ID)), esc(v.ChannelName), esc(v.ExternalID))
	if v.State != model.IntakeReview {
		state := map[string]string{model.IntakePlaced: "已下单", model.IntakeCancelled: "已取消", model.IntakeDraft: "草稿", model.IntakeExpired: "已过期"}[v.State]
		if v.Order != nil {
			state += " " + esc(v.Order.Order.No)
		}
		d.line("状态：%s", state)
		return &d
	}
	if v.Doc.CustomerID != 0 {
		d.line("客户：%s（%s）", esc(v.Doc.CustomerName), esc(v.Doc.CustomerCode))
	}
	var items []string
	for i, l := range v.Doc.Lines {
		if l.ProductID != 0 {
			items = append(items, fmt.Sprintf("%d. %s %s ×%d", i+1, esc(l.MatchedSKU), esc(l.MatchedName), l.Qty))
		} else {
			items = append(items, fmt.Sprintf("%d. %s ×%d", i+1, warning("「"+textesc.Markdown(l.Text(), 30)+"」待选"), l.Qty)+candidateLine(l.Candidates))
		}
	}
	d.list(items, 0, "")
	for _, p := range v.Problems {
		if p.Field == "customer" {
			d.line("%s%s", warning("客户「"+textesc.Markdown(p.Given, 20)+"」待选"), candidateLine(p.Candidates))
		}
	}
	d.line("%s", comment(fmt.Sprintf("选好后发：复核 %d 客户=<客户编码> 1=<SKU> …，加「记住」下次自动认出该渠道的商品编码", v.ID)))
	return &d
}
