package bot_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

func contains(t *testing.T, got []string, want ...string) {
	t.Helper()
	all := strings.Join(got, "\n---\n")
	if len(got) == 0 {
		t.Fatalf("no reply; want %q", want)
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Fatalf("reply lacks %q:\n%s", w, all)
		}
	}
}

// A keeper's day from chat: every command's happy path and its refusals.
func TestCommands(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		qcOrder := e.orderIn("qc")
		pending, err := e.trans.List(context.Background(), service.TransferFilter{Status: model.TransferPending})
		if err != nil {
			t.Fatal(err)
		}
		pendingWant := "没有待处理的调拨单"
		if len(pending) > 0 {
			pendingWant = "**#" + strconv.FormatUint(pending[0].ID, 10) + "**"
		}
		cases := []struct {
			name, user, text string
			want             []string
		}{
			{"help keeper", "wangjg", "帮助", []string{"**库存**", "**入库**", "**盘点**", "**调拨完成**"}},
			{"help picker lacks keeper commands", "chenjie", "help", []string{"推进"}},
			{"unknown user", "stranger", "库存 M8", []string{"不是仓库系统的登记员工"}},
			{"not understood", "wangjg", "库纯 M8", []string{"没看懂", "库存"}},
			{"stock by sku, full-width", "wangjg", "库存　ＢＯＬＴ－Ｍ８－３０", []string{"**BOLT-M8-30**", "上海嘉定仓：在库", "｜锁定", "｜可用"}},
			{"stock gloves-on", "wangjg", "库存螺栓M8", []string{"**BOLT-M8-30**"}},
			{"stock none", "wangjg", "stock 不存在的东西", []string{"没有找到"}},
			{"order", "wangjg", "订单 " + strings.ToLower(qcOrder), []string{"**订单 " + qcOrder + "**", "阶段：**待质检**", "**明细**", "**最近动态**"}},
			{"order unknown", "wangjg", "order SO19990101-999999", []string{"没有找到订单"}},
			{"order usage", "wangjg", "订单", []string{"用法"}},
			{"advance wrong role", "wangjg", "推进 " + qcOrder, []string{"没有权限"}},
			{"advance wrong stage", "liuyang", "推进 " + qcOrder + " 已发货", []string{"只能推进到", "待发货"}},
			{"advance unknown stage", "liuyang", "推进 " + qcOrder + " 火星", []string{"没有「火星」这个阶段"}},
			{"advance", "liuyang", "推进，" + qcOrder + "：待发货", []string{"已推进", "待质检", "待发货", "周敏"}},
			{"receive role", "chenjie", "入库 BOLT-M8-30 SH 10", []string{"不能使用「入库」"}},
			{"receive", "wangjg", "入库 BOLT-M8-30 SH 200盒", []string{"已入库", "+200"}},
			{"receive bad qty", "wangjg", "入库 BOLT-M8-30 SH 零", []string{"数量要是大于 0"}},
			{"receive unknown sku", "wangjg", "receive NOPE SH 5", []string{"没有找到商品"}},
			{"count below locked", "wangjg", "盘点 BOLT-M8-30 SH 1", []string{"锁定", "不能低于"}},
			{"count", "wangjg", "count BOLT-M8-30 SH 300", []string{"已盘点", "在库 300"}},
			{"todo", "zhoumin", "待办", []string{"**订单（1）**", qcOrder + " 待发货"}},
			{"problem", "zhoumin", "异常 " + qcOrder + " 少了一箱钻头", []string{"已登记异常", "TK"}},
			{"problem usage", "zhoumin", "异常 " + qcOrder, []string{"用法"}},
			{"ship without photo", "zhoumin", "发货 " + qcOrder + " 顺丰 SF100200", []string{"运单照片"}},
			{"ship role", "wangjg", "ship " + qcOrder + " SF SF1", []string{"不能使用「发货」"}},
			{"photo without order", "chenjie", "", nil},
			{"transfers", "zhenggang", "调拨", []string{pendingWant}},
			{"transfer done bad id", "zhaolei", "调拨完成 abc", []string{"数字"}},
			{"transfer done unknown", "zhaolei", "transfer done 99999", []string{"没有找到调拨单"}},
		}
		for _, tc := range cases {
			if tc.want == nil {
				continue
			}
			got := e.say(tc.user, tc.text)
			t.Run(tc.name, func(t *testing.T) { contains(t, got, tc.want...) })
		}
		// The lead was told of the ticket, and the dispatcher of the order
		// that reached their stage: pushes, not only replies.
		contains(t, e.repliesTo("zhoumin", 0), "新待办", qcOrder)
		contains(t, e.repliesTo("qianqiang", 0), "新工单", "少了一箱钻头")

		// The waybill photo: 附件, then an image; then ship (after the
		// order's transfers are received).
		contains(t, e.say("zhoumin", "附件 "+qcOrder), "请发运单照片")
		before := len(e.wecom.Sent())
		img := e.text("zhoumin", "")
		img.MsgType, img.Content, img.MediaID = "image", "", e.wecom.PutMedia([]byte("\xff\xd8 fake jpeg"))
		if rec := e.post(0, img); rec.Code != http.StatusOK {
			t.Fatal(rec.Code)
		}
		e.settle()
		contains(t, e.repliesTo("zhoumin", before), "运单照片已附到订单 "+qcOrder)
		var ord model.Order
		db.Where("no = ?", qcOrder).Take(&ord)
		if !strings.Contains(ord.Fields, "waybills/") {
			t.Fatalf("order fields lack the photo: %s", ord.Fields)
		}
		ts, err := e.trans.List(context.Background(), service.TransferFilter{OrderNo: qcOrder, Status: model.TransferPending})
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) > 0 {
			contains(t, e.say("zhoumin", "发货 "+qcOrder+" 顺丰 SF100200"), "调拨单没到货")
			for _, tr := range ts {
				var keeper model.Staff
				db.Where("id = ?", *tr.AssigneeStaffID).Take(&keeper)
				contains(t, e.say(keeper.UserID, "调拨完成 #"+strconv.FormatUint(tr.ID, 10)), "已到货")
				contains(t, e.say(keeper.UserID, "调拨完成 "+strconv.FormatUint(tr.ID, 10)), "已经处理过了")
			}
		}
		contains(t, e.say("zhoumin", "发货 "+qcOrder+" 顺丰 SF100200"), "已推进", "已发货", "SF100200")
		contains(t, e.say("zhoumin", "推进 "+qcOrder+" 取消"), "不能取消")
	})
}

