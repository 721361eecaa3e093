package bot

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPlain(t *testing.T) {
	cases := []struct{ name, md, want string }{
		{"bold", "**订单 SO1** 客户", "订单 SO1 客户"},
		{"colours", `阶段：**待质检** <font color="warning">已超时 2小时</font>`, "阶段：待质检 已超时 2小时"},
		{"comment", `<font color="comment">11-25 09:00</font> 王建国`, "11-25 09:00 王建国"},
		{"quotes indent", "head\n> 负责人：刘洋\n>承诺交期：11-28", "head\n  负责人：刘洋\n  承诺交期：11-28"},
		{"link", "[订单页](https://x/o/1)", "订单页 (https://x/o/1)"},
		{"plain text unchanged", "已入库：BOLT 在库 5 > 3", "已入库：BOLT 在库 5 > 3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Plain(tc.md); got != tc.want {
				t.Fatalf("Plain(%q) = %q, want %q", tc.md, got, tc.want)
			}
		})
	}
}

func TestEsc(t *testing.T) {
	got := esc("**急**\n> <font color=\"info\">x</font> [a](b) `c` #d")
	for _, bad := range []string{"*", "<", ">", "[", "]", "`", "#", "\n"} {
		if strings.Contains(got, bad) {
			t.Fatalf("esc left %q in %q", bad, got)
		}
	}
	if !strings.Contains(got, "急") || !strings.Contains(got, "x") {
		t.Fatalf("esc lost the words: %q", got)
	}
}

// The byte budget, not only the item cap, cuts a list; the cut line
// counts what was left out, and fixed lines after the list still show.
func TestDocFitsLimit(t *testing.T) {
	cases := []struct {
		name  string
		items int
		size  int // runes of CJK per item (3 bytes each)
		max   int
		shown int // -1: whatever fits
	}{
		{"fits", 5, 20, 0, 5},
		{"capped", 30, 5, 20, 20},
		{"by bytes", 100, 100, 0, -1},
		{"one huge item", 1, 2000, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			d.line("%s", bold("标题"))
			var items []string
			for i := 0; i < tc.items; i++ {
				items = append(items, fmt.Sprintf("第%03d条 %s", i, strings.Repeat("货", tc.size)))
			}
			d.list(items, tc.max, "…另有 %d 条，用「工单」查看")
			d.line("%s", comment("结尾"))
			got := d.String()
			if len(got) > MarkdownLimit || !utf8.ValidString(got) {
				t.Fatalf("%d bytes (valid UTF-8: %v)", len(got), utf8.ValidString(got))
			}
			if !strings.HasPrefix(got, "**标题**\n") || !strings.HasSuffix(got, comment("结尾")) {
				t.Fatalf("fixed lines lost:\n%s", got)
			}
			shown := strings.Count(got, "条 货")
			if tc.shown >= 0 && shown != tc.shown {
				t.Fatalf("%d shown, want %d", shown, tc.shown)
			}
			if left := tc.items - shown; left > 0 {
				if !strings.Contains(got, fmt.Sprintf("…另有 %d 条，用「工单」查看", left)) {
					t.Fatalf("no cut line for %d left out:\n%s", left, got)
				}
			} else if strings.Contains(got, "另有") {
				t.Fatalf("a cut line when nothing was cut:\n%s", got)
			}
			for i := 0; i < shown; i++ { // in order, from the first
				if !strings.Contains(got, fmt.Sprintf("第%03d条", i)) {
					t.Fatalf("item %d missing while later ones show", i)
				}
			}
		})
	}
}
