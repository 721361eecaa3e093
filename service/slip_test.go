package service_test

import (
	"testing"

	"orderhub/service"
	"orderhub/service/catalog"
)

var slipCatalog = []catalog.ProductInput{
	{SKU: "BOLT-M8-30", Name: "六角螺栓", Spec: "M8×30 8.8级 镀锌", Unit: "盒(100只)"},
	{SKU: "BOLT-M10-40", Name: "六角螺栓", Spec: "M10×40 8.8级 镀锌", Unit: "盒(50只)"},
	{SKU: "SS-BOLT-M8-25", Name: "不锈钢螺栓", Spec: "M8×25 304", Unit: "盒(100只)"},
	{SKU: "SS-BOLT-M10-30", Name: "不锈钢螺栓", Spec: "M10×30 304", Unit: "盒(50只)"},
	{SKU: "NUT-M8", Name: "六角螺母", Spec: "M8 8级 镀锌", Unit: "盒(200只)"},
	{SKU: "DRILL-SDS-10", Name: "电锤钻头", Spec: "SDS-plus Φ10×160", Unit: "支"},
	{SKU: "TAPE-PTFE", Name: "生料带", Spec: "20m×18mm", Unit: "卷"},
	{SKU: "AB-12", Name: "试验件甲", Unit: "个"},
	{SKU: "AB1-2", Name: "试验件乙", Unit: "个"},
}

// TestSlipNormalises: what OCR gets wrong in predictable ways is read as
// meant — a unit's glyph misread after a quantity, × written x, a SKU's
// hyphen lost or its 1 read I, Φ read 中, one Chinese character off — and
// nothing is taken that two products could be.
func TestSlipNormalises(t *testing.T) {
	text := "客户：上海宏达\n" +
		"六角螺栓 M8 20会\n" + // 盒 read 会: the quantity stands, the unit is the product's
		"六角螺栓 M8x30 3\n" + // x for ×
		"NUTM8 10\n" + // hyphen lost
		"BOLT-MI0-40 5\n" + // 1 read I
		"电锤钻头 SDS-plus 中10 20支\n" + // Φ read 中
		"六角蝶栓 M10×40 2盒\n" + // 螺 read 蝶
		"不锈钢蝶栓 4\n" + // one character off, and two products fit: not taken
		"AB12 1\n" + // AB-12 and AB1-2 share the loose key: not taken
		"无此商品 7会\n" // not matched: the unread unit is dropped
	q, unread := service.ReadSlip(text)
	if len(unread) != 0 {
		t.Fatalf("unread %q", unread)
	}
	lines := service.MatchSlip(slipCatalog, q.Lines)
	want := []struct {
		sku, unit, by string
		qty           int64
	}{
		{"BOLT-M8-30", "盒", "name", 20}, // the only 六角螺栓 of size M8 here
		{"BOLT-M8-30", "", "name", 3},
		{"NUT-M8", "", "sku", 10},
		{"BOLT-M10-40", "", "sku", 5},
		{"DRILL-SDS-10", "支", "name", 20},
		{"BOLT-M10-40", "盒", "near", 2},
		{"", "", "", 4},
		{"", "", "", 1},
		{"", "", "", 7},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines: %+v", len(lines), lines)
	}
	for i, w := range want {
		l := lines[i]
		if l.MatchedSKU != w.sku || l.Unit != w.unit || l.By != w.by || l.Qty != w.qty {
			t.Errorf("line %d %q: got sku %q unit %q by %q qty %d, want %+v", i+1, l.Name, l.MatchedSKU, l.Unit, l.By, l.Qty, w)
		}
	}
	if len(lines[6].Candidates) != 2 {
		t.Errorf("不锈钢蝶栓: candidates %+v, want both stainless bolts", lines[6].Candidates)
	}
}
