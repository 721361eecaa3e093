package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestPurchaseCalendarAndRemarkTerms: a customer ordering on the 22nd–25th
// is flagged as clustered, one ordering all month is not; the remark terms
// count configured requirements whole (禁用胶带 is not 禁用 + 胶带) and
// find new terms with the segmenter.
func TestPurchaseCalendarAndRemarkTerms(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		h := &history{t: t, db: db}
		ctx := context.Background()
		// The clock: 2026-11-24 09:30 local. C1 ordered on Oct 22, 23, 25 and
		// Nov 23 (all inside 22–25) and Nov 2; C2 on five spread days.
		for _, day := range []string{"2026-10-22", "2026-10-23", "2026-10-25", "2026-11-23", "2026-11-02"} {
			o := h.order("C1", "A", "api", local(day, "10:00:00"), local(day, "20:00:00"), 1) // promised within 24 h: urgent
			db.Model(&model.Order{}).Where("id = ?", o.ID).Update("remark", "外箱加防潮膜，禁用胶带封口")
		}
		for i, day := range []string{"2026-10-01", "2026-10-08", "2026-10-15", "2026-11-10", "2026-11-18"} {
			o := h.order("C2", "A", "api", local(day, "10:00:00"), local(day, "10:00:00").Add(72*time.Hour), 1)
			remark := "送到二号门卸货平台，叉车卸货"
			if i%2 == 0 {
				remark = "需要叉车卸货"
			}
			db.Model(&model.Order{}).Where("id = ?", o.ID).Update("remark", remark)
		}
		in := service.NewInsight(db, e.clock.Now, e.cfg.Location(), []string{"防潮膜", "禁用胶带", "卸货平台"})
		cals, err := in.Calendar(ctx, "", 90)
		if err != nil {
			t.Fatal(err)
		}
		if len(cals) != 2 || cals[0].Code != "C1" || !cals[0].Clustered || cals[0].From != 22 || cals[0].To != 25 || cals[0].Share != 0.8 || cals[0].Urgent != 1 {
			t.Fatalf("calendars %+v", cals)
		}
		if cals[0].ByDay[21] != 1 || cals[0].ByDay[22] != 2 || cals[0].ByDay[24] != 1 || cals[0].ByDay[1] != 1 {
			t.Errorf("C1 by day %v", cals[0].ByDay)
		}
		if c2 := cals[1]; c2.Clustered || c2.Orders != 5 || c2.Urgent != 0 {
			t.Errorf("C2 %+v", c2)
		}
		if one, err := in.Calendar(ctx, "c2", 90); err != nil || len(one) != 1 || one[0].Code != "C2" {
			t.Errorf("one customer: %+v %v", one, err)
		}
		// 30 days back from Nov 24 01:30 UTC: Oct 25, Nov 2 and 23; too few
		// to call a cluster.
		if recent, _ := in.Calendar(ctx, "C1", 30); recent[0].Orders != 3 || recent[0].Clustered {
			t.Errorf("30 days: %+v", recent[0])
		}
		if _, err := in.Calendar(ctx, "", 3); !errors.Is(err, service.ErrInvalid) {
			t.Errorf("days 3: %v", err)
		}

		terms, err := in.Remarks(ctx, 90)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]service.RemarkTerm{}
		for _, rt := range terms {
			got[rt.Term] = rt
		}
		for term, want := range map[string]int{"防潮膜": 5, "禁用胶带": 5, "卸货平台": 2, "叉车": 5} {
			if got[term].Count != want {
				t.Errorf("%s: %d, want %d (%+v)", term, got[term].Count, want, terms)
			}
		}
		if _, ok := got["胶带"]; ok {
			t.Errorf("胶带 counted apart from 禁用胶带")
		}
		if !got["防潮膜"].Known || got["叉车"].Known || len(got["叉车"].Examples) != 3 {
			t.Errorf("known/new: %+v %+v", got["防潮膜"], got["叉车"])
		}
		if terms[0].Term != "防潮膜" && terms[0].Term != "禁用胶带" {
			t.Errorf("configured terms first: %+v", terms[0])
		}
		w := got["防潮膜"].Weeks
		if len(w) != 13 || w[12] != 1 || w[9] != 1 {
			t.Errorf("防潮膜 weeks %v", w)
		}
	})
}
