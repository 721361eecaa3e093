package ocr_test

import (
	"context"
	"fmt"
	"orderhub/internal/testtool"
	"strings"
	"testing"

	"orderhub/internal/ocr"
	"orderhub/internal/ocr/sliptest"
	"orderhub/service"
)

// slip is one generated slip and what it says.
type slip struct {
	customer string
	lines    [][2]string // item as written, quantity as written
	remark   string
}

func (s slip) text() []string {
	out := []string{"订货单", "客户：" + s.customer}
	for _, l := range s.lines {
		out = append(out, l[0]+"\t"+l[1])
	}
	if s.remark != "" {
		out = append(out, "备注："+s.remark)
	}
	return out
}

var slips = []slip{
	{"上海宏达机电设备有限公司", [][2]string{{"六角螺栓 M8", "20盒"}, {"NUT-M8", "10"}}, "周五前送到"},
	{"苏州精工五金制品厂", [][2]string{{"BOLT-M10-40", "5"}, {"平垫圈 M8", "12盒"}, {"生料带", "30卷"}}, ""},
	{"杭州顺通汽配商行", [][2]string{{"前刹车片 轻卡 LT22", "4套"}, {"BP-REAR-LT22", "4"}}, "开票"},
	{"C004", [][2]string{{"深沟球轴承 6204", "50个"}, {"TAPE-PTFE", "100"}}, "下午送"},
	{"南京恒通设备安装工程公司", [][2]string{{"DRILL-HSS-8", "6盒"}, {"电锤钻头 SDS-plus Φ10", "20支"}, {"喉箍", "3盒"}}, ""},
	{"13900000002", [][2]string{{"不锈钢螺栓 M8", "8盒"}, {"WASHER-M8", "2"}}, "急"},
}

func tesseract(t *testing.T) *ocr.Tesseract {
	t.Helper()
	e := testtool.Tesseract(t)
	_, err := sliptest.Face(36)
	testtool.Font(t, err)
	return e
}

func squash(s string) string { return strings.ToUpper(strings.Join(strings.Fields(s), "")) }

// score counts the fields ReadSlip got right: the customer, each line's
// item and quantity (with its unit), the remark.
func score(want slip, got service.QuickEntry) (right, total int) {
	total = 1 + 2*len(want.lines)
	if squash(got.Customer) == squash(want.customer) {
		right++
	}
	// A line read wrong must not make every later line count as wrong:
	// each written line is looked for by its item, else at its place.
	for i, l := range want.lines {
		var g *service.IntakeLine
		for j := range got.Lines {
			if squash(got.Lines[j].Name) == squash(l[0]) {
				g = &got.Lines[j]
				right++
				break
			}
		}
		if g == nil && i < len(got.Lines) {
			g = &got.Lines[i]
		}
		if g != nil && fmt.Sprint(g.Qty)+g.Unit == l[1] {
			right++
		}
	}
	if want.remark != "" {
		total++
		if got.Remark == want.remark {
			right++
		}
	}
	return right, total
}

// TestSlipExtractionAccuracy renders each slip clean, with noise, and
// rotated, reads it with tesseract and ReadSlip, and reports fields right
// / fields total per condition (docs/benchmarks.md records a run). It
// fails when the clean slips fall below 85% or the whole set below 70%.
func TestSlipExtractionAccuracy(t *testing.T) {
	eng := tesseract(t)
	face, err := sliptest.Face(36)
	if err != nil {
		t.Fatal(err)
	}
	conds := []struct {
		name string
		opt  sliptest.Options
	}{
		{"clean", sliptest.Options{}},
		{"noise 1%", sliptest.Options{Noise: 0.01}},
		{"noise 1%, rotated 1.5°", sliptest.Options{Noise: 0.01, Rotate: 1.5}},
		{"noise 3%, rotated -3°", sliptest.Options{Noise: 0.03, Rotate: -3}},
	}
	allRight, allTotal := 0, 0
	for _, c := range conds {
		right, total := 0, 0
		for i, s := range slips {
			o := c.opt
			o.Seed = uint64(i + 1)
			img, err := sliptest.Render(face, s.text(), o)
			if err != nil {
				t.Fatal(err)
			}
			text, err := eng.Text(context.Background(), img)
			if err != nil {
				t.Fatal(err)
			}
			q, _ := service.ReadSlip(text)
			r, n := score(s, q)
			if r < n {
				t.Logf("%s, slip %d: %d/%d; read %q", c.name, i+1, r, n, text)
			}
			right, total = right+r, total+n
		}
		t.Logf("accuracy %-24s %3d/%3d = %.1f%%", c.name, right, total, 100*float64(right)/float64(total))
		if c.name == "clean" && float64(right) < 0.85*float64(total) {
			t.Errorf("clean slips: %d/%d fields right, want at least 85%%", right, total)
		}
		allRight, allTotal = allRight+right, allTotal+total
	}
	t.Logf("accuracy %-24s %3d/%3d = %.1f%%", "all", allRight, allTotal, 100*float64(allRight)/float64(allTotal))
	if float64(allRight) < 0.7*float64(allTotal) {
		t.Errorf("all slips: %d/%d fields right, want at least 70%%", allRight, allTotal)
	}
}

func TestFindTesseract(t *testing.T) {
	if _, err := ocr.FindTesseract(context.Background(), "no-such-tesseract-binary"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("missing binary = %v", err)
	}
	if e := tesseract(t); e.Name() != "tesseract" {
		t.Fatal(e.Name())
	}
}
