package bot_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"orderhub/bot"
	"orderhub/service"
	"orderhub/service/audit"
)

// TestEveryMessageKeepsWeComLimits builds every message the bot sends
// from a huge input and checks WeCom's limits: text 2,048 bytes, markdown
// 4,096, cut on a character boundary with how many were left out. Before,
// a channel order held with many problem lines rendered past 2,048 bytes,
// WeCom refused it (45002), and customer service was never told.
func TestEveryMessageKeepsWeComLimits(t *testing.T) {
	long := strings.Repeat("超长名称", 300) // 3,600 bytes
	now := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	var problems []service.Problem
	for i := 0; i < 400; i++ {
		problems = append(problems, service.Problem{Code: "sku_unmatched", Given: fmt.Sprintf("不锈钢六角螺栓 M%d×50 镀锌", i)})
	}
	var handed []service.HandedOn
	for i := 0; i < 400; i++ {
		handed = append(handed, service.HandedOn{Kind: service.HandOrder, Ref: fmt.Sprintf("SO20261207-%06d", i), To: "王建国"})
	}
	var items []service.EscalationNotice
	for i := 0; i < 300; i++ {
		items = append(items, service.EscalationNotice{Level: 1, What: "订单 " + long, TicketNo: fmt.Sprintf("T%d", i), Waited: time.Hour})
	}
	var drifts []audit.Drift
	for i := 0; i < 300; i++ {
		drifts = append(drifts, audit.Drift{Warehouse: long, SKU: long, OnHand: 1, LedgerOnHand: 2})
	}
	notice := service.EscalationNotice{Level: 2, What: long, Short: long, OrderNo: long, Customer: long, StageName: long, Holder: long, TicketNo: "T1", Waited: time.Hour,
		Before: []service.EscalationTold{{Level: 1, Names: []string{long, long, long}, At: now}}}
	cases := []struct {
		name    string
		msgType string
		body    any
		list    bool // a list was cut: the message says how many more
		keep    string
	}{
		{"intake review, 400 problem lines", service.MsgTypeIntakeReview, service.IntakeReview{IntakeID: 77, From: "1688", ExternalID: "EXT-1", Problems: problems}, true, "复核 77"},
		{"staff left, 400 orders handed on", service.MsgTypeStaffLeft, service.StaffLeft{Name: "李四", UserID: "lisi", Handed: handed}, true, "交接"},
		{"link request, every field long", service.MsgTypeLinkRequest, service.LinkRequestNotice{No: "LR20261207-000001", Buyer: long, CompanyName: long,
			CustomerCode: long, Note: long, MatchCode: long, MatchName: long}, false, "关联 LR20261207-000001 同意"},
		{"escalation markdown", service.MsgTypeEscalation, notice, false, ""},
		{"escalation robot", service.MsgTypeEscalationRobot, notice, false, ""},
		{"escalation digest", service.MsgTypeEscalationDigest, service.EscalationDigest{Items: items}, true, ""},
		{"stock audit", service.MsgTypeStockAudit, audit.Report{At: now, Checked: 300, Drifts: drifts}, true, ""},
		{"ticket change", service.MsgTypeTicketChange, service.TicketChange{TicketNo: long, OrderNo: long, State: "acknowledged", By: long}, false, ""},
		{"daily digest", service.MsgTypeDailyDigest, service.DailyDigest{Day: "2026-12-06", BoardURL: "https://x/" + long,
			Overdue: []service.StageNum{{Stage: "qc", Name: long, N: 3}, {Stage: "picking", Name: long, N: 4}}}, false, ""},
		{"a text reply", "text", map[string]string{"content": strings.Repeat("订单 SO20261207-000001 已发货\n", 200)}, true, ""},
		{"a markdown reply", "markdown", map[string]string{"content": strings.Repeat("> **库存** BOLT-M8 可用 100\n", 400)}, true, ""},
		{"a text reply of one long line", "text", map[string]string{"content": long}, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			m, err := bot.Render(service.Outgoing{ID: 1, ToUser: "u", MsgType: tc.msgType, Body: b}, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			var out map[string]any
			if err := json.Unmarshal(m.Body, &out); err != nil {
				t.Fatal(err)
			}
			content, _ := out["content"].(string)
			if content == "" {
				t.Fatalf("%s: no content in %s", m.MsgType, m.Body)
			}
			limit := map[string]int{"text": 2048, "markdown": 4096, bot.MsgTypeRobot: 4096}[m.MsgType]
			if limit == 0 {
				t.Fatalf("rendered as %s, a type this test has no limit for", m.MsgType)
			}
			if len(content) > limit || !utf8.ValidString(content) {
				t.Errorf("%s: %d bytes (limit %d), valid UTF-8 %v", m.MsgType, len(content), limit, utf8.ValidString(content))
			}
			if tc.list && !strings.Contains(content, "另有") {
				t.Errorf("a cut list does not say how many more:\n%s", content[max(0, len(content)-200):])
			}
			if tc.keep != "" && !strings.Contains(content, tc.keep) {
				t.Errorf("the cut lost %q:\n%s", tc.keep, content[max(0, len(content)-300):])
			}
		})
	}
}
