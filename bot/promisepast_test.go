package bot_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestChatRefusesPastPromiseAndTypedPhoto (issue 25 #12): 推进 … 交期= a
// time already past is refused in Chinese, saying what was wrong and how
// to write it; 运单照片= typed text is refused with how to send the photo;
// nothing moves, and the right way then works.
func TestChatRefusesPastPromiseAndTypedPhoto(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		ctx := context.Background()
		d, _, err := e.orders.Create(ctx, service.NewOrder{Customer: "C001", Lines: []service.LineInput{{SKU: "NUT-M8", Qty: 1}},
			Address: "上海市嘉定区安亭镇", Actor: service.System})
		if err != nil {
			t.Fatal(err)
		}
		no := d.Order.No
		loc, _ := time.LoadLocation("Asia/Shanghai")
		yesterday := e.clock.Now().In(loc).AddDate(0, 0, -1).Format("2006-01-02")
		for _, words := range []string{"交期=" + yesterday + " 18:00", "承诺交期=" + yesterday} {
			got := e.say("sunli", "推进 "+no+" 已确认 "+words)
			contains(t, got, "交期不能早于现在", "请写将来的时间", "交期=后天18点")
			chineseOnly(t, words, got)
		}
		var o model.Order
		if err := db.Where("no = ?", no).Take(&o).Error; err != nil {
			t.Fatal(err)
		}
		if o.Stage != "submitted" || o.PromisedAt != nil {
			t.Fatalf("after the refusals: %s, promised %v", o.Stage, o.PromisedAt)
		}
		contains(t, e.say("sunli", "推进 "+no+" 已确认 交期=后天18点"), "已推进", "已确认")

		// 运单照片= typed: refused with how to send one (附件, then the photo).
		packed := e.orderIn("qc")
		contains(t, e.say("liuyang", "推进 "+packed+" 待发货"), "已推进")
		got := e.say("zhoumin", "推进 "+packed+" 已发货 快递公司=顺丰 运单号=SF1234567890 运单照片=照片.jpg")
		contains(t, got, "运单照片要发真的照片", "附件")
		chineseOnly(t, "运单照片=照片.jpg", got)
		var p model.Order
		if err := db.Where("no = ?", packed).Take(&p).Error; err != nil {
			t.Fatal(err)
		}
		if p.Stage != "packed" {
			t.Fatalf("a typed photo moved %s to %s", packed, p.Stage)
		}
	})
}
