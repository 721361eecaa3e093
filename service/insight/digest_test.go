package insight_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
	"orderhub/service/insight"
	"orderhub/service/servicetest"
)

// TestDailyDigestOncePerDay: nothing before 08:30 local; at 08:30 one
// markdown message to every supervisor and director with yesterday's rate
// against the day before; two instances checking at once queue it once;
// the next day queues the next one.
func TestDailyDigestOncePerDay(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := servicetest.NewEnv(t, db)
		e.World(t)
		ctx := context.Background()
		if _, err := e.Catalog.CreateStaff(ctx, catalog.StaffInput{UserID: "dir", Name: "冯总监", Roles: []string{"director"}}); err != nil {
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

		e.Clock.Set(local("2026-11-25", "08:29:00"))
		m := insight.NewMeasures(db, e.Orders.Pipeline(), e.Clock.Now, e.Cfg.Location(), 0)
		newDigest := func() *insight.Digest {
			d, err := insight.NewDigest(db, m, e.Orders.Pipeline(), e.Clock.Now, e.Cfg.Location(), "08:30", []string{"supervisor", "director"}, "https://oh.example.com/dashboard", modeltest.Log())
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		one, two := newDigest(), newDigest()
		if q, err := one.Due(ctx); err != nil || q {
			t.Fatalf("at 08:29: queued %v, %v", q, err)
		}
		e.Clock.Add(time.Minute)
		q1, err1 := one.Due(ctx)
		q2, err2 := two.Due(ctx)
		if err1 != nil || err2 != nil || q1 == q2 {
			t.Fatalf("at 08:30 two instances: %v %v, %v %v — want exactly one", q1, err1, q2, err2)
		}
		var rows []model.Outbox
		db.Where("`key` LIKE ?", "digest:%").Find(&rows)
		if len(rows) != 1 || rows[0].Key == nil || *rows[0].Key != "digest:2026-11-25" || rows[0].ToUser != "boss|dir" || rows[0].MsgType != service.MsgTypeDailyDigest {
			t.Fatalf("digest rows %+v", rows)
		}
		// The row holds the figures; bot.Render words them
		// (bot/notices_test.go holds the words).
		var got service.DailyDigest
		if err := json.Unmarshal([]byte(rows[0].Body), &got); err != nil {
			t.Fatal(err)
		}
		want := service.DailyDigest{Day: "2026-11-25",
			Yesterday: service.DigestDay{Delivered: 4, OnTime: 3, Late: 1, Rate: 0.75, OTIFRate: 0.75},
			Before:    service.DigestDay{Delivered: 2, OnTime: 1, Early: 1, Rate: 0.5, OTIFRate: 0.5},
			Tickets:   [4]int{0, 0, 0, 1}, BoardURL: "https://oh.example.com/dashboard"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("digest\n got %+v\nwant %+v", got, want)
		}
		e.Clock.Add(3 * time.Hour)
		if q, _ := two.Due(ctx); q {
			t.Error("queued twice on one day")
		}
		e.Clock.Add(21 * time.Hour) // Nov 26 08:30
		if q, err := one.Due(ctx); err != nil || !q {
			t.Errorf("next day: %v %v", q, err)
		}
	})
}
