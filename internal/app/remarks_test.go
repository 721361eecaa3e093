package app

import (
	"context"
	"slices"
	"testing"
	"time"

	"orderhub/internal/demo"
	"orderhub/internal/testclock"
	"orderhub/model/modeltest"
	"orderhub/web"
)

// TestDemoRemarkThemesAPI: GET /api/v1/insight/remarks on the demo's
// history answers the terms without filler or half phrases and the themes
// a manager acts on, each with its share of the customers who ordered.
func TestDemoRemarkThemesAPI(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		clock := testclock.New(time.Date(2026, 12, 15, 2, 0, 0, 0, time.UTC))
		d := startDemo(t, mysql, clock.Now)
		a := d.app
		if _, err := demo.NewHistory(a.db, a.catalog, a.orders, a.tickets, clock.Now, a.cfg.Location()).Seed(context.Background(), 30); err != nil {
			t.Fatal(err)
		}
		var out struct {
			Items  []web.TermJSON
			Themes []web.ThemeJSON
		}
		if code := d.getJSON(t, "/api/v1/insight/remarks?days=30", &out); code != 200 {
			t.Fatalf("remarks = %d", code)
		}
		var terms []string
		for _, it := range out.Items {
			terms = append(terms, it.Term)
		}
		for _, want := range []string{"防潮膜", "周末不收", "产线停工待料"} {
			if !slices.Contains(terms, want) {
				t.Errorf("no %q in %v", want, terms)
			}
		}
		for _, bad := range []string{"需要", "请加", "送到", "包好", "二号", "两次", "不收"} {
			if slices.Contains(terms, bad) {
				t.Errorf("%q is a term: %v", bad, terms)
			}
		}
		byName := map[string]web.ThemeJSON{}
		for _, th := range out.Themes {
			byName[th.Theme] = th
		}
		pack := byName["包装"]
		if pack.Customers == 0 || pack.Share <= 0 || pack.Share > 1 || !slices.Contains(pack.Terms, "防潮膜") {
			t.Errorf("包装 theme %+v of %+v", pack, out.Themes)
		}
		if len(out.Themes) < 4 {
			t.Errorf("themes %+v", out.Themes)
		}
	})
}