// WeCom retries a message it thinks went unanswered, and two instances
// behind a load balancer may each get a copy: the command runs once.
func TestDedupeUnderRetries(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 2)
		m := e.text("wangjg", "入库 NUT-M8 SH 5")
		var wg sync.WaitGroup
		for i := 0; i < 6; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if rec := e.post(i%2, m); rec.Code != http.StatusOK {
					t.Errorf("retry %d: %d", i, rec.Code)
				}
			}()
		}
		wg.Wait()
		e.settle()
		got := e.repliesTo("wangjg", 0)
		if len(got) != 1 {
			t.Fatalf("want one reply, got %d: %q", len(got), got)
		}
		if n := e.count(db.Model(&model.StockMovement{}).Where("kind = ? AND reason = ?", model.MoveReceive, "企业微信入库")); n != 1 {
			t.Fatalf("stock received %d times", n)
		}
		// With Redis's memory of it gone, the database still refuses it.
		e.post(0, m)
		e.settle()
		if got := e.repliesTo("wangjg", 0); len(got) != 1 {
			t.Fatalf("after a replay, %d replies", len(got))
		}
	})
}

// Two runners racing on the same recorded message (a lease ran out while
// the first was still working) commit it once.
func TestResumeAfterCrash(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 2)
		// Instance 0 records the message and "dies" before running it.
		if rec := e.post(0, e.text("wangjg", "入库 NUT-M6 SH 7")); rec.Code != 200 {
			t.Fatal(rec.Code)
		}
		// Instance 1 finds nothing while the lease holds…
		e.inst[1].runner.Resume(context.Background())
		if n := e.count(db.Model(&model.Inbound{}).Where("state = ?", model.InboundDone)); n != 0 {
			t.Fatalf("resumed a message still leased: %d done", n)
		}
		// …and takes it over once the lease runs out.
		e.clock.Add(31 * time.Second)
		e.inst[1].runner.Resume(context.Background())
		// The "dead" instance's worker wakes up late: it must not run it again.
		e.inst[0].runner.Drain(context.Background())
		e.settle()
		if got := e.repliesTo("wangjg", 0); len(got) != 1 || !strings.Contains(got[0], "+7") {
			t.Fatalf("replies: %q", got)
		}
		if n := e.count(db.Model(&model.StockMovement{}).Where("reason = ?", "企业微信入库")); n != 1 {
			t.Fatalf("received %d times", n)
		}
	})
}

