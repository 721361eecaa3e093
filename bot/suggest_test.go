package bot

import (
	"strings"
	"testing"
)

// Suggestions go by meaning; a spelling suggestion only for a slip of
// the keyboard, never to an unrelated command.
func TestClosestByMeaning(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"查库存 螺丝", "库存"},
		{"帮我查一下订单 SO20261124-000001", "订单"},
		{"还有多少M8螺栓", "库存"},
		{"有没有货 BOLT-M8-30", "库存"},
		{"我的任务", "待办"},
		{"少发了一箱", "异常"},
		{"怎么用", "帮助"},
		{"库纯M8", "库存"},
		{"推近 SO20261124-000001", "推进"},
		{"stok M8", "库存"},
		{"advnce SO20261124-000001", "推进"},
		{"采购 BOLT-M8-30 10", ""},
		{"今天天气不错", ""},
		{"xyz", ""},
	} {
		t.Run(tc.text, func(t *testing.T) {
			if got := Closest(tc.text); got != tc.want {
				t.Fatalf("Closest(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

// Every field name the bot shows a keeper (in 还缺 refusals and the help
// examples) is one it accepts.
func TestShownFieldNamesAccepted(t *testing.T) {
	for key, shown := range fieldZh {
		name, _, _ := strings.Cut(shown, "(")
		name, _, _ = strings.Cut(name, "（")
		if got := fieldAliases[name]; got != key {
			t.Errorf("the bot shows %q for %s, but %s= is read as %q", shown, key, name, got)
		}
		// The example in brackets (交期=…) names the field too.
		if i := strings.IndexAny(shown, "(（"); i > 0 {
			if k, _, ok := strings.Cut(strings.Trim(shown[i:], "()（）"), "="); ok && fieldAliases[k] != key {
				t.Errorf("the bot's example %q writes %s=, which is read as %q", shown, k, fieldAliases[k])
			}
		}
	}
	for _, s := range specs {
		if s.cmd == cmdReview {
			continue // 复核's 客户= and 1= are picks, not stage fields
		}
		fs, _ := fields(strings.Fields(normalize(s.example))[1:])
		for k := range fs {
			if !fieldName(k) {
				t.Errorf("help example %q uses field %q, which no stage takes", s.example, k)
			}
		}
	}
	got, _ := fields(strings.Fields(normalize("承诺交期=2026-12-01 18：00 质检员=刘洋")))
	if got["promised_at"] != "2026-12-01 18:00" || got["qc_inspector"] != "刘洋" {
		t.Fatalf("fields = %v", got)
	}
}

func fieldName(k string) bool {
	switch k {
	case "promised_at", "qc_inspector", "carrier", "tracking_no", "waybill_photo":
		return true
	}
	return false
}
