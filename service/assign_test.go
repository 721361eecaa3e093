package service_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// New orders are spread over the customer-service staff — each to whoever
// holds the fewest open orders — instead of all going to the first of
// them; orders placed together in one batch are spread too.
func TestNewOrdersSpreadOverOwners(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		ctx := context.Background()
		must(e.catalog.CreateStaff(ctx, service.StaffInput{UserID: "cs2", Name: "周客服", Roles: []string{"customer_service"}}))
		must(e.catalog.CreateStaff(ctx, service.StaffInput{UserID: "cs3", Name: "郑客服", Roles: []string{"customer_service"}}))
		e.put(t, "A", "BOLT-M8", 1000)
		held := func() map[string]int {
			var rows []struct {
				UserID string
				N      int
			}
			if err := db.Table("orders").Select("staffs.user_id, COUNT(*) AS n").Joins("JOIN staffs ON staffs.id = orders.owner_staff_id").
				Where("orders.stage = ?", "submitted").Group("staffs.user_id").Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			m := map[string]int{}
			for _, r := range rows {
				m[r.UserID] = r.N
			}
			return m
		}
		place := func() string {
			d, _, err := e.orders.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}, Actor: service.Admin})
			if err != nil {
				t.Fatal(err)
			}
			return d.Order.No
		}
		var first []string
		for i := 0; i < 6; i++ {
			first = append(first, place())
		}
		if got := held(); got["cs"] != 2 || got["cs2"] != 2 || got["cs3"] != 2 {
			t.Fatalf("six orders held %v, want 2 each", got)
		}
		// cs's two orders move on: cs now holds the fewest and gets the
		// next ones until even again.
		for _, no := range first {
			o := must(e.orders.Get(ctx, no))
			if o.Owner != nil && o.Owner.UserID == "cs" {
				must(e.orders.Cancel(ctx, no, service.Admin, "test"))
			}
		}
		e.clock.Add(time.Minute) // the counts are read again
		place()
		place()
		if got := held(); got["cs"] != 2 || got["cs2"] != 2 || got["cs3"] != 2 {
			t.Fatalf("after cs's orders moved on: %v, want 2 each", got)
		}
		// Placed at once (batched together, and by two instances).
		var wg sync.WaitGroup
		for i := 0; i < 12; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				o := e.orders
				if i%2 == 1 {
					o = e.orders2
				}
				if _, _, err := o.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}, Actor: service.Admin}); err != nil {
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
		got := held()
		for _, u := range []string{"cs", "cs2", "cs3"} {
			// Two instances count their own assignments between reads: at
			// most one instance's batch apart.
			if got[u] < 4 || got[u] > 8 {
				t.Errorf("after 12 more at once: %v, want about 6 each", got)
				break
			}
		}
	})
}

