package bot_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/bot"
	"orderhub/bot/localwecom"
	"orderhub/model"
	"orderhub/model/modeltest"
)

// sayOne sends a text as user, settles, and returns the one reply user got
// (pushes to others are not counted).
func (e *env) sayOne(user, content string) localwecom.Sent {
	e.t.Helper()
	before := len(e.wecom.Sent())
	e.say(user, content)
	var got []localwecom.Sent
	for _, m := range e.wecom.Sent()[before:] {
		if m.ToUser == user {
			got = append(got, m)
		}
	}
	if len(got) != 1 {
		e.t.Fatalf("%s: %d replies to %s, want 1: %+v", content, len(got), user, got)
	}
	return got[0]
}

// markdown asserts m is a markdown message within WeCom's size limit that
// holds every want, and returns its content.
func markdown(t *testing.T, m localwecom.Sent, want ...string) string {
	t.Helper()
	if m.MsgType != "markdown" {
		t.Fatalf("msgtype %s, want markdown:\n%s", m.MsgType, m.Content)
	}
	if len(m.Content) > bot.MarkdownLimit {
		t.Fatalf("%d bytes, over WeCom's %d", len(m.Content), bot.MarkdownLimit)
	}
	for _, w := range want {
		if !strings.Contains(m.Content, w) {
			t.Fatalf("markdown lacks %q:\n%s", w, m.Content)
		}
	}
	return m.Content
}

func warn(s string) string { return `<font color="warning">` + s + `</font>` }

// Lists and cards are WeCom markdown a keeper reads at a glance on a
// phone: heads in bold, what needs acting on in warning colour, within
// WeCom's 4096 bytes; confirmations and refusals stay plain text.
func TestMarkdownReplies(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		qcOrder := e.orderIn("qc")

		// 订单: the stage in bold, the owner with a phone, the promised
		// time, lines and the last events; in time, no warning.
		got := markdown(t, e.sayOne("liuyang", "订单 "+qcOrder), "**订单 "+qcOrder+"**", "阶段：**待质检**",
			"负责人：刘洋 13800000005", "承诺交期：", "**明细**", "DRILL-HSS-5", "×15", "**最近动态**", "配货中→待质检")
		if strings.Contains(got, "warning") {
			t.Fatalf("an order in time shows a warning:\n%s", got)
		}
		// 待办: the order the QC owns, oldest first.
		markdown(t, e.sayOne("liuyang", "待办"), "**待办**", "**订单（1）**", qcOrder+" 待质检")

		// Four days on, past the stage's limit and the promised time:
		// both in warning colour, and in the owner's todo.
		e.clock.Add(96 * time.Hour)
		markdown(t, e.sayOne("liuyang", "订单 "+qcOrder), "阶段：**待质检** "+warn("已超时 94小时"), warn("已过交期 24小时"))
		markdown(t, e.sayOne("liuyang", "待办"), qcOrder+" 待质检", warn("已超时 94小时"))

		// 库存: a bold head per SKU, a line per warehouse; a warehouse
		// with nothing left to sell in warning colour, the others not.
		var p model.Product
		var wh model.Warehouse
		var st model.Stock
		if err := db.Where("sku = ?", "BOLT-M8-30").Take(&p).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Where("code = ?", "SH").Take(&wh).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Where("warehouse_id = ? AND product_id = ?", wh.ID, p.ID).Take(&st).Error; err != nil {
			t.Fatal(err)
		}
		if c := e.sayOne("wangjg", fmt.Sprintf("盘点 BOLT-M8-30 SH %d", st.Locked)); c.MsgType != "text" || !strings.Contains(c.Content, "可用 0") {
			t.Fatalf("盘点 confirmation: %+v", c)
		}
		got = markdown(t, e.sayOne("wangjg", "库存 BOLT-M8-30"), "**BOLT-M8-30**",
			fmt.Sprintf("SH 上海嘉定仓：在库 %d｜锁定 %d｜%s", st.Locked, st.Locked, warn("可用 0")))
		for _, l := range strings.Split(got, "\n") {
			if strings.Contains(l, "苏州工业园仓") && strings.Contains(l, "warning") && !strings.Contains(l, "可用 0") && !strings.Contains(l, "可用 -") {
				t.Fatalf("a warehouse with stock to sell is in warning colour: %s", l)
			}
		}
		if !strings.Contains(got, "苏州工业园仓") && !strings.Contains(got, "杭州萧山仓") {
			t.Fatalf("库存 shows one warehouse only:\n%s", got)
		}

		// 调拨: each transfer with its number in bold and its order.
		var tr model.Transfer
		if err := db.Where("status = ?", model.TransferPending).Order("id").First(&tr).Error; err == nil {
			markdown(t, e.sayOne("zhenggang", "调拨"), "**待处理调拨（", "**#"+strconv.FormatUint(tr.ID, 10)+"**", "调拨完成 ")
		}

		// 工单: the number in bold, a ticket nobody took in warning
		// colour; what people typed cannot inject markup.
		submitted := e.orderIn("submitted")
		if c := e.sayOne("wangjg", "异常 "+submitted+` **急** <font color="info">假的</font> [点我](http://x)`); c.MsgType != "text" || !strings.Contains(c.Content, "已登记异常") {
			t.Fatalf("异常 confirmation: %+v", c)
		}
		got = markdown(t, e.sayOne("zhenggang", "工单"), "**未完成工单（1）**", "**TK", "异常·"+warn("待接单"), "订单 "+submitted, "收到 TK")
		for _, injected := range []string{"**急**", `<font color="info">`, "[点我]"} {
			if strings.Contains(got, injected) {
				t.Fatalf("typed markup %q reached the reply:\n%s", injected, got)
			}
		}
		if !strings.Contains(got, "＊＊急＊＊") {
			t.Fatalf("the description was lost rather than escaped:\n%s", got)
		}
	})
}

// A long list is cut to fit WeCom's 4096 bytes, and says how many were
// left out and how to see them; what is shown plus what is left out is
// the whole list.
func TestMarkdownTruncates(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		no := e.orderIn("submitted")
		const n = 24
		for i := 0; i < n; i++ {
			e.say("wangjg", fmt.Sprintf("异常 %s 第%d箱外包装破损严重，客户要求换货并补偿运费，请尽快联系物流核实", no, i))
		}
		got := markdown(t, e.sayOne("zhenggang", "工单"), fmt.Sprintf("**未完成工单（%d）**", n), "先处理上面的再发「工单」查看")
		shown := strings.Count(got, "**TK")
		m := regexp.MustCompile(`…另有 (\d+) 张`).FindStringSubmatch(got)
		if m == nil {
			t.Fatalf("no cut line:\n%s", got)
		}
		left, _ := strconv.Atoi(m[1])
		if shown == 0 || left == 0 || shown+left != n {
			t.Fatalf("%d shown + %d left out, want %d in all:\n%s", shown, left, n, got)
		}
		// Oldest first: the first ticket opened is the first shown.
		var first model.Ticket
		if err := db.Where("kind = ?", model.TicketStaffProblem).Order("id").First(&first).Error; err != nil {
			t.Fatal(err)
		}
		if i := strings.Index(got, "**TK"); i < 0 || !strings.HasPrefix(got[i:], "**"+first.No+"**") {
			t.Fatalf("the oldest ticket %s is not first:\n%s", first.No, got)
		}
	})
}
