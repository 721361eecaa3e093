package division

import "testing"

func TestSplit(t *testing.T) {
	tab := Load()
	if tab.Len() < 3000 {
		t.Fatalf("only %d divisions loaded", tab.Len())
	}
	tests := []struct {
		in   string
		want Address
	}{
		{"广东省深圳市南山区科技园路1号", Address{"广东省", "深圳市", "南山区", "科技园路1号", "440305"}},
		{"广东 深圳 南山区 科技园路1号", Address{"广东省", "深圳市", "南山区", "科技园路1号", "440305"}},
		{"深圳市南山区科技园路1号", Address{"广东省", "深圳市", "南山区", "科技园路1号", "440305"}},
		{"北京市朝阳区建国路88号", Address{"北京市", "北京市", "朝阳区", "建国路88号", "110105"}},
		{"上海市 嘉定区 安亭镇墨玉路 185 号", Address{"上海市", "上海市", "嘉定区", "安亭镇墨玉路185号", "310114"}},
		{"浙江省杭州市滨江区长河街道", Address{"浙江省", "杭州市", "滨江区", "长河街道", "330108"}},
		{"广西壮族自治区南宁市青秀区民族大道", Address{"广西壮族自治区", "南宁市", "青秀区", "民族大道", "450103"}},
		// 朝阳区 is in Beijing and in Changchun: without a city it is not guessed.
		{"朝阳区建国路88号", Address{Detail: "朝阳区建国路88号"}},
		{"仓库自提", Address{Detail: "仓库自提"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := tab.Split(tc.in); got != tc.want {
				t.Errorf("Split(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}
