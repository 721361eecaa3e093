package insight_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service/insight"
	"orderhub/service/servicetest"
)

// TestInsightReleasesMemory: when the last Calendar or Remarks call
// running ends, the insight hands its memory back — on SQLite the idle
// connections that read the orders are closed — once per quiet moment,
// never while a call runs, and concurrent calls answer as one call alone.
func TestInsightReleasesMemory(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := servicetest.NewEnv(t, db)
		e.World(t)
		h := &history{t: t, db: db}
		now := e.Clock.Now()
		for i := 0; i < 40; i++ {
			o := h.order([]string{"C1", "C2"}[i%2], "A", "api", now.AddDate(0, 0, -i), now.AddDate(0, 0, 2-i), 1)
			if err := db.Model(&model.Order{}).Where("id = ?", o.ID).Update("remark", insight.DemoRemarks[i%len(insight.DemoRemarks)]).Error; err != nil {
				t.Fatal(err)
			}
		}
		ctx := context.Background()
		in := insight.NewInsight(db, e.Clock.Now, e.Cfg.Location(), nil)
		var mu sync.Mutex
		releases, busy := 0, 0
		insight.ObserveInsightRelease(in, func(running int) {
			mu.Lock()
			defer mu.Unlock()
			releases++
			if running != 0 {
				busy++
			}
		})
		count := func() (int, int) {
			mu.Lock()
			defer mu.Unlock()
			return releases, busy
		}
		sqlDB, err := db.DB()
		if err != nil {
			t.Fatal(err)
		}
		// The test's own connections are idle: start from none.
		if err := model.ReleaseMemory(ctx, db); err != nil {
			t.Fatal(err)
		}
		if _, err := in.Calendar(ctx, "", 90); err != nil {
			t.Fatal(err)
		}
		if n, _ := count(); n != 1 {
			t.Errorf("%d releases after Calendar, want 1", n)
		}
		want, err := in.Remarks(ctx, 90)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := count(); n != 2 {
			t.Errorf("%d releases after Remarks, want 2", n)
		}
		if st := sqlDB.Stats(); !model.IsMySQL(db) && st.Idle != 0 {
			t.Errorf("SQLite: %d idle connections kept after Remarks", st.Idle)
		}
		// An answer is not a release: bad input reads nothing.
		if _, err := in.Remarks(ctx, 3); err == nil {
			t.Fatal("days 3 accepted")
		}
		if n, _ := count(); n != 2 {
			t.Errorf("%d releases after a refused call, want 2", n)
		}

		const callers = 8
		var wg sync.WaitGroup
		errs := make(chan error, callers)
		for i := 0; i < callers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%2 == 0 {
					_, err := in.Calendar(ctx, "", 90)
					errs <- err
					return
				}
				got, err := in.Remarks(ctx, 90)
				if err == nil && fmt.Sprint(got) != fmt.Sprint(want) {
					err = fmt.Errorf("concurrent Remarks %v, alone %v", got, want)
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		n, b := count()
		if n < 3 || n > 2+callers || b != 0 {
			t.Errorf("%d releases for %d concurrent calls (%d while a call ran), want 1–%d and none", n-2, callers, b, callers)
		}
	})
}
