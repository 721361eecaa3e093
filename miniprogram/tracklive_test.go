package miniprogram_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub/internal/testtool"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

// TestTrackingPageETag: the page carries an ETag of what it shows; asked
// again with it, an unchanged order answers 304 (even as the clock moves
// the "updated at" line), a changed one the new page.
func TestTrackingPageETag(t *testing.T) {
	h := newHarness(t, modeltest.SQLite(t), harnessOpts{})
	tok := h.login("dev:zhang")
	no := h.order(tok, "k", `[{"sku":"NUT-M8","qty":2}]`)
	link := "/t/" + h.tracking.Token(no)
	r := h.do("GET", link, "", "")
	tag := r.header.Get("ETag")
	if r.code != 200 || tag == "" || !strings.Contains(string(r.body), "If-None-Match") || !strings.Contains(string(r.body), tag[1:len(tag)-1]) {
		t.Fatalf("page = %d, ETag %q; the page does not poll with its tag", r.code, tag)
	}
	h.clock.Add(5 * time.Minute)
	if r := h.do("GET", link, "", "", "If-None-Match", tag); r.code != http.StatusNotModified || len(r.body) != 0 {
		t.Fatalf("unchanged = %d (%d bytes), want 304", r.code, len(r.body))
	}
	h.advance(no, "confirmed")
	r = h.do("GET", link, "", "", "If-None-Match", tag)
	if r.code != 200 || r.header.Get("ETag") == tag || !strings.Contains(string(r.body), "已确认") {
		t.Fatalf("changed = %d, ETag %q (was %q)", r.code, r.header.Get("ETag"), tag)
	}
}

// TestTrackingPageRefreshesInChromium: a page left open in a phone's
// browser (headless Chromium, timers run on virtual time) shows the
// order's new stage without a reload: it polls, gets the changed page and
// swaps it in.
func TestTrackingPageRefreshesInChromium(t *testing.T) {
	bin := testtool.Chromium(t)
	h := newHarness(t, modeltest.SQLite(t), harnessOpts{})
	tok := h.login("dev:zhang")
	no := h.order(tok, "k", `[{"sku":"NUT-M8","qty":2}]`)
	var once sync.Once
	// The order is confirmed right after the browser got the page: only a
	// page that polls can show it.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.handler.ServeHTTP(w, r)
		if strings.HasPrefix(r.URL.Path, "/t/") {
			once.Do(func() { h.advance(no, "confirmed") })
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=390,844", "--virtual-time-budget=45000",
		"--dump-dom", srv.URL+"/t/"+h.tracking.Token(no)).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if !bytes.Contains(out, []byte(`<div class="stage">已确认</div>`)) {
		t.Fatalf("the open page did not refresh to 已确认:\n%s", out)
	}
}

// TestTrackingPageShowsProblemStepsLive: a buyer's problem moving while
// the page is open (reported and taken up after one load, resolved after
// another) reaches the open page by its polling, in headless Chromium on
// virtual time; the second run is a screenshot of the refreshed page,
// kept in ORDERHUB_KEEP_SCREENSHOTS (a directory) when set, to look at.
func TestTrackingPageShowsProblemStepsLive(t *testing.T) {
	bin := testtool.Chromium(t)
	h := newHarness(t, modeltest.SQLite(t), harnessOpts{servicePhone: "400-820-1234"})
	ctx := context.Background()
	tok := h.login("dev:zhang")
	no := h.order(tok, "k", `[{"sku":"NUT-M8","qty":2}]`)
	h.advance(no, "confirmed")
	must(h.catalog.CreateStaff(ctx, catalog.StaffInput{UserID: "cslead", Name: "钱主管", Roles: []string{"cs_lead"}}))
	cs := service.Actor{Kind: service.ActorStaff, ID: "cslead", Name: "钱主管", Roles: []string{"cs_lead"}}
	var tk string
	var mu sync.Mutex
	var change func()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.handler.ServeHTTP(w, r)
		if strings.HasPrefix(r.URL.Path, "/t/") {
			mu.Lock()
			f := change
			change = nil
			mu.Unlock()
			if f != nil {
				f()
			}
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	run := func(out string, then func()) []byte {
		t.Helper()
		mu.Lock()
		change = then
		mu.Unlock()
		c, cancel := context.WithTimeout(ctx, 90*time.Second)
		defer cancel()
		b, err := exec.CommandContext(c, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
			"--user-data-dir="+filepath.Join(dir, "profile-"+filepath.Base(out)), "--window-size=390,1100", "--hide-scrollbars",
			"--force-device-scale-factor=1", "--lang=zh-CN", "--virtual-time-budget=45000", out, srv.URL+"/t/"+h.tracking.Token(no)).Output()
		if err != nil {
			t.Fatalf("chromium %s: %v", out, err)
		}
		return b
	}
	dom := run("--dump-dom", func() {
		r := h.do("POST", "/api/mp/v1/orders/"+no+"/problems", tok, `{"kind":"破损","description":"外箱压坏，两盒螺母散落"}`)
		if r.code != http.StatusCreated {
			t.Errorf("report = %d %s", r.code, r.body)
			return
		}
		tk = r.json(t)["ticket"].(map[string]any)["no"].(string)
		h.clock.Add(10 * time.Minute)
		if _, err := h.tickets.Ack(ctx, tk, cs, nil); err != nil {
			t.Error(err)
		}
	})
	for _, want := range []string{"反馈问题（破损）：外箱压坏，两盒螺母散落", "问题已受理，正在处理（工单 " + tk + "）"} {
		if !bytes.Contains(dom, []byte(want)) {
			t.Fatalf("the open page did not refresh to %q:\n%s", want, dom)
		}
	}
	shot := filepath.Join(dir, "tracking-live.png")
	run("--screenshot="+shot, func() {
		h.clock.Add(40 * time.Minute)
		if _, err := h.tickets.Resolve(ctx, tk, "已补发两盒，顺丰 SF7788", cs, nil); err != nil {
			t.Error(err)
		}
	})
	raw, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() != 390 || colours(img) < 50 {
		t.Fatalf("screenshot: %v, %v, %d colours", err, img.Bounds(), colours(img))
	}
	if keep := os.Getenv("ORDERHUB_KEEP_SCREENSHOTS"); keep != "" {
		if err := os.WriteFile(filepath.Join(keep, "tracking-live.png"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
