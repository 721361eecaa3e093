package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"

	"orderhub/internal/testtool"
	"orderhub/model"
)

// TestMoveInUploadInChromium: on the board's 导入与练习 page an admin
// picks a products sheet; the preview lists every row problem in place
// (row, column, what is wrong, in Chinese) and writes nothing; the fixed
// sheet previews as 「新增 2」, and 导入 writes it. At phone width the
// page is screenshotted.
func TestMoveInUploadInChromium(t *testing.T) {
	bin := testtool.Chromium(t)
	a, srv := testApp(t, false, "")
	dir := t.TempDir()
	bad := filepath.Join(dir, "商品-有错.csv")
	good := filepath.Join(dir, "商品.csv")
	if err := os.WriteFile(bad, []byte("SKU,品名,单位,单价(元)\nNEW-1,新螺丝,盒,abc\nNEW-2,,盒,3.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte("SKU,品名,单位,单价(元)\nNEW-1,新螺丝,盒,12.5\nNEW-2,新螺母,盒,3.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	count := func() int64 {
		var n int64
		a.db.Model(&model.Product{}).Where("sku IN ?", []string{"NEW-1", "NEW-2"}).Count(&n)
		return n
	}

	browser := headless(t, bin)
	page := browser.MustPage("").Timeout(2 * time.Minute)
	page.MustSetViewport(390, 844, 2, true)
	wait := func(what, js string) {
		t.Helper()
		if err := page.Timeout(30 * time.Second).Wait(rod.Eval(js)); err != nil {
			t.Fatalf("%s: %v (page says %q)", what, err, page.MustElement("#upload-result").MustText())
		}
	}

	page.MustNavigate(srv.URL + "/dashboard/movein").MustWaitLoad()
	page.MustElement(`input[name=token]`).MustInput(testToken)
	wait1 := page.MustWaitNavigation()
	page.MustElement(`form[action="/dashboard/login"] button`).MustClick()
	wait1()
	page.MustNavigate(srv.URL + "/dashboard/movein").MustWaitLoad()
	page.MustElement("#upload-kind").MustSelect("商品")
	page.MustElement("#upload-file").MustSetFiles(bad)
	wait("file picked", `() => !document.getElementById("preview-btn").disabled && document.getElementById("import-btn").disabled`)
	page.MustElement("#preview-btn").MustClick()
	wait("problems listed", `() => document.querySelectorAll("#upload-problems tbody tr").length >= 2`)
	problems := page.MustElement("#upload-problems").MustText()
	for _, want := range []string{"第 2 行", "第 3 行", "单价", "品名"} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems table lacks %q:\n%s", want, problems)
		}
	}
	if page.MustEval(`() => document.getElementById("import-btn").disabled`).Bool() != true {
		t.Error("import offered for a sheet with problems")
	}
	if n := count(); n != 0 {
		t.Fatalf("the preview wrote %d products", n)
	}
	page.MustElement("#upload-problems").MustScrollIntoView()
	shot := page.MustScreenshot()

	page.MustElement("#upload-file").MustSetFiles(good)
	page.MustElement("#preview-btn").MustClick()
	wait("preview ok", `() => !!document.getElementById("preview-ok")`)
	if s := page.MustElement("#preview-ok").MustText(); !strings.Contains(s, "新增 2") {
		t.Errorf("preview says %q", s)
	}
	if n := count(); n != 0 {
		t.Fatalf("the preview wrote %d products", n)
	}
	page.MustElement("#import-btn").MustClick()
	wait("imported", `() => !!document.getElementById("import-ok")`)
	if n := count(); n != 2 {
		t.Fatalf("imported %d products, want 2", n)
	}
	out := t.TempDir()
	if os.Getenv("ORDERHUB_UPDATE_SCREENSHOTS") != "" {
		out = "../../docs"
	}
	if len(shot) < 20_000 {
		t.Errorf("screenshot is %d bytes: blank?", len(shot))
	}
	if err := os.WriteFile(filepath.Join(out, "movein-upload-phone.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}
