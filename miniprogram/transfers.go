package miniprogram

import (
	"fmt"

	"orderhub/model"
	"orderhub/service"
)

// transferJSON is a transfer between warehouses as the buyer reads it: why
// part of their order waits, in plain words, without the warehouses' inner
// codes or people.
type transferJSON struct {
	SKU    string `json:"sku"`
	Name   string `json:"name"`
	Qty    int64  `json:"qty"`
	Status string `json:"status"`
	// Text says it in a sentence: 六角螺母 ×20 正从其他仓库调往上海仓，到货后一起发出。
	Text string `json:"text"`
}

// buyerTransfers lists the order's live and finished transfers (not the
// cancelled ones) for its buyer.
func buyerTransfers(d service.Detail) []transferJSON {
	names := map[string]string{}
	for _, l := range d.Order.Lines {
		names[l.SKU] = l.Name
	}
	to := d.Warehouse.Name
	if to == "" {
		to = "发货仓"
	}
	var out []transferJSON
	for _, t := range d.Transfers {
		if t.Status == model.TransferCancelled {
			continue
		}
		sku := d.SKUs[t.ProductID]
		name := names[sku]
		if name == "" {
			name = sku
		}
		var text string
		status := t.Status
		switch {
		case t.Status == model.TransferReceived:
			text = fmt.Sprintf("%s ×%d 已从其他仓库调到%s。", name, t.Qty, to)
		case t.DispatchedAt != nil:
			// Pending with its 发出 recorded: on the way.
			status = "dispatched"
			text = fmt.Sprintf("%s ×%d 已从其他仓库发出，正在运往%s，到货后一起发出。", name, t.Qty, to)
		default:
			text = fmt.Sprintf("%s ×%d 正从其他仓库调往%s，到货后一起发出。", name, t.Qty, to)
		}
		out = append(out, transferJSON{SKU: sku, Name: name, Qty: t.Qty, Status: status, Text: text})
	}
	return out
}
