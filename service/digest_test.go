package service_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestDailyDigestOncePerDay: nothing before 08:30 local; at 08:30 one
// markdown message to every supervisor and director with yesterday's rate
// against the day before; two instances checking at once queue it once;
// the next day queues the next one.
func TestDailyDigestOncePerDay(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		ctx := context.Background()
		if _, err := e.catalog.CreateStaff(ctx, service.StaffInput{UserID: "dir", Name: "冯总监", Roles: []string{"director"}}); err != nil {
			t.Fatal(err)
		}
		h := &history{t: t, db: db}
		// Yesterday (Nov 24): 3 of 4 on time; the day before: 1 of 2.
		p := local("2026-11-24", "10:00:00")
		for i, off := range []time.Duration{0, time.Hour, -time.Hour, 5 * time.Hour} {
			o := h.order("C1", "A", "api", p.Add(-48*time.Hour), p, 1)
			h.deliver(o, p.Add(off))
			_ = i
		}
		q := local("2026-11-23", "10:00:00")
		for _, off := range []time.Duration{0, -3 * time.Hour} {
			o := h.order("C1", "A", "api", q.Add(-48*time.Hour), q, 1)
			h.deliver(o, q.Add(off))
		}
		h.ticket(h.order("C2", "A", "api", p, p, 1), model.TicketStaffProblem, "缺货", p.Add(-2*time.Hour), 0, 0)

		e.clock.Set(local("2026-11-25", "08:29:00"))
		m := service.NewMeasures(db, e.orders.Pipeline(), e.clock.Now, e.cfg.Location(), 0)
		newDigest := func() *service.Digest {
			d, err := service.NewDigest(db, m, e.orders.Pipeline(), e.clock.Now, e.cfg.Location(), "08:30", []string{"supervisor", "director"}, "https://oh.example.com/dashboard", modeltest.Log())
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		one, two := newDigest(), newDigest()
		if q, err := one.Due(ctx); err != nil || q {
			t.Fatalf("at 08:29: queued %v, %v", q, err)
		}
		e.clock.Add(time.Minute)
		q1, err1 := one.Due(ctx)
		q2, err2 := two.Due(ctx)
		if err1 != nil || err2 != nil || q1 == q2 {
			t.Fatalf("at 08:30 two instances: %v %v, %v %v — want exactly one", q1, err1, q2, err2)
		}
		var rows []model.Outbox
		db.Where("`key` LIKE ?", "digest:%").Find(&rows)
		rows = rendered(t, rows)
		if len(rows) != 1 || rows[0].Key == nil || *rows[0].Key != "digest:2026-11-25" || rows[0].ToUser != "boss|dir" || rows[0].MsgType != "markdown" {
			t.Fatalf("digest rows %+v", rows)
		}
		var body struct{ Content string }
		if err := json.Unmarshal([]byte(rows[0].Body), &body); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"昨日准时率 <font color=\"info\">75.0%", "比前天 50.0% 高 25.0 个百分点", "未处理异常 1", "超过 1 天 1", "待复核订单 0", "https://oh.example.com/dashboard"} {
			if !strings.Contains(body.Content, want) {
				t.Errorf("digest lacks %q:\n%s", want, body.Content)
			}
		}
		e.clock.Add(3 * time.Hour)
		if q, _ := two.Due(ctx); q {
			t.Error("queued twice on one day")
		}
		e.clock.Add(21 * time.Hour) // Nov 26 08:30
		if q, err := one.Due(ctx); err != nil || !q {
			t.Errorf("next day: %v %v", q, err)
		}
	})
}
