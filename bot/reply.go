package bot

import (
	"errors"
	"fmt"
	"strings"

	"orderhub/internal/textesc"
	"orderhub/service"
)

var whatZh = map[string]string{
	"order": "订单", "product": "商品", "transfer": "调拨单", "warehouse": "仓库", "staff": "员工", "customer": "客户", "ticket": "工单",
}

var fieldZh = map[string]string{
	"promised_at": "承诺交期(交期=2026-11-30 18:00)", "qc_inspector": "质检员(质检员=姓名)",
	"carrier": "快递公司", "tracking_no": "运单号", "waybill_photo": "运单照片(先发「附件 <单号>」再发照片)",
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
	)
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
			if zh, ok := fieldZh[f]; ok {
				names[i] = zh
			} else {
				names[i] = f
			}
		}
		return fmt.Sprintf("进入「%s」还缺：%s。", b.pipe.Name(missing.Stage), strings.Join(names, "、")), true
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
	case errors.As(err, &inv):
		switch inv.Code() {
		case service.CodeInvalidTime:
			return "时间格式不对，例如：交期=2026-11-30 18:00", true
		case service.CodeUnknownStage:
			return "没有这个阶段。阶段有：" + b.stageList() + "。", true
		case service.CodeInvalidField:
			return "字段名要用英文小写，例如 qc_inspector=刘洋，或中文别名 质检员=刘洋。", true
		}
		return "输入有误：" + inv.Error(), true
	case errors.As(err, &conf):
		switch conf.Code() {
		case service.CodeTransfersPending:
			return "还有调拨单没到货，不能发货：" + conf.Message + "。到货后发「调拨完成 <编号>」。", true
		case service.CodeTransferNotPending:
			return "这张调拨单已经处理过了（" + conf.Message + "）。", true
		case service.CodeOrderMoved:
			return "订单刚被别人推进了，请发「订单 <单号>」看看最新状态。", true
		case service.CodeAlreadyCancelled, service.CodeOrderCancelled:
			return "订单已取消。", true
		case service.CodeNotCancellable:
			return "订单已经不能取消了（" + conf.Message + "）。", true
		case service.CodeStockChanged:
			return "盘点时库存刚好有变动，请再盘一次。", true
		case service.CodeAlreadyAcknowledged:
			return "这张工单已经有人接单了。发「工单」看看现在的状态。", true
		case service.CodeTicketDone:
			return "这张工单已经处理完了（" + conf.Message + "）。", true
		}
		return "操作没有成功：" + conf.Message, true
	case errors.Is(err, service.ErrInvalid), errors.Is(err, service.ErrConflict), errors.Is(err, service.ErrForbidden), errors.Is(err, service.ErrNotFound):
		return "操作没有成功：" + err.Error(), true
	}
	return "", false
}
