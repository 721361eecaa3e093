package bot_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestLinkRequestInChat: a buyer's request to be linked to their company
// reaches customer service as a push with the line to answer it; 关联
// lists what waits; a picker may not decide and 帮助 does not offer it to
// them; 同意 links the buyer to the customer the request names (or the
// code given), 拒绝 needs a reason and keeps it as typed; a second decision
// is told it was made; the English alias works the same.
func TestLinkRequestInChat(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		ctx := context.Background()
		ask := func(openID string, in service.LinkAsk) service.LinkRequestView {
			t.Helper()
			b, _, err := e.buyers.Login(ctx, service.BuyerLogin{OpenID: openID, Name: "买家" + openID})
			if err != nil {
				t.Fatal(err)
			}
			v, err := e.links.Ask(ctx, b, in)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		v := ask("o1", service.LinkAsk{CustomerCode: "c002", Note: "我是黄磊的同事"})
		e.settle()
		contains(t, e.repliesTo("sunli", 0), "买家申请关联公司："+v.No, "客户编码 C002", "我是黄磊的同事", "对上客户：苏州精工五金制品厂（C002）", "关联 "+v.No+" 同意")
		if got := e.repliesTo("wangjg", 0); len(got) != 0 {
			t.Fatalf("a keeper was pushed: %q", got)
		}
		contains(t, e.say("chenjie", "关联"), "不能审核买家关联申请")
		if help := strings.Join(e.say("chenjie", "帮助"), ""); strings.Contains(help, "关联") {
			t.Fatalf("帮助 offers 关联 to a picker:\n%s", help)
		}
		contains(t, e.say("sunli", "帮助"), "关联")
		contains(t, e.say("sunli", "关联"), "待审核的关联申请（1）", v.No, "苏州精工五金制品厂")
		contains(t, e.say("sunli", "关联 "+v.No), "同意还是拒绝")
		contains(t, e.say("sunli", "关联 "+v.No+"同意"), "已同意关联申请 "+v.No, "苏州精工五金制品厂（C002）")
		if b, err := e.buyers.ByID(ctx, v.BuyerID); err != nil || b.Customer.Code != "C002" {
			t.Fatalf("buyer orders for %s (%v), want C002", b.Customer.Code, err)
		}
		contains(t, e.say("wuhua", "关联 "+v.No+" 拒绝 重复"), "已经处理过了（已关联）")

		v2 := ask("o2", service.LinkAsk{CompanyName: "不知名五金店"})
		e.settle()
		contains(t, e.repliesTo("sunli", 0), "没有对上客户", "关联 "+v2.No+" 同意 客户编码")
		contains(t, e.say("sunli", "关联 "+v2.No+" 同意"), "没有对上客户", "关联 "+v2.No+" 同意 C1")
		contains(t, e.say("sunli", "关联 "+v2.No+" 同意 C999"), "没有客户编码「C999」")
		contains(t, e.say("sunli", "关联 "+v2.No+" 拒绝"), "拒绝请写明原因")
		contains(t, e.say("sunli", "关联 "+v2.No+" 拒绝查无此店，请填写客户编码。"), "已拒绝关联申请 "+v2.No, "查无此店，请填写客户编码。")
		if mine, err := e.links.Mine(ctx, v2.BuyerID); err != nil || mine[0].Reason != "查无此店，请填写客户编码。" {
			t.Fatalf("mine = %+v, %v", mine, err)
		}

		v3 := ask("o3", service.LinkAsk{CompanyName: "杭州顺通汽配商行"})
		contains(t, e.say("wuhua", "link "+v3.No+" approve"), "已同意关联申请", "C003")
		contains(t, e.say("sunli", "关联 LR20000101-000001 同意"), "没有找到关联申请")
	})
}
