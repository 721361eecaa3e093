package bot_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"orderhub/bot"
	"orderhub/model"
	"orderhub/service"
	"orderhub/service/audit"
)

func render(t *testing.T, typ string, body any) (string, string) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	m, err := bot.Render(service.Outgoing{ToUser: "u", MsgType: typ, Body: raw}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return m.MsgType, string(m.Body)
}

// TestRenderNotices: each notice service queues becomes the WeCom message
// it is sent as, and a row that is a message already passes through.
func TestRenderNotices(t *testing.T) {
	n := service.EscalationNotice{Level: 2, What: "订单 SO1 在「待确认」", Short: "「待确认」超时", OrderNo: "SO1", Customer: "华东五金",
		StageName: "待确认", TicketNo: "TK1", Waited: 90 * time.Minute,
		Before: []service.EscalationTold{{Level: 1, Names: []string{"吴客服主管"}, At: time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC)}}}
	card := n
	card.TaskID = "esc-1-2-3"
	eventAt := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	var many service.EscalationDigest
	for i := 0; i < 200; i++ {
		many.Items = append(many.Items, n)
	}
	for _, tc := range []struct {
		name, typ string
		body      any
		wantType  string
		want      []string
		maxBytes  int
	}{
		{"markdown push", service.MsgTypeEscalation, n, "markdown", []string{"催办（第2级）", "1小时30分", "第1级 11-24 01:30 通知了 吴客服主管", "收到 TK1"}, 0},
		{"card push", service.MsgTypeEscalation, card, "template_card", []string{`"task_id":"esc-1-2-3"`, `"key":"ack:TK1"`, `"key":"resolve:TK1"`, "「待确认」超时，已等 1小时30分"}, 0},
		{"group robot", service.MsgTypeEscalationRobot, n, bot.MsgTypeRobot, []string{"催办（第2级）", "收到 TK1"}, 0},
		{"digest cut to WeCom's limit", service.MsgTypeEscalationDigest, many, "markdown", []string{"催办汇总：200 件等您处理", "（第2级）", "件\\n逐条确认"}, bot.MarkdownLimit},
		{"ticket cards taken", service.MsgTypeTicketCards, service.TicketChange{ResponseCode: "rc", TicketNo: "TK1", State: model.TicketAcknowledged, By: "张三"}, "update_template_card", []string{`"response_code":"rc"`, `"replace_name":"已由张三接单"`}, 0},
		{"ticket cards handled", service.MsgTypeTicketCards, service.TicketChange{ResponseCode: "rc", TicketNo: "TK1", State: model.TicketResolved, By: "张三"}, "update_template_card", []string{`"replace_name":"已由张三处理"`}, 0},
		{"ticket change told", service.MsgTypeTicketChange, service.TicketChange{TicketNo: "TK1", OrderNo: "SO1", State: model.TicketResolved, By: "张三"}, "text", []string{`工单 TK1（订单 SO1）已由张三处理。`}, 0},
		{"stock audit", service.MsgTypeStockAudit, audit.Report{At: time.Date(2026, 11, 24, 18, 0, 0, 0, time.UTC), Checked: 4,
			Drifts: []audit.Drift{{Warehouse: "A", SKU: "NUT-M8", OnHand: 10, LedgerOnHand: 5}}}, "markdown", []string{"库存对账发现差异** 2026-11-24 18:00", "A / NUT-M8：在库 10，流水合计 5"}, 0},
		{"delivered orders off their timeline", service.MsgTypeStockAudit, audit.Report{At: time.Date(2026, 11, 24, 18, 0, 0, 0, time.UTC),
			Deliveries: []audit.DeliveryDrift{
				{OrderNo: "SO-1", Stage: "delivered", StageName: "已签收", EnteredAt: time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)},
				{OrderNo: "SO-1", Stage: "delivered", StageName: "已签收", EnteredAt: time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC), EventAt: &eventAt},
			}}, "markdown", []string{"签收记录与订单时间线不一致** 2 单", "SO-1：订单记录 2026-11-24 02:00:00 进入「已签收」，时间线没有这次签收",
			"SO-1：时间线 2026-11-24 03:00:00 签收，订单记录为 2026-11-24 02:00:00 进入「已签收」"}, 0},
		{"daily digest", service.MsgTypeDailyDigest, service.DailyDigest{Day: "2026-11-25",
			Yesterday: service.DigestDay{Delivered: 4, OnTime: 3, Late: 1, Rate: 0.75, OTIFRate: 0.5}, Before: service.DigestDay{Delivered: 2, OnTime: 1, Early: 1, Rate: 0.5},
			Overdue: []service.StageNum{{Stage: "picking", Name: "拣货", N: 2}, {Stage: "qc", Name: "质检", N: 1}}, Tickets: [4]int{0, 1, 0, 1}, Review: 3,
			BoardURL: "https://oh.example.com/dashboard"}, "markdown", []string{"**订单日报 11月25日**", "昨日准时率 <font color=\"info\">75.0%</font>（签收 4，准时 3，早到 0，晚到 1）",
			"比前天 50.0% 高 25.0 个百分点", "准时且齐全（OTIF）50.0%", "超时订单 <font color=\"warning\">3</font>：拣货 2，质检 1", "未处理异常 2：1 小时内 0，1–4 小时 1，4–24 小时 0，超过 1 天 1",
			"待复核订单 3", "[打开作战室看板](https://oh.example.com/dashboard)"}, 0},
		{"daily digest, worse and nothing overdue", service.MsgTypeDailyDigest, service.DailyDigest{Day: "2026-11-25",
			Yesterday: service.DigestDay{Delivered: 2, OnTime: 1, Rate: 0.5}, Before: service.DigestDay{Delivered: 1, OnTime: 1, Rate: 1}}, "markdown",
			[]string{"比前天 100.0% <font color=\"warning\">低 50.0 个百分点</font>", "超时订单：无", "未处理异常 0"}, 0},
		{"intake held for review", service.MsgTypeIntakeReview, service.IntakeReview{IntakeID: 7, From: "网店", ExternalID: "W-9", Problems: []service.Problem{
			{Code: "customer_unmatched", Given: "新客户五金"},
			{Code: "sku_ambiguous", Given: "六角 M8", Candidates: []service.Candidate{{Code: "BOLT-M8"}, {Code: "NUT-M8"}}}}}, "text",
			[]string{"待复核订单 #7（网店，外部单号 W-9）：客户「新客户五金」未找到；商品「六角 M8」不唯一（候选 BOLT-M8、NUT-M8）。未预留库存。发「复核 7」查看并选择。"}, 0},
		{"leaver's work handed on", service.MsgTypeStaffLeft, service.StaffLeft{Name: "李四", UserID: "lisi", Handed: []service.HandedOn{
			{Kind: service.HandOrder, Ref: "SO1", To: "王五"}, {Kind: service.HandTransfer, Ref: "12"}, {Kind: service.HandTicket, Ref: "TK1", To: "赵六"}}}, "text",
			[]string{`李四（lisi）已停用\n未完成的工作已交接：\n订单 SO1 → 王五\n调拨单 #12 → 无人接手\n工单 TK1 → 赵六`}, 0},
		{"leaver with nothing open", service.MsgTypeStaffLeft, service.StaffLeft{Name: "李四", UserID: "lisi"}, "text",
			[]string{`李四（lisi）已停用\n没有未完成的工作需要交接。`}, 0},
		{"a buyer's link request", service.MsgTypeLinkRequest, service.LinkRequestNotice{No: "LR20261208-000003", Buyer: "小李", CompanyName: "宏达机电",
			CustomerCode: "C001", Note: "采购部\n[链接](http://x)", MatchCode: "C001", MatchName: "上海宏达机电设备有限公司"}, "text",
			[]string{"买家申请关联公司：LR20261208-000003\n买家：小李\n申请：宏达机电（客户编码 C001）\n留言：采购部 [链接](http：//x)\n对上客户：上海宏达机电设备有限公司（C001）\n同意发「关联 LR20261208-000003 同意」；拒绝发「关联 LR20261208-000003 拒绝 原因」。"}, 0},
		{"a link request matching no customer", service.MsgTypeLinkRequest, service.LinkRequestNotice{No: "LR20261208-000004", Buyer: "老王", CompanyName: "不知名五金"}, "text",
			[]string{"申请：不知名五金\n没有对上客户。\n同意发「关联 LR20261208-000004 同意 客户编码」"}, 0},
		{"a message passes through", "text", map[string]string{"content": "好的"}, "text", []string{`{"content":"好的"}`}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			typ, body := render(t, tc.typ, tc.body)
			if typ != tc.wantType {
				t.Errorf("msgtype %q, want %q", typ, tc.wantType)
			}
			// The words as WeCom reads them: JSON escapes < and > in the body.
			var text struct{ Content string }
			_ = json.Unmarshal([]byte(body), &text)
			for _, w := range tc.want {
				if !strings.Contains(body, w) && !strings.Contains(text.Content, w) {
					t.Errorf("body lacks %q: %s", w, body)
				}
			}
			if tc.maxBytes > 0 {
				var md struct{ Content string }
				if err := json.Unmarshal([]byte(body), &md); err != nil || len(md.Content) > tc.maxBytes {
					t.Errorf("content is %d bytes, over %d (%v)", len(md.Content), tc.maxBytes, err)
				}
			}
		})
	}
	if _, err := bot.Render(service.Outgoing{MsgType: service.MsgTypeEscalation, Body: json.RawMessage(`[`)}, time.UTC); err == nil {
		t.Error("a malformed notice rendered")
	}
}
