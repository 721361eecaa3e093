package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// A transfer has a 发出 step before 到货: the sending keeper dispatches it
// with a carrier and a waybill, the receiving warehouse's keepers are in
// the outcome, and the step has its own clock that escalates until it is
// taken and stops (its ticket resolving itself) once it is.
func TestTransferDispatch(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, func(c *config.Config) { c.Stages[0].Escalation = nil })
		ctx := context.Background()
		x.put(t, "A", "NUT-M8", 5)
		x.put(t, "B", "NUT-M8", 10)
		d := must3(x.orders.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "NUT-M8", Qty: 8}}, Actor: service.Admin}))
		trs := must(x.transfers.List(ctx, service.TransferFilter{OrderNo: d.Order.No}))
		if len(trs) != 1 || trs[0].Assignee != "李仓管" || trs[0].Dispatched() {
			t.Fatalf("transfer: %+v", trs)
		}
		id := trs[0].ID
		keeperB := must(x.catalog.StaffActor(ctx, "keeperB"))
		picker := must(x.catalog.StaffActor(ctx, "picker"))

		// Not dispatched within 2 h: the keeper lead hears of it.
		x.clock.Add(2*time.Hour + time.Second)
		if r := x.scan(t); r.Fired != 1 {
			t.Fatalf("at 2 h: fired %d, want 1 (the dispatch clock)", r.Fired)
		}
		rows := pushes(t, db)
		if len(rows) != 1 || rows[0].ToUser != "lead" || !strings.Contains(rows[0].Body, "未发出") {
			t.Fatalf("pushes: %+v", rows)
		}

		for _, tc := range []struct {
			name string
			in   service.Dispatch
			code string
		}{
			{"a picker may not", service.Dispatch{ID: id, Carrier: "顺丰", WaybillNo: "SF1", Actor: picker}, "forbidden"},
			{"no carrier", service.Dispatch{ID: id, WaybillNo: "SF1", Actor: keeperB}, "required"},
			{"no waybill", service.Dispatch{ID: id, Carrier: "顺丰", Actor: keeperB}, "required"},
			{"unknown transfer", service.Dispatch{ID: 999, Carrier: "顺丰", WaybillNo: "SF1", Actor: keeperB}, "transfer_not_found"},
		} {
			if _, err := x.transfers.Dispatch(ctx, tc.in); service.ErrorCode(err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			}
		}
		v, err := x.transfers.Dispatch(ctx, service.Dispatch{ID: id, Carrier: "顺丰", WaybillNo: "SF778899", Actor: keeperB})
		if err != nil {
			t.Fatal(err)
		}
		if !v.Dispatched() || v.Carrier != "顺丰" || v.WaybillNo != "SF778899" || v.DispatchedBy != "李仓管(keeperB)" || !v.DispatchedAt.Equal(x.clock.Now()) {
			t.Fatalf("dispatched: %+v", v)
		}
		if _, err := x.transfers.Dispatch(ctx, service.Dispatch{ID: id, Carrier: "顺丰", WaybillNo: "SF2", Actor: keeperB}); service.ErrorCode(err) != "transfer_dispatched" {
			t.Fatalf("twice: %v", err)
		}
		// Shipping still waits for 到货: stock has not moved.
		det := must(x.orders.Get(ctx, d.Order.No))
		found := false
		for _, e := range det.Events {
			found = found || (e.Kind == "transfer_dispatched" && strings.Contains(e.Note, "SF778899") && strings.Contains(e.Note, "从 B 发出"))
		}
		if !found || det.Assignees[*det.Transfers[0].AssigneeStaffID].Name != "李仓管" {
			t.Fatalf("order detail: events %+v, assignees %+v", det.Events, det.Assignees)
		}

		// The arrival clock runs on; the dispatch ticket resolves itself
		// when its own resolve clock comes due, saying why.
		x.clock.Add(2 * time.Hour)
		if r := x.scan(t); r.Fired != 1 {
			t.Fatalf("at 4 h: fired %d, want 1 (the arrival clock)", r.Fired)
		}
		if rows := pushes(t, db); len(rows) != 2 || !strings.Contains(rows[1].Body, "未到货") {
			t.Fatalf("pushes: %+v", rows)
		}
		x.clock.Add(2*time.Hour + time.Minute)
		x.scan(t)
		var resolved bool
		for _, tk := range must(x.tickets.List(ctx, service.TicketFilter{OrderNo: d.Order.No})) {
			if strings.Contains(tk.Description, "未发出") {
				resolved = tk.State == model.TicketResolved && strings.Contains(tk.Resolution, "已发出")
			}
		}
		if !resolved {
			t.Fatalf("the dispatch ticket did not resolve itself after 发出: %+v", must(x.tickets.List(ctx, service.TicketFilter{OrderNo: d.Order.No})))
		}
		must(x.transfers.Receive(ctx, id, must(x.catalog.StaffActor(ctx, "keeperA"))))
	})
}