// Orders moving on are spread too: into 配货中 each goes to the picker of
// its warehouse holding the fewest open orders (before, every one went to
// the first picker); a move within one role (待发货 → 已发货, both the
// dispatcher's) stays with the order's owner.
func TestStageAdvancesSpreadOverOwners(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		ctx := context.Background()
		must(e.catalog.CreateStaff(ctx, service.StaffInput{UserID: "picker2", Name: "吴配货", Roles: []string{"picker"}, Warehouse: "A"}))
		must(e.catalog.CreateStaff(ctx, service.StaffInput{UserID: "pickerB", Name: "冯配货", Roles: []string{"picker"}, Warehouse: "B"}))
		must(e.catalog.CreateStaff(ctx, service.StaffInput{UserID: "disp2", Name: "褚发货", Roles: []string{"dispatcher"}, Warehouse: "A"}))
		e.put(t, "A", "BOLT-M8", 1000)
		move := func(no, to string, fields map[string]string) string {
			t.Helper()
			if _, err := e.orders.Advance(ctx, service.Move{No: no, To: to, Actor: service.Admin, Fields: fields}); err != nil {
				t.Fatalf("%s → %s: %v", no, to, err)
			}
			o := must(e.orders.Get(ctx, no))
			if o.Owner == nil {
				t.Fatalf("%s in %s has no owner", no, to)
			}
			return o.Owner.UserID
		}
		got := map[string]int{}
		var nos []string
		for i := 0; i < 4; i++ {
			d, _, err := e.orders.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}, Actor: service.Admin})
			if err != nil {
				t.Fatal(err)
			}
			nos = append(nos, d.Order.No)
			move(d.Order.No, "confirmed", map[string]string{"promised_at": "2026-12-30 18:00"})
			got[move(d.Order.No, "picking", nil)]++
		}
		if got["picker"] != 2 || got["picker2"] != 2 {
			t.Fatalf("four orders into 配货中 went to %v, want 2 each to the pickers of warehouse A", got)
		}
		var packers []string
		for _, no := range nos[:2] {
			move(no, "qc", map[string]string{"qc_inspector": "刘质检"})
			packers = append(packers, move(no, "packed", nil))
		}
		if packers[0] != "disp" || packers[1] != "disp2" {
			t.Fatalf("two orders into 待发货 went to %v, want disp then disp2", packers)
		}
		shipper := move(nos[1], "shipped", map[string]string{"carrier": "顺丰", "tracking_no": "SF1234567890", "waybill_photo": attachWaybill(t, e.orders, nos[1])})
		if shipper != "disp2" {
			t.Errorf("packed by disp2, shipped by %s: want the same dispatcher", shipper)
		}
	})
}

// A lead is pushed about the orders of their own warehouse; a warehouse
// without a lead of that role falls back to the company-wide leads (no
// warehouse), and to every holder of the role when there are none.
func TestEscalationGoesToTheWarehouseLead(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, func(c *config.Config) {
			c.Stages[0].Escalation = []config.Level{{After: config.Duration(2 * time.Second), Notify: []string{"cs_lead"}}}
			// Routing, not grouping: every level goes out when due.
			c.Escalation.NudgeGap = 0
		})
		ctx := context.Background()
		must(x.catalog.CreateStaff(ctx, service.StaffInput{UserID: "csleadA", Name: "上海客服主管", Roles: []string{"cs_lead"}, Warehouse: "A"}))
		must(x.catalog.CreateStaff(ctx, service.StaffInput{UserID: "csleadB", Name: "苏州客服主管", Roles: []string{"cs_lead"}, Warehouse: "B"}))
		must(x.catalog.CreateCustomer(ctx, service.CustomerInput{Code: "C3", Name: "杭州五金", Region: "杭州"}))
		pushOf := func(customer string) string {
			t.Helper()
			d, _, err := x.orders.Create(ctx, service.NewOrder{Customer: customer, Address: "某地某路1号", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}, Actor: service.Admin})
			if err != nil {
				t.Fatal(err)
			}
			before := len(pushes(t, db))
			x.clock.Add(3 * time.Second)
			x.scan(t)
			rows := pushes(t, db)[before:]
			if len(rows) != 1 {
				t.Fatalf("order of %s (warehouse %d): %d pushes, want 1", customer, d.Order.WarehouseID, len(rows))
			}
			return rows[0].ToUser
		}
		if to := pushOf("C1"); to != "csleadA" {
			t.Errorf("an order of warehouse A pushed %q, want its lead csleadA", to)
		}
		if to := pushOf("C2"); to != "csleadB" {
			t.Errorf("an order of warehouse B pushed %q, want its lead csleadB", to)
		}
		if to := pushOf("C3"); to != "cslead" {
			t.Errorf("an order of warehouse C (no lead there) pushed %q, want the company-wide lead cslead", to)
		}
		// Without a company-wide lead, every lead hears of C's orders.
		if err := db.Model(&model.Staff{}).Where("user_id = ?", "cslead").Update("active", false).Error; err != nil {
			t.Fatal(err)
		}
		if to := pushOf("C3"); to != "csleadA|csleadB" {
			t.Errorf("with no lead at C nor company-wide, pushed %q, want every lead", to)
		}
	})
}
