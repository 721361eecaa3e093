package insight_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/insight"
	"orderhub/service/servicetest"
)

// TestPurchaseCalendarAndRemarkTerms: a customer ordering on the 22nd–25th
// is flagged as clustered, one ordering all month is not; the remark terms
// count configured requirements whole (禁用胶带 is not 禁用 + 胶带) and
// find new terms with the segmenter.
func TestPurchaseCalendarAndRemarkTerms(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := servicetest.NewEnv(t, db)
		e.World(t)
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
		in := insight.NewInsight(db, e.Clock.Now, e.Cfg.Location(), []string{"防潮膜", "禁用胶带", "卸货平台"})
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
		got := map[string]insight.RemarkTerm{}
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
		// Filler is no term: 需要 is asked of nobody.
		if _, ok := got["需要"]; ok {
			t.Errorf("filler 需要 counted: %+v", terms)
		}

		// Themes: of the two customers who ordered, one asked for
		// packaging (防潮膜, 禁用胶带, 封口), one about delivery (叉车卸货):
		// each is half the customers.
		themes, err := in.RemarkThemes(ctx, 90, terms)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]insight.RemarkTheme{}
		for _, th := range themes {
			byName[th.Name] = th
		}
		pack, deliv := byName["包装"], byName["送货时间与方式"]
		if pack.Customers != 1 || pack.Share != 0.5 || pack.Orders != 5 || !slices.Contains(pack.Terms, "防潮膜") {
			t.Errorf("包装 %+v", pack)
		}
		if deliv.Customers != 1 || deliv.Share != 0.5 || deliv.Orders != 5 {
			t.Errorf("送货时间与方式 %+v", deliv)
		}
		if _, ok := byName["单据"]; ok {
			t.Errorf("a theme nobody asked for is listed: %+v", themes)
		}
	})
}

// TestRemarkPhrasesAndFiller: pieces that always come together are one
// phrase (产线 + 停工待料), a negation stays with what it negates (周末 +
// 不收, though 周末 is also written alone), and filler (需要, 请加, 两次,
// 二号, 送到, 包好) is no term.
func TestRemarkPhrasesAndFiller(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := servicetest.NewEnv(t, db)
		e.World(t)
		h := &history{t: t, db: db}
		remarks := []string{"工作日白天送货，周末不收", "周末不收", "周末送货也行", "加急，产线停工待料", "加急，产线停工待料",
			"需要质检报告", "请加防潮膜", "分两次送货", "送到二号门", "防潮膜包好", "请加防潮膜", "分两次送货", "送到二号门", "防潮膜包好"}
		for i, r := range remarks {
			day := time.Date(2026, 11, 1+i, 2, 0, 0, 0, time.UTC)
			o := h.order("C1", "A", "api", day, day.Add(48*time.Hour), 1)
			db.Model(&model.Order{}).Where("id = ?", o.ID).Update("remark", r)
		}
		terms, err := insight.NewInsight(db, e.Clock.Now, e.Cfg.Location(), nil).Remarks(context.Background(), 90)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, rt := range terms {
			got[rt.Term] = rt.Count
		}
		if got["周末不收"] != 2 || got["产线停工待料"] != 2 {
			t.Errorf("phrases: %v", got)
		}
		for _, bad := range []string{"不收", "产线", "需要", "请加", "两次", "二号", "送到", "包好"} {
			if _, ok := got[bad]; ok {
				t.Errorf("%q is a term: %v", bad, got)
			}
		}
	})
}
