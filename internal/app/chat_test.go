package app

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"orderhub/bot"
	"orderhub/config"
	"orderhub/internal/chatcli"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// demoServer is a wired orderhub in embedded demo mode (no WeCom corp, so
// replies go to the local WeCom it serves itself), with demo data seeded
// and its bot running, as `orderhub serve` runs it.
type demoServer struct {
	app  *App
	base string
	env  map[string]string // what a newcomer's shell has set for both serve and chat
	// down makes the local WeCom's message/send answer 502, as a WeCom
	// outage does; users in refuse get errcode 40003 (invalid userid).
	down   atomic.Bool
	refuse map[string]bool
}

// startDemo serves a demo orderhub on a port it knows before wiring: the
// demo's local WeCom is reached over HTTP at ORDERHUB_HTTP_ADDR, so that
// address must be the one served.
func startDemo(t testing.TB, mysql bool, clock service.Clock, tweak ...func(*config.Config)) *demoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.HTTPAddr = ln.Addr().String()
	cfg.DataDir = t.TempDir()
	cfg.AdminToken = testToken
	cfg.Secret = "test-secret-shared-by-every-instance-0123456789"
	cfg.Redis.Prefix = "oh_t_" + modeltest.RandomHex(6) + ":"
	if mysql {
		cfg.MySQLDSN = modeltest.FreshMySQLDatabase(t)
		cfg.Redis.Addr = modeltest.RedisAddr()
	}
	for _, f := range tweak {
		f(&cfg)
	}
	if mysql && cfg.WeCom.CorpID == "" {
		// The tests run the demo corp on MariaDB too, on loopback.
		cfg.WeCom.Local = config.WeComLocalInsecure
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := Open(ctx, cfg, modeltest.Log(), clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	if _, err := a.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	d := &demoServer{app: a, env: map[string]string{"ORDERHUB_HTTP_ADDR": cfg.HTTPAddr, "ORDERHUB_DATA_DIR": cfg.DataDir}, refuse: map[string]bool{}}
	srv := httptest.NewUnstartedServer(d.front(a.server.Handler()))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	d.base = srv.URL
	return d
}

// front stands between orderhub and its own local WeCom, failing sends as
// told; everything else passes through. Sends go through it only after
// sendThroughFront.
func (d *demoServer) front(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != bot.LocalPath+"/cgi-bin/message/send" {
			h.ServeHTTP(w, r)
			return
		}
		if d.down.Load() {
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var req struct {
			ToUser string `json:"touser"`
		}
		_ = json.Unmarshal(body, &req)
		if d.refuse[req.ToUser] {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"errcode":40003,"errmsg":"invalid userid"}`)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	})
}

// sendThroughFront points the app's WeCom API base at the served front,
// as ORDERHUB_WECOM_API_BASE points a real one at a proxy.
func (d *demoServer) sendThroughFront() {
	installSDK(d.app.cfg.WeChat.APIBase, d.base+bot.LocalPath)
}

// runBot starts the command runner and the outbox dispatcher until the test ends.
func (d *demoServer) runBot(t *testing.T) {
	stop := d.app.startBot(context.Background())
	t.Cleanup(stop)
}

// chat runs `orderhub chat args...` as a newcomer types it and returns
// what it printed.
func (d *demoServer) chat(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	getenv := func(k string) string { return d.env[k] }
	cfg, err := config.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	err = chatcli.Run(context.Background(), cfg, args, &out)
	return out.String(), err
}

func (d *demoServer) say(t *testing.T, user, text string) string {
	t.Helper()
	out, err := d.chat(t, "--as", user, text)
	if err != nil {
		t.Fatalf("chat --as %s %q: %v\n%s", user, text, err, out)
	}
	return out
}

// readable fails when chat printed WeCom markup a terminal would show as
// noise.
func readable(t *testing.T, out string) string {
	t.Helper()
	for _, markup := range []string{"**", "<font", "</font>", "\n>"} {
		if strings.Contains(out, markup) {
			t.Fatalf("chat printed markup %q:\n%s", markup, out)
		}
	}
	return out
}

func mustContain(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Fatalf("%s printed no %q:\n%s", what, w, got)
		}
	}
}

// orderIn returns the number of a demo order in stage.
func orderIn(t *testing.T, db *gorm.DB, stage string) string {
	t.Helper()
	var o model.Order
	if err := db.Where("stage = ?", stage).Order("id").First(&o).Error; err != nil {
		t.Fatalf("no demo order in %s: %v", stage, err)
	}
	return o.No
}

// A newcomer's first chat with the embedded demo, through the chat
// command itself: the callback it posts is decrypted and run, and the
// replies it prints are what the outbox sent to the local WeCom.
func TestChatCommand(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		d := startDemo(t, mysql, service.SystemClock)
		d.runBot(t)
		picking := orderIn(t, d.app.db, "picking")

		// Markdown replies print without their markup: bold marks and
		// colour tags gone, quotes indented, every word kept.
		mustContain(t, "帮助", readable(t, d.say(t, "wangjg", "帮助")), "库存（stock）", "入库", "盘点", "调拨完成", "例：入库 BOLT-M8-30 SH 200")
		mustContain(t, "库存", readable(t, d.say(t, "wangjg", "库存 BOLT-M8-30")), "BOLT-M8-30 六角螺栓", "\nSH 上海嘉定仓：在库 ", "｜锁定 ", "｜可用 ")
		qc := orderIn(t, d.app.db, "qc")
		mustContain(t, "订单", readable(t, d.say(t, "liuyang", "订单 "+qc)), "订单 "+qc+" ", "阶段：待质检", "\n  负责人：刘洋 13800000005", "\n  承诺交期：", "明细\nDRILL-HSS-5", "最近动态")
		// The picker moves an order on to QC without naming the inspector:
		// the refusal names the missing field, and nothing moved.
		mustContain(t, "推进 without a field", d.say(t, "chenjie", "推进 "+picking+" 待质检"), "还缺", "质检员")
		if got := orderIn(t, d.app.db, "picking"); got != picking {
			t.Fatalf("refused advance moved %s", picking)
		}
		mustContain(t, "推进 with the field", d.say(t, "chenjie", "推进 "+picking+" 待质检 质检员=刘洋"), "已推进", "待质检")
		out := d.say(t, "nobody", "库存 M8")
		mustContain(t, "an unregistered user", out, "不是仓库系统的登记员工")
		if strings.Contains(out, "BOLT") || strings.Contains(out, "在库") {
			t.Fatalf("an unregistered user saw data:\n%s", out)
		}

		// Usage errors say how to use it, and send nothing.
		if _, err := d.chat(t, "帮助"); err == nil || !strings.Contains(err.Error(), "--as") {
			t.Fatalf("chat without --as: %v", err)
		}
	})
}

// The waybill photo from chat: `附件 <单号>`, then `--image file`, lands
// under the data dir and is attached to the order, so 发货 then works.
func TestChatImage(t *testing.T) {
	d := startDemo(t, false, service.SystemClock)
	d.runBot(t)
	packed := orderIn(t, d.app.db, "qc")
	mustContain(t, "推进", d.say(t, "liuyang", "推进 "+packed+" 待发货"), "已推进", "待发货")
	img := filepath.Join(t.TempDir(), "waybill.jpg")
	var buf bytes.Buffer
	pic := image.NewRGBA(image.Rect(0, 0, 8, 8))
	pic.Set(1, 1, color.RGBA{R: 200, A: 255})
	if err := jpeg.Encode(&buf, pic, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	mustContain(t, "附件", d.say(t, "zhoumin", "附件 "+packed), packed)
	out, err := d.chat(t, "--as", "zhoumin", "--image", img)
	if err != nil {
		t.Fatalf("chat --image: %v\n%s", err, out)
	}
	mustContain(t, "--image", out, "运单照片已附到订单 "+packed)
	stored, _ := filepath.Glob(filepath.Join(d.env["ORDERHUB_DATA_DIR"], "waybills", "*", "*.jpg"))
	if len(stored) != 1 {
		t.Fatalf("waybill photos stored: %v", stored)
	}
	if got, _ := os.ReadFile(stored[0]); !bytes.Equal(got, buf.Bytes()) {
		t.Fatal("the stored photo is not the file sent")
	}
	mustContain(t, "发货", d.say(t, "zhoumin", "发货 "+packed+" 顺丰 SF1234567890"), "已发货", "SF1234567890")
}
