package sliptest

// Slip is one order slip as a person wrote it: what the labelled image
// set holds, and what reading it should give back.
type Slip struct {
	Customer string `json:"customer"`
	Lines    []Line `json:"lines"`
	Remark   string `json:"remark,omitempty"`
}

// Line is one item as written, its quantity as written (20盒, 10) and
// the demo catalogue's SKU it means.
type Line struct {
	Item string `json:"item"`
	Qty  string `json:"qty"`
	SKU  string `json:"sku"`
}

// Text is the slip's lines as Render draws them: a title, the customer,
// "item<TAB>quantity" per line (the quantity in its own column, as slips
// are ruled), the remark.
func (s Slip) Text() []string {
	out := []string{"订货单", "客户：" + s.Customer}
	for _, l := range s.Lines {
		out = append(out, l.Item+"\t"+l.Qty)
	}
	if s.Remark != "" {
		out = append(out, "备注："+s.Remark)
	}
	return out
}

// Slips are the slips of the labelled set, written against the demo
// catalogue: names with sizes (M8×30), bare codes with hyphens, units
// after quantities, a phone number or code for the customer.
var Slips = []Slip{
	{"上海宏达机电设备有限公司", []Line{{"六角螺栓 M8×30", "20盒", "BOLT-M8-30"}, {"NUT-M8", "10", "NUT-M8"}}, "周五前送到"},
	{"苏州精工五金制品厂", []Line{{"BOLT-M10-40", "5", "BOLT-M10-40"}, {"平垫圈 M8", "12盒", "WASHER-M8"}, {"生料带", "30卷", "TAPE-PTFE"}}, ""},
	{"杭州顺通汽配商行", []Line{{"前刹车片 轻卡 LT22", "4套", "BP-FRONT-LT22"}, {"BP-REAR-LT22", "4", "BP-REAR-LT22"}}, "开票"},
	{"C004", []Line{{"深沟球轴承 6204", "50个", "BEARING-6204"}, {"TAPE-PTFE", "100", "TAPE-PTFE"}}, "下午送"},
	{"南京恒通设备安装工程公司", []Line{{"DRILL-HSS-8", "6盒", "DRILL-HSS-8"}, {"电锤钻头 SDS-plus Φ10", "20支", "DRILL-SDS-10"}, {"喉箍", "3盒", "HOSE-CLAMP-32"}}, ""},
	{"13900000002", []Line{{"不锈钢螺栓 M8", "8盒", "SS-BOLT-M8-25"}, {"WASHER-M8", "2", "WASHER-M8"}}, "急"},
	{"无锡华东紧固件有限公司", []Line{{"六角螺母 M10", "15盒", "NUT-M10"}, {"膨胀螺栓 M10×100", "8盒", "ANCHOR-M10"}, {"丝锥 M8×1.25", "10支", "TAP-M8"}}, "周末不收"},
	{"常州协力机械厂", []Line{{"SCREW-ST4-16", "6", "SCREW-ST4-16"}, {"三角带 A-1000", "12根", "VBELT-A1000"}, {"锂基润滑脂", "2桶", "GREASE-LI3"}}, "请开专票"},
}

// Condition is how one series of the set was photographed.
type Condition struct {
	Name string  `json:"name"`
	Font string  `json:"font"` // "sans", "serif" or "kai" (brush script, the nearest to a neat hand)
	Opt  Options `json:"-"`
}

// Conditions are the series of the labelled set: each slip is drawn once
// in each.
var Conditions = []Condition{
	{"clean", "sans", Options{}},
	{"noisy", "sans", Options{Noise: 0.03}},
	{"rotated", "sans", Options{Noise: 0.01, Rotate: -3}},
	{"shadowed", "sans", Options{Shadow: 0.55, Noise: 0.005}},
	{"angle", "sans", Options{Tilt: 0.12, Rotate: 1}},
	{"serif", "serif", Options{Noise: 0.01}},
	{"kai", "kai", Options{Noise: 0.005}},
	{"kai shadowed", "kai", Options{Shadow: 0.45, Rotate: 1.5}},
}
