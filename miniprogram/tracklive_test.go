package miniprogram_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub/internal/testtool"
	"orderhub/model/modeltest"
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
