package bot

import (
	"errors"
	"fmt"
	"strings"

	"orderhub/internal/textesc"
	"orderhub/model"
	"orderhub/service"
)

var whatZh = map[string]string{
	"order": "订单", "product": "商品", "transfer": "调拨单", "warehouse": "仓库", "staff": "员工", "customer": "客户", "ticket": "工单", "intake": "复核单", "draft": "草稿", "link_request": "关联申请",
}

var fieldZh = map[string]string{
	"promised_at": "承诺交期", "qc_inspector": "质检员（质检员=姓名）",
	"carrier": "快递公司（快递公司=顺丰）", "tracking_no": "运单号（运单号=SF1234567890）", "waybill_photo": "运单照片（先发「附件 <单号>」再发照片）",
}

// explain turns a refusal into one chat line a keeper can act on, once,
// here. ok is false for internal errors, which the runner retries.
func (b *Bot) explain(err error) (string, bool) {
	var (
		nf      *service.NotFoundError
		missing *service.MissingFieldsError
		trans   *service.TransitionError
		forbid  *service.ForbiddenError
		below   *service.BelowLockedError
		inv     *service.InvalidError
		conf    *service.ConflictError
		short   *service.ShortError
	)
	if line, ok := b.explainIntake(err); ok {
		return line, true
	}
	var linkCust *service.LinkCustomerError
	if errors.As(err, &linkCust) {
		if linkCust.Customer != "" {
			return fmt.Sprintf("没有客户编码「%s」。请写明关联到哪个客户，例如：关联 %s 同意 C1。", textesc.Text(linkCust.Customer, 32), linkCust.No), true
		}
		return fmt.Sprintf("关联申请 %s 没有对上客户。请写明关联到哪个客户，例如：关联 %s 同意 C1。", linkCust.No, linkCust.No), true
	}
	switch {
	case errors.As(err, &nf):
		what := whatZh[nf.What]
		if what == "" {
			what = nf.What
		}
		return fmt.Sprintf("没有找到%s「%s」，请核对后再发。", what, textesc.Text(nf.Key, 30)), true
	case errors.As(err, &missing):
		names := make([]string, len(missing.Fields))
		for i, f := range missing.Fields {
			if f == "promised_at" {
				// The example is a date ahead of today, never one past.
				names[i] = "承诺交期（承诺交期=" + exampleTime(b.now(), b.d.Location) + "，或 交期=后天18点）"
			} else if zh, ok := fieldZh[f]; ok {
				names[i] = zh
			} else {
				names[i] = f
			}
		}
		line := fmt.Sprintf("进入「%s」还缺：%s。", b.pipe.Name(missing.Stage), strings.Join(names, "、"))
		if p := missing.Proposal; p != nil {
			line += fmt.Sprintf("\n系统建议交期：%s。\n采用建议请在命令后加 交期=建议；也可以写您自己的时间。", textesc.Text(p.Words(b.d.Location), 300))
		}
		return line, true
	case errors.As(err, &trans):
		if len(trans.Allowed) == 0 {
			return fmt.Sprintf("订单已是「%s」，不能再推进。", b.pipe.Name(trans.From)), true
		}
		allowed := make([]string, len(trans.Allowed))
		for i, a := range trans.Allowed {
			allowed[i] = b.pipe.Name(a)
		}
		return fmt.Sprintf("订单现在是「%s」，只能推进到「%s」。", b.pipe.Name(trans.From), strings.Join(allowed, "」或「")), true
	case errors.As(err, &forbid):
		return fmt.Sprintf("您没有权限做这件事。需要岗位：%s。", roleNames(forbid.Need)), true
	case errors.As(err, &below):
		return fmt.Sprintf("%s 在 %s：已有 %d 件锁定给订单，实盘/在库不能低于它（您要改成 %d，现在在库 %d）。请复核实物，或先处理占用的订单。",
			below.SKU, below.Warehouse, below.Locked, below.Want, below.OnHand), true
	case errors.As(err, &short):
		parts := make([]string, len(short.Lines))
		for i, l := range short.Lines {
			parts[i] = fmt.Sprintf("%s 要 %d，各仓共可用 %d", l.SKU, l.Want, max(l.Available, 0))
		}
		return "库存不足（insufficient stock），什么都没有锁定：" + strings.Join(parts, "；") + "。可以先发「库存 <SKU>」看各仓库存。", true
	case errors.As(err, &inv):
		switch inv.Code() {
		case service.CodeInvalidTime:
			return "时间格式不对，例如：交期=" + exampleTime(b.now(), b.d.Location) + "，或 交期=后天18点、交期=下周一 9点半", true
		case service.CodePromiseInPast:
			return "交期不能早于现在（现在 " + b.now().In(b.d.Location).Format("01-02 15:04") + "）：您写的时间已经过去了。请写将来的时间，例如：交期=" +
				exampleTime(b.now(), b.d.Location) + "，或 交期=后天18点；也可以写 交期=建议。", true
		case service.CodeInvalidRange:
			if strings.HasSuffix(inv.Field, "promised_at") {
				return "交期的年份不对（须在 2000 到 9999 年之间），例如：交期=" + exampleTime(b.now(), b.d.Location) + "，或 交期=后天18点", true
			}
		case service.CodePhotoNotUploaded:
			return "运单照片要发真的照片，不能写文字：请先发「附件 <单号>」，再发照片；照片附上后，发货时不用再写 运单照片=…。", true
		case service.CodeUnknownStage:
			return "没有这个阶段。阶段有：" + b.stageList() + "。", true
		case service.CodeInvalidField:
			return "字段名要用英文小写，例如 qc_inspector=刘洋，或中文别名 质检员=刘洋、承诺交期=" + exampleTime(b.now(), b.d.Location) + "。", true
		}
		return invalidZh(inv), true
	case errors.As(err, &conf):
		return conflictZh(conf), true
	case errors.Is(err, service.ErrInvalid):
		return "输入有误，请照「帮助」里的例子再发一次。", true
	case errors.Is(err, service.ErrConflict):
		return "现在不能这样做，请发「订单 <单号>」或「工单」看看最新状态。", true
	case errors.Is(err, service.ErrForbidden):
		return "您没有权限做这件事。", true
	case errors.Is(err, service.ErrNotFound):
		return "没有找到，请核对后再发。", true
	}
	return "", false
}

