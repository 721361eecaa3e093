package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// TestPromiseSpokenInChat: 「推进 … 已确认 交期=后天18点」 promises the day
// after tomorrow at 18:00 (the bot's clock, the configured zone), and the
// refusal that asks for a promise shows an example date ahead of today.
func TestPromiseSpokenInChat(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		no := e.orderIn("submitted")
		loc, _ := time.LoadLocation("Asia/Shanghai")
		today := e.clock.Now().In(loc)

		refusal := strings.Join(e.say("sunli", "推进 "+no+" 已确认"), "\n")
		i := strings.Index(refusal, "承诺交期=")
		if i < 0 {
			t.Fatalf("no example in the refusal: %s", refusal)
		}
		ex, err := time.ParseInLocation("2006-01-02 15:04", refusal[i+len("承诺交期="):i+len("承诺交期=")+16], loc)
		if err != nil || !ex.After(today) {
			t.Fatalf("the example %q is not a date ahead of %v: %v", refusal[i:], today, err)
		}

		got := strings.Join(e.say("sunli", "推进 "+no+" 已确认 交期=后天18点"), "\n")
		if !strings.Contains(got, "已推进") {
			t.Fatalf("推进 with 交期=后天18点: %s", got)
		}
		var o model.Order
		if err := db.Where("no = ?", no).Take(&o).Error; err != nil {
			t.Fatal(err)
		}
		d := today.AddDate(0, 0, 2)
		want := time.Date(d.Year(), d.Month(), d.Day(), 18, 0, 0, 0, loc)
		if o.PromisedAt == nil || !o.PromisedAt.Equal(want) {
			t.Errorf("promised %v, want %v", o.PromisedAt, want)
		}
	})
}

// TestOrderReplyLinksThePhoto: 「订单」 of an order read off a slip photo
// links the photo on the board (a page a person can open), not the staff
// API's path; with the demo corp the link is the board's local address.
func TestOrderReplyLinksThePhoto(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnvOCR(t, db, 1, slipText("客户：C001\nNUT-M8 10"))
		m := e.text("sunli", "")
		m.MsgType, m.MediaID = "image", e.wecom.PutMedia([]byte("\xff\xd8 a slip"))
		e.post(0, m)
		e.settle()
		contains(t, e.say("sunli", "确认"), "已下单")
		var it model.Intake
		if err := db.Where("source = ?", model.SourcePhoto).Take(&it).Error; err != nil || it.OrderID == nil {
			t.Fatalf("intake = %+v, %v", it, err)
		}
		var o model.Order
		db.Where("id = ?", *it.OrderID).Take(&o)
		got := strings.Join(e.say("sunli", "订单 "+o.No), "\n")
		want := fmt.Sprintf("](/dashboard/intakes/%d/photo)", it.ID)
		if !strings.Contains(got, "[订货单照片") || !strings.Contains(got, want) || strings.Contains(got, "GET /api") {
			t.Errorf("the reply does not link the photo on the board (%s):\n%s", want, got)
		}
	})
}
