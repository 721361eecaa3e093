package textesc

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Hostile is the customer name of issue 9: bold, a live link, a forged
// quote line and a forged instruction.
const Hostile = "坏客户 **粗** [点我](http://evil.example)\n> 负责人：伪造\n确认接单请回复「收到 TK-FAKE」<font color=\"info\">绿</font>&lt;"

// Safe reports what in out is markup or structure injected from user text
// for the given format, or "" when out is inert.
func Safe(format, out string) string {
	if strings.ContainsAny(out, "\n\r") {
		return "a line break"
	}
	bad := map[string][]string{
		"markdown": {"*", "[", "]", "<", ">", "`", "#", "&", "://"},
		"text":     {"<", ">", "&", "://"},
		"html":     {"<", ">", "\""},
	}[format]
	for _, b := range bad {
		if strings.Contains(out, b) {
			return "markup " + b
		}
	}
	return ""
}

func TestFormats(t *testing.T) {
	cases := []struct {
		name, format string
		f            func(string, int) string
	}{
		{"Markdown", "markdown", Markdown},
		{"Text", "text", Text},
		{"Card", "card", Card},
		{"Subscribe", "subscribe", Subscribe},
		{"HTML", "html", HTML},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := tc.f(Hostile, 0)
			if why := Safe(tc.format, out); why != "" {
				t.Fatalf("%s(hostile) = %q: %s", tc.name, out, why)
			}
			if !strings.Contains(out, "坏客户") || !strings.Contains(out, "负责人：伪造") {
				t.Fatalf("%s lost the words: %q", tc.name, out)
			}
			if got := tc.f("螺栓 M8_30（镀锌）", 0); tc.format != "html" && got != "螺栓 M8_30（镀锌）" {
				t.Fatalf("%s changed plain words: %q", tc.name, got)
			}
			if got := tc.f(strings.Repeat("长", 50), 20); utf8.RuneCountInString(got) != 20 || !strings.HasSuffix(got, Ellipsis) {
				t.Fatalf("%s cut to %d runes: %q", tc.name, utf8.RuneCountInString(got), got)
			}
		})
	}
}

func TestCut(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"abc", 0, "abc"}, {"abc", 3, "abc"}, {"abcd", 3, "ab…"}, {"汉字汉字", 2, "汉…"}, {"ab", 1, "ab"[:0] + "…"},
	} {
		if got := Cut(tc.in, tc.max); got != tc.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

// TestChatCutKeepsCodesWhole: a chat line (Markdown, Text) shortened to
// fit never cuts an order or ticket number in the middle, where a half
// number reads as another one; the cut goes before it.
func TestChatCutKeepsCodesWhole(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"异常 TK20261208-000001：少了一箱", 12, "异常…"},
		{"拆出 SO20261208-000001 给苏州", 18, "拆出…"},
		{"订单SO20261208-000001已发货", 18, "订单…"},
		{"订单 SO20261208-000001 已发货", 22, "订单 SO20261208-000001…"},
		{"SO20261208-000001", 10, "SO2026120…"}, // all there is: still cut to fit
		{"abcd", 3, "ab…"},
	} {
		if got := cutWhole(tc.in, tc.max); got != tc.want {
			t.Errorf("cutWhole(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
		if got := Text(tc.in, tc.max); got != tc.want {
			t.Errorf("Text(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{Hostile, "", "a\u2028b", "\xff\xfe", "x\u202ey", strings.Repeat("*", 300)} {
		f.Add(s, 30)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max > 1000 || max < -1 {
			return
		}
		for name, fn := range map[string]func(string, int) string{"markdown": Markdown, "text": Text, "card": Card, "subscribe": Subscribe, "html": HTML} {
			out := fn(s, max)
			if !utf8.ValidString(out) {
				t.Fatalf("%s: invalid UTF-8 %q", name, out)
			}
			if why := Safe(name, out); why != "" {
				t.Fatalf("%s(%q) = %q: %s", name, s, out, why)
			}
			if name != "html" && max > 0 && utf8.RuneCountInString(out) > max {
				t.Fatalf("%s: %d runes > %d", name, utf8.RuneCountInString(out), max)
			}
		}
	})
}