// WeCom down for a while: replies wait in the outbox with backoff and all
// arrive once it is back, none twice.
func TestWeComOutage(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 2)
		e.wecom.SetDown(true)
		const n = 12
		for i := 0; i < n; i++ {
			if rec := e.post(i%2, e.text("wangjg", "库存 NUT-M8")); rec.Code != 200 {
				t.Fatal(rec.Code)
			}
		}
		// A minute of outage, dispatched every few seconds by both instances.
		for s := 0; s < 60; s += 4 {
			e.settle()
			e.clock.Add(4 * time.Second)
		}
		if len(e.wecom.Sent()) != 0 {
			t.Fatal("sent while down")
		}
		var rows []model.Outbox
		db.Find(&rows)
		for _, r := range rows {
			if r.State != model.OutboxPending || r.Attempts < 2 || r.LastError == "" {
				t.Fatalf("row %d during outage: state %s, %d attempts, %q", r.ID, r.State, r.Attempts, r.LastError)
			}
		}
		e.wecom.SetDown(false)
		e.wecom.Revoke() // and the token was revoked meanwhile: 42001, refresh, resend
		e.clock.Add(10 * time.Second)
		e.settle()
		got := e.repliesTo("wangjg", 0)
		if len(got) != n {
			t.Fatalf("after the outage %d replies, want %d", len(got), n)
		}
		if c := e.count(db.Model(&model.Outbox{}).Where("state <> ?", model.OutboxSent)); c != 0 {
			t.Fatalf("%d rows not sent", c)
		}
	})
}

// Two dispatchers on one database send each row once.
func TestTwoDispatchers(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 2)
		ctx := context.Background()
		const n = 120
		for i := 0; i < n; i++ {
			row, _, err := e.inst[0].inbox.Record(ctx, service.InboundMessage{Key: "t:" + strconv.Itoa(i), From: "wangjg", Type: "text"}, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.inst[0].inbox.Answer(ctx, row.ID, service.Text("reply "+strconv.Itoa(i), "wangjg")); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for _, in := range e.inst {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					k, err := in.outbox.DispatchOnce(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if k == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		seen := map[string]int{}
		for _, m := range e.wecom.Sent() {
			seen[m.Content]++
		}
		if len(seen) != n {
			t.Fatalf("%d distinct messages sent, want %d", len(seen), n)
		}
		for c, k := range seen {
			if k != 1 {
				t.Fatalf("%q sent %d times", c, k)
			}
		}
	})
}

// A forged, foreign, malformed, oversized or stale callback runs nothing.
func TestCallbackRefusals(t *testing.T) {
	db := modeltest.SQLite(t)
	e := newEnv(t, db, 1)
	m := e.text("wangjg", "入库 NUT-M8 SH 5")
	good := e.post(0, m)
	if good.Code != 200 {
		t.Fatal(good.Code)
	}
	foreign, _ := newForeign()
	plain := "<xml><FromUserName>wangjg</FromUserName><MsgType>text</MsgType><Content>入库 NUT-M8 SH 5</Content><MsgId>9</MsgId></xml>"
	encForeign, _ := foreign.Encrypt([]byte(plain))
	encGood, _ := e.crypto.Encrypt([]byte(plain))
	now := e.clock.Now().Unix()
	cases := []struct {
		name string
		code int
		do   func() int
	}{
		{"forged signature", 403, func() int {
			rec := e.postRaw(0, "other", "<xml><Encrypt>"+encGood+"</Encrypt></xml>", now)
			return rec.Code
		}},
		{"wrong corp id", 403, func() int { return e.postRaw(0, encForeign, "<xml><Encrypt>"+encForeign+"</Encrypt></xml>", now).Code }},
		{"malformed xml", 400, func() int { return e.postRaw(0, encGood, "<xml><Encrypt>"+encGood, now).Code }},
		{"too big", 413, func() int { return e.postRaw(0, encGood, strings.Repeat("x", 1<<20+1), now).Code }},
		{"stale", 403, func() int { return e.postRaw(0, encGood, "<xml><Encrypt>"+encGood+"</Encrypt></xml>", now-301).Code }},
		{"from the future", 403, func() int { return e.postRaw(0, encGood, "<xml><Encrypt>"+encGood+"</Encrypt></xml>", now+301).Code }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.do(); got != tc.code {
				t.Fatalf("status %d, want %d", got, tc.code)
			}
		})
	}
	e.settle()
	if n := e.count(db.Model(&model.Inbound{})); n != 1 {
		t.Fatalf("%d messages recorded, want only the good one", n)
	}
}

func newForeign() (interface{ Encrypt([]byte) (string, error) }, error) {
	return newCrypto("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wwforeign")
}
