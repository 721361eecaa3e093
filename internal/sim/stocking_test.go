package sim

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// TestMeasureStocking: the window customers' orders from the list day to
// the window's end are counted by group — STK001–STK010 were sent lists,
// STK011–STK020 not — a rush order being one marked 加急 or promised
// within 24 business hours; orders before the list day, after the window,
// cancelled or of other customers are not; the report shows both shares.
func TestMeasureStocking(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		start := Origin
		real := func(biz time.Time) time.Time { return biz.UTC() } // orderhub runs on business time
		opt := Options{Days: 3, StockingTake: 0.6}
		listDay, window := Origin.AddDate(0, 0, 1), Origin.AddDate(0, 0, 2)
		ids := map[string]uint64{}
		for _, code := range []string{"STK001", "STK002", "STK011", "SIM001"} {
			c := model.Customer{Code: code, Name: code}
			if err := db.Create(&c).Error; err != nil {
				t.Fatal(err)
			}
			ids[code] = c.ID
		}
		n := 0
		add := func(code string, placed time.Time, remark string, promisedIn time.Duration, stage string) {
			n++
			o := model.Order{No: "SO" + strings.Repeat("0", 3) + string(rune('A'+n)), Channel: "miniprogram", CustomerID: ids[code], WarehouseID: 1, Remark: remark,
				Stage: stage, StageEnteredAt: real(placed), CreatedAt: real(placed), UpdatedAt: real(placed)}
			if promisedIn > 0 {
				p := real(placed.Add(promisedIn))
				o.PromisedAt = &p
			}
			if err := db.Create(&o).Error; err != nil {
				t.Fatal(err)
			}
		}
		add("STK001", listDay.Add(10*time.Hour), "按备货清单下单", 32*time.Hour, "confirmed") // planned: not rush
		add("STK001", window.Add(11*time.Hour), "加急补货", 0, "submitted")                // rush
		add("STK002", window.Add(9*time.Hour), "今天要", 20*time.Hour, "confirmed")       // promised within a day: rush
		add("STK002", window.Add(12*time.Hour), "加急", 0, "cancelled")                  // cancelled: not counted
		add("STK011", window.Add(10*time.Hour), "加急，今天要用", 0, "submitted")             // rush
		add("STK011", listDay.Add(-2*time.Hour), "加急", 0, "submitted")                 // before the list day
		add("STK011", window.Add(25*time.Hour), "加急", 0, "submitted")                  // after the window
		add("SIM001", window.Add(10*time.Hour), "加急", 0, "submitted")                  // not a window customer
		f, err := MeasureStocking(context.Background(), db, start.Add(-time.Hour), Outcome{}, opt)
		if err != nil {
			t.Fatal(err)
		}
		if f.Window != "2026-12-02" || f.Lists != 10 || f.Taken != 1 ||
			f.With != (RushFigure{Orders: 3, Rush: 2, Share: 2.0 / 3}) || f.Without != (RushFigure{Orders: 1, Rush: 1, Share: 1}) {
			t.Fatalf("figures %+v", f)
		}
		var md bytes.Buffer
		Report{With: Replay{Figures: Figures{Label: "with escalation"}, Stocking: f}}.stockingMarkdown(&md)
		if !strings.Contains(md.String(), "| with escalation | 2026-12-02 | 10 / 1 (take 60%) | 66.7% (2/3) | 100.0% (1/1) |") {
			t.Fatalf("markdown:\n%s", md.String())
		}
		if f, err := MeasureStocking(context.Background(), db, start, Outcome{}, Options{Days: 3}); f != nil || err != nil {
			t.Fatalf("not modelled: %+v %v", f, err)
		}
	})
}