// invalidZh says what was wrong with an input in Chinese: the field by its
// Chinese name, the rule by its code (the service's message is English).
func invalidZh(inv *service.InvalidError) string {
	field := strings.TrimPrefix(inv.Field, "fields.")
	if zh, ok := inputZh[field]; ok {
		field = zh
	} else if zh, ok := fieldZh[field]; ok {
		field = zh
	}
	what := "格式不对"
	switch inv.Code() {
	case service.CodeRequired:
		what = "不能为空"
	case service.CodeTooLong:
		what = "太长了"
	case service.CodeInvalidQty:
		what = "要是大于 0 的整数"
	case service.CodeNoLines:
		what = "至少要有一行"
	case service.CodeTooManyLines:
		what = "行数太多"
	}
	if field == "" {
		return "输入有误：" + what + "。"
	}
	return "输入有误：「" + field + "」" + what + "。"
}

var inputZh = map[string]string{
	"address": "收货地址", "remark": "备注", "note": "说明", "description": "描述", "customer": "客户", "lines": "明细",
	"sku": "SKU", "qty": "数量", "warehouse": "仓库", "reason": "原因", "carrier": "快递公司", "waybill_no": "运单号",
}

// conflictZh says why a state refused a command, in Chinese, from the
// conflict's code and what it is about (never its English message).
func conflictZh(c *service.ConflictError) string {
	subject := c.Subject
	switch c.Code() {
	case service.CodeTransfersPending:
		return fmt.Sprintf("订单 %s 还有调拨单没到货，不能发货：调拨单 %s 到货后才能发（transfers pending）。到货后由收货仓发「调拨完成 <编号>」。",
			subject, strings.Join(c.Items, "、"))
	case service.CodeTransferNotPending:
		return fmt.Sprintf("调拨单 %s 已经%s，不用再处理。", subject, transferStatusZh(c.State))
	case service.CodeTransferDispatched:
		return fmt.Sprintf("调拨单 %s 已经发出过了（%s），到货后由收货仓发「调拨完成」。", subject, strings.Join(c.Items, " "))
	case service.CodeOrderMoved:
		return "订单刚被别人推进了，请发「订单 " + subject + "」看看最新状态。"
	case service.CodeAlreadyCancelled, service.CodeOrderCancelled:
		return "订单 " + subject + " 已取消。"
	case service.CodeNotCancellable:
		return fmt.Sprintf("订单 %s 已是「%s」，不能取消了（not cancellable）。确需取消请找主管。", subject, c.State)
	case service.CodeNotShipped:
		return fmt.Sprintf("订单 %s 还是「%s」，发货后才能确认收货（not shipped）。", subject, c.State)
	case service.CodeAlreadyDelivered:
		return "订单 " + subject + " 已经签收了。"
	case service.CodeStockChanged:
		return "盘点时库存刚好有变动，请再盘一次。"
	case service.CodeAlreadyAcknowledged:
		return "工单 " + subject + " 已经有人接单了。发「工单」看看现在的状态。"
	case service.CodeTicketDone:
		return fmt.Sprintf("工单 %s 已经处理完了（%s），不用再处理。", subject, service.TicketStateName(c.State))
	case service.CodeNotResolved:
		return fmt.Sprintf("工单 %s 还没处理完（%s），先发「处理 %s 说明」。", subject, service.TicketStateName(c.State), subject)
	case service.CodeLinkRequestDecided:
		return fmt.Sprintf("关联申请 %s 已经处理过了（%s），不用再处理。", subject, service.LinkRequestStateName(c.State))
	case service.CodeIdempotencyKeyReused:
		return "这个请求编号已用于另一张订单，请换一个再下。"
	case service.CodeNoWarehouses:
		return "系统里还没有设置仓库，请联系管理员。"
	case service.CodeSKUExists, service.CodeWarehouseExists, service.CodeCustomerExists, service.CodeStaffExists:
		return "已经有了，不用重复登记。"
	}
	return "现在不能这样做（" + c.Code() + "），请发「订单 <单号>」或「工单」看看最新状态，或联系主管。"
}

func transferStatusZh(status string) string {
	switch status {
	case model.TransferReceived:
		return "到货"
	case model.TransferCancelled:
		return "取消"
	}
	return "处理"
}
