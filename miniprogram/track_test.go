package miniprogram_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"orderhub/internal/testtool"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
)

func TestTrackingPage(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		tok := h.login("dev:zhang")
		h.put("SH", "FM-SS-80", 2)
		no := h.order(tok, "k", `[{"sku":"NUT-M8","qty":2},{"sku":"FM-SS-80","qty":1}]`)
		h.advanceTo(no, "confirmed", "picking")
		link := "/t/" + h.tracking.Token(no)
		r := h.do("GET", link, "", "")
		page := string(r.body)
		if r.code != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Fatalf("page = %d %s", r.code, r.header.Get("Content-Type"))
		}
		for _, want := range []string{no, "zhang", "配货中", "承诺送达", "11月27日 18:00", "配货 · 陈配货", "138****0002", "六角螺母", "× 2", "不锈钢过滤网", `name="viewport"`} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		// A public page: the staff mobile masked, never in full.
		if strings.Contains(page, "13800000002") {
			t.Error("the public page shows a staff member's full mobile number")
		}
		if strings.Contains(page, "运单号") {
			t.Error("a tracking number shown before shipping")
		}
		h.advanceTo(no, "qc", "packed", "shipped")
		page = string(h.do("GET", link, "", "").body)
		for _, want := range []string{"已发货", "顺丰", "SF1234567890", "周发货"} {
			if !strings.Contains(page, want) {
				t.Errorf("shipped page lacks %q", want)
			}
		}
		for _, bad := range []string{
			"/t/" + no + ".AAAAAAAAAAAAAAAAAAAAAA",
			"/t/" + strings.Replace(h.tracking.Token(no), no, "SO20261124-000099", 1),
			"/t/" + no,
			"/t/x",
		} {
			r := h.do("GET", bad, "", "")
			if r.code != http.StatusNotFound || !strings.Contains(string(r.body), "链接无效") || strings.Contains(string(r.body), "六角螺母") {
				t.Errorf("%s = %d, want the 404 page", bad, r.code)
			}
		}
	})
}

// TestTrackingPageInChromium renders the page as a phone's browser does
// (Debian's chromium, headless, 390 px wide) and checks the text is laid
// out and the screenshot is not blank. ORDERHUB_UPDATE_SCREENSHOT=1 copies
// the screenshot to docs/tracking-page.png.
func TestTrackingPageInChromium(t *testing.T) {
	bin := testtool.Chromium(t)
	db := modeltest.SQLite(t)
	h := newHarness(t, db, harnessOpts{servicePhone: "400-820-1234"})
	tok := h.login("dev:zhang")
	must(h.catalog.CreateCustomer(context.Background(), serviceCustomer()))
	h.do("POST", "/api/v1/buyers/dev:zhang/link", adminToken, `{"customer":"C002"}`)
	h.put("SH", "FM-SS-80", 2)
	no := h.order(tok, "k", `[{"sku":"BOLT-M8-30","qty":20},{"sku":"NUT-M8","qty":20},{"sku":"FM-SS-80","qty":1}]`)
	h.advance(no, "confirmed")
	h.clock.Add(3 * time.Hour)
	h.advance(no, "picking")
	h.clock.Add(2 * time.Hour)
	h.advance(no, "qc")
	h.clock.Add(90 * time.Minute)
	h.advance(no, "packed")
	h.clock.Add(2 * time.Hour)
	h.advance(no, "shipped")
	h.clock.Add(5 * time.Hour)
	srv := httptest.NewServer(h.handler)
	defer srv.Close()

	dir := t.TempDir()
	shot := filepath.Join(dir, "tracking.png")
	args := func(extra ...string) []string {
		return append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
			"--no-first-run", "--hide-scrollbars", "--user-data-dir=" + filepath.Join(dir, "profile"), "--window-size=390,1100",
			"--force-device-scale-factor=1", "--lang=zh-CN"}, extra...)
	}
	url := srv.URL + "/t/" + h.tracking.Token(no)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dom, err := exec.CommandContext(ctx, bin, args("--dump-dom", url)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	for _, want := range []string{"已发货", "订单进度", "当前负责人", "发货 · 周发货", "138****0004", "客服热线", "400-820-1234", "SF1234567890", "承诺送达", "已发货：顺丰 SF1234567890"} {
		if !bytes.Contains(dom, []byte(want)) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
	if out, err := exec.CommandContext(ctx, bin, args("--screenshot="+shot, url)...).CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 390 {
		t.Fatalf("screenshot is %dx%d, want 390 wide", b.Dx(), b.Dy())
	}
	if colours(img) < 50 {
		t.Fatalf("screenshot has %d colours: blank page?", colours(img))
	}
	if os.Getenv("ORDERHUB_UPDATE_SCREENSHOT") != "" {
		raw, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("../docs/tracking-page.png", raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func colours(img image.Image) int {
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>8)<<16|(g>>8)<<8|bl>>8] = true
		}
	}
	return len(seen)
}
