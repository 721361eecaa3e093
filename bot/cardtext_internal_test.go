package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"orderhub/service"
)

// TestCardTextReadsAsOnAPhone: the escalation card a lead gets, printed
// for a terminal (orderhub chat), is its title, rows and buttons in words,
// with the command that does what each button does; no JSON.
func TestCardTextReadsAsOnAPhone(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	card := escalationCard(service.EscalationNotice{Level: 1, Short: "「待确认」超时", OrderNo: "SO20261208-000001", Customer: "上海宏达机电设备有限公司",
		StageName: "待确认", Holder: "孙丽", TicketNo: "TK20261208-000001", Waited: 3 * time.Minute, TaskID: "esc-1"}, loc)
	b, err := json.Marshal(card)
	if err != nil {
		t.Fatal(err)
	}
	got := CardText(string(b))
	for _, want := range []string{"［orderhub 催办］", "「待确认」超时，已等 3分钟", "第1级催办，点「接单」确认", "\n  订单：SO20261208-000001", "\n  客户：上海宏达机电设备有限公司",
		"\n  负责人：孙丽", "\n  工单：TK20261208-000001", "［接单］ ［已处理］", "收到 TK20261208-000001", "处理 TK20261208-000001 <说明>"} {
		if !strings.Contains(got, want) {
			t.Errorf("card text lacks %q:\n%s", want, got)
		}
	}
	for _, bad := range []string{"{", "keyname", "button_list", "task_id"} {
		if strings.Contains(got, bad) {
			t.Errorf("card text shows %q:\n%s", bad, got)
		}
	}
	if got := CardText("not a card"); got != "not a card" {
		t.Errorf("a non-card changed: %q", got)
	}
}
