package service_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

func staff(t testing.TB, e *env, userID string) service.Actor {
	t.Helper()
	return must(e.catalog.StaffActor(context.Background(), userID))
}

func TestReserveAcrossWarehouses(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 60)
		e.put(t, "B", "BOLT-M8", 50)
		ctx := context.Background()

		d, created, err := e.orders.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "bolt-m8", Qty: 100}}, Address: "上海市嘉定区", Actor: service.Admin})
		if err != nil || !created {
			t.Fatalf("create = %v, %v", created, err)
		}
		if d.Order.No != "SO20261124-000001" && d.Order.No[:10] != "SO20261124" {
			t.Errorf("order no = %s", d.Order.No)
		}
		if d.Order.Stage != "submitted" || d.Order.TotalFen != 450000 || d.Warehouse.Code != "A" {
			t.Errorf("order = %+v, warehouse %s", d.Order, d.Warehouse.Code)
		}
		if got := [2][2]int64{pair(e.stockOf(t, "A", "BOLT-M8")), pair(e.stockOf(t, "B", "BOLT-M8"))}; got != [2][2]int64{{60, 60}, {50, 40}} {
			t.Errorf("stock (on hand, locked) A, B = %v", got)
		}
		if len(d.Transfers) != 1 || d.Transfers[0].Qty != 40 {
			t.Fatalf("transfers = %+v", d.Transfers)
		}
		trs := must(e.transfers.List(ctx, service.TransferFilter{OrderNo: d.Order.No}))
		if len(trs) != 1 || trs[0].From != "B" || trs[0].To != "A" || trs[0].Assignee != "李仓管" || trs[0].Status != "pending" {
			t.Errorf("transfer view = %+v", trs)
		}
		if d.Owner == nil || d.Owner.UserID != "cs" {
			t.Errorf("owner of a submitted order = %+v, want customer service", d.Owner)
		}
		checkInvariants(t, db)
	})
}

func pair(a, b int64) [2]int64 { return [2]int64{a, b} }

func TestRefusedOrderLocksNothing(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 10)
		e.put(t, "B", "NUT-M8", 7)
		e.put(t, "C", "NUT-M8", 5)
		_, _, err := e.orders.Create(context.Background(), service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 10}, {SKU: "NUT-M8", Qty: 13}}})
		var short *service.ShortError
		if !errors.As(err, &short) || !errors.Is(err, service.ErrConflict) {
			t.Fatalf("err = %v, want a ShortError", err)
		}
		if len(short.Lines) != 1 || short.Lines[0] != (service.Shortage{SKU: "NUT-M8", Want: 13, Available: 12}) {
			t.Errorf("shortages = %+v", short.Lines)
		}
		var orders, allocs int64
		db.Model(&model.Order{}).Count(&orders)
		db.Model(&model.Allocation{}).Count(&allocs)
		if orders != 0 || allocs != 0 {
			t.Errorf("a refused order left %d orders, %d allocations", orders, allocs)
		}
		if _, locked := e.stockOf(t, "A", "BOLT-M8"); locked != 0 {
			t.Errorf("BOLT-M8 locked %d after refusal", locked)
		}
		checkInvariants(t, db)
	})
}

func TestOrderValidation(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 10)
		many := make([]service.LineInput, service.MaxOrderLines+1)
		for i := range many {
			many[i] = service.LineInput{SKU: "BOLT-M8", Qty: 1}
		}
		tests := []struct {
			name string
			in   service.NewOrder
			code string
		}{
			{"no lines", service.NewOrder{Customer: "C1"}, "no_lines"},
			{"zero qty", service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 0}}}, "invalid_qty"},
			{"negative qty", service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: -2}}}, "invalid_qty"},
			{"unknown sku", service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "NOPE", Qty: 1}}}, "unknown_sku"},
			{"too many lines", service.NewOrder{Customer: "C1", Lines: many}, "too_many_lines"},
			{"unknown customer", service.NewOrder{Customer: "ZZ", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}}, "unknown_customer"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := e.orders.Create(context.Background(), tc.in)
				if !errors.Is(err, service.ErrInvalid) || service.ErrorCode(err) != tc.code {
					t.Fatalf("err = %v (code %q), want code %q", err, service.ErrorCode(err), tc.code)
				}
			})
		}
		if _, locked := e.stockOf(t, "A", "BOLT-M8"); locked != 0 {
			t.Errorf("refused orders locked %d", locked)
		}
	})
}

func TestRepeatedSKUsAreMerged(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 10)
		d := must3(e.orders.Create(context.Background(), service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 3}, {SKU: "bolt-m8", Qty: 4}}}))
		if len(d.Order.Lines) != 1 || d.Order.Lines[0].Qty != 7 {
			t.Fatalf("lines = %+v", d.Order.Lines)
		}
	})
}

func must3[T any](v T, _ bool, err error) T { return must(v, err) }

func TestIdempotencyKey(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 100)
		ctx := context.Background()
		in := service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 5}}, IdempotencyKey: "k-1"}

		// 16 retries of one request at once, through two instances: one
		// order, one lock.
		var wg sync.WaitGroup
		nos := make([]string, 16)
		var createdN atomic.Int32
		for i := range nos {
			wg.Add(1)
			go func() {
				defer wg.Done()
				inst := e.orders
				if i%2 == 1 {
					inst = e.orders2
				}
				d, created, err := inst.Create(ctx, in)
				if err != nil {
					t.Errorf("retry %d: %v", i, err)
					return
				}
				if created {
					createdN.Add(1)
				}
				nos[i] = d.Order.No
			}()
		}
		wg.Wait()
		for _, no := range nos {
			if no != nos[0] {
				t.Fatalf("retries got different orders: %v", nos)
			}
		}
		if createdN.Load() != 1 {
			t.Errorf("created reported %d times, want 1", createdN.Load())
		}
		if _, locked := e.stockOf(t, "A", "BOLT-M8"); locked != 5 {
			t.Errorf("locked = %d, want 5", locked)
		}
		// The same key for another order is refused, not ignored.
		in.Lines[0].Qty = 6
		_, _, err := e.orders.Create(ctx, in)
		if service.ErrorCode(err) != "idempotency_key_reused" {
			t.Errorf("reused key: err = %v", err)
		}
		// Fields that join to the same text are still different requests,
		// through either instance (issue 9: the hash joined them with "|").
		first := service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}, Address: "a|b", IdempotencyKey: "k-2"}
		if _, _, err := e.orders.Create(ctx, first); err != nil {
			t.Fatal(err)
		}
		second := first
		second.Address, second.Remark = "a", "b|"
		for _, inst := range []*service.Orders{e.orders, e.orders2} {
			if _, _, err := inst.Create(ctx, second); service.ErrorCode(err) != "idempotency_key_reused" {
				t.Errorf("a different body whose fields join alike: err = %v, want idempotency_key_reused", err)
			}
		}
		checkInvariants(t, db)
	})
}

func TestCancelReleases(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 6)
		e.put(t, "B", "BOLT-M8", 10)
		ctx := context.Background()
		d := must3(e.orders.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 10}}}))

		// A picker does not own the submitted stage.
		if _, err := e.orders.Cancel(ctx, d.Order.No, staff(t, e, "picker"), "试试"); !errors.Is(err, service.ErrForbidden) {
			t.Fatalf("picker cancel: %v", err)
		}
		got, err := e.orders.Cancel(ctx, d.Order.No, staff(t, e, "cs"), "客户改单")
		if err != nil {
			t.Fatal(err)
		}
		if got.Order.Stage != service.StageCancelled || got.Transfers[0].Status != model.TransferCancelled {
			t.Errorf("after cancel: stage %s, transfers %+v", got.Order.Stage, got.Transfers)
		}
		if _, l := e.stockOf(t, "A", "BOLT-M8"); l != 0 {
			t.Errorf("A locked %d after cancel", l)
		}
		if _, l := e.stockOf(t, "B", "BOLT-M8"); l != 0 {
			t.Errorf("B locked %d after cancel", l)
		}
		if _, err := e.orders.Cancel(ctx, d.Order.No, service.Admin, ""); service.ErrorCode(err) != "already_cancelled" {
			t.Errorf("second cancel: %v", err)
		}
		last := got.Events[len(got.Events)-1]
		if last.Kind != "cancelled" || last.Actor != "孙客服(cs)" || last.Note != "客户改单" {
			t.Errorf("last event = %+v", last)
		}
		checkInvariants(t, db)
	})
}

func TestCustomerCancelOnlyEarly(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 10)
		ctx := context.Background()
		c1 := must(e.catalog.Customer(ctx, "C1"))
		c2 := must(e.catalog.Customer(ctx, "C2"))
		buyer := service.Actor{Kind: service.ActorCustomer, ID: "C1", CustomerID: c1.ID}
		other := service.Actor{Kind: service.ActorCustomer, ID: "C2", CustomerID: c2.ID}
		d := must3(e.orders.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}}))
		if _, err := e.orders.Cancel(ctx, d.Order.No, other, ""); !errors.Is(err, service.ErrNotFound) {
			t.Errorf("another buyer cancelling: %v, want not found", err)
		}
		advance(t, e, d.Order.No, "confirmed", service.Admin, map[string]string{"promised_at": "2026-11-28"})
		advance(t, e, d.Order.No, "picking", service.Admin, nil)
		if _, err := e.orders.Cancel(ctx, d.Order.No, buyer, ""); service.ErrorCode(err) != "not_cancellable" {
			t.Errorf("buyer cancelling while picking: %v", err)
		}
	})
}

func advance(t testing.TB, e *env, no, to string, a service.Actor, fields map[string]string) service.Detail {
	t.Helper()
	d, err := e.orders.Advance(context.Background(), service.Move{No: no, To: to, Actor: a, Fields: fields})
	if err != nil {
		t.Fatalf("advance %s to %s: %v", no, to, err)
	}
	return d
}

func TestStageEngine(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 3)
		e.put(t, "B", "BOLT-M8", 10)
		ctx := context.Background()
		d := must3(e.orders.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 5}}}))
		no := d.Order.No
		try := func(to string, a service.Actor, fields map[string]string) error {
			_, err := e.orders.Advance(ctx, service.Move{No: no, To: to, Actor: a, Fields: fields})
			return err
		}

		// Skipping a stage, unknown stages, wrong roles, missing fields.
		var te *service.TransitionError
		if err := try("picking", staff(t, e, "cs"), nil); !errors.As(err, &te) || te.Allowed[0] != "confirmed" {
			t.Errorf("skip: %v", err)
		}
		if err := try("nowhere", staff(t, e, "cs"), nil); service.ErrorCode(err) != "unknown_stage" {
			t.Errorf("unknown stage: %v", err)
		}
		if err := try("confirmed", staff(t, e, "picker"), map[string]string{"promised_at": "2026-11-28 18:00"}); !errors.Is(err, service.ErrForbidden) {
			t.Errorf("wrong role: %v", err)
		}
		var mf *service.MissingFieldsError
		if err := try("confirmed", staff(t, e, "cs"), nil); !errors.As(err, &mf) || mf.Fields[0] != "promised_at" {
			t.Errorf("missing promised_at: %v", err)
		}
		if err := try("confirmed", staff(t, e, "cs"), map[string]string{"promised_at": "next tuesday"}); service.ErrorCode(err) != "invalid_time" {
			t.Errorf("bad promised_at: %v", err)
		}
		e.clock.Add(30 * 60e9)
		d = advance(t, e, no, "confirmed", staff(t, e, "cs"), map[string]string{"promised_at": "2026-11-28 18:00"})
		if d.Order.PromisedAt == nil || d.Order.PromisedAt.Format("2006-01-02 15:04") != "2026-11-28 10:00" {
			t.Errorf("promised_at = %v, want 18:00 Shanghai = 10:00 UTC", d.Order.PromisedAt)
		}
		if d.Owner == nil || d.Owner.UserID != "keeperA" || d.Order.StageDueAt == nil {
			t.Errorf("confirmed: owner %+v, due %v", d.Owner, d.Order.StageDueAt)
		}
		// A supervisor may move any stage.
		advance(t, e, no, "picking", staff(t, e, "boss"), nil)
		if err := try("qc", staff(t, e, "picker"), nil); !errors.As(err, &mf) || mf.Fields[0] != "qc_inspector" {
			t.Errorf("qc without inspector: %v", err)
		}
		advance(t, e, no, "qc", staff(t, e, "picker"), map[string]string{"qc_inspector": "刘质检"})
		advance(t, e, no, "packed", staff(t, e, "qc"), nil)
		if err := try("shipped", staff(t, e, "disp"), map[string]string{"carrier": "顺丰"}); !errors.As(err, &mf) || len(mf.Fields) != 2 {
			t.Errorf("ship missing fields: %v", err)
		}
		ship := map[string]string{"carrier": "顺丰", "tracking_no": "SF1234567890", "waybill_photo": attachWaybill(t, e.orders, no)}
		// 2 of the 5 come from B: the transfer must arrive first.
		if err := try("shipped", staff(t, e, "disp"), ship); service.ErrorCode(err) != "transfers_pending" {
			t.Fatalf("ship before transfer: %v", err)
		}
		trs := must(e.transfers.List(ctx, service.TransferFilter{OrderNo: no}))
		if _, err := e.transfers.Receive(ctx, trs[0].ID, staff(t, e, "picker")); !errors.Is(err, service.ErrForbidden) {
			t.Errorf("picker receiving: %v", err)
		}
		tv := must(e.transfers.Receive(ctx, trs[0].ID, staff(t, e, "keeperA")))
		if tv.Status != model.TransferReceived || tv.ReceivedBy != "王仓管(keeperA)" {
			t.Errorf("received transfer = %+v", tv)
		}
		if _, err := e.transfers.Receive(ctx, trs[0].ID, staff(t, e, "keeperA")); service.ErrorCode(err) != "transfer_not_pending" {
			t.Errorf("second receive: %v", err)
		}
		if got := [2][2]int64{pair(e.stockOf(t, "A", "BOLT-M8")), pair(e.stockOf(t, "B", "BOLT-M8"))}; got != [2][2]int64{{5, 5}, {8, 0}} {
			t.Errorf("after transfer, (on hand, locked) A, B = %v", got)
		}
		d = advance(t, e, no, "shipped", staff(t, e, "disp"), ship)
		if d.Order.Carrier != "顺丰" || d.Order.TrackingNo != "SF1234567890" {
			t.Errorf("shipped order = %+v", d.Order)
		}
		if got := pair(e.stockOf(t, "A", "BOLT-M8")); got != [2]int64{0, 0} {
			t.Errorf("after ship, A = %v", got)
		}
		if _, err := e.orders.Cancel(ctx, no, service.Admin, ""); service.ErrorCode(err) != "not_cancellable" {
			t.Errorf("cancel after ship: %v", err)
		}
		d = advance(t, e, no, "delivered", service.Admin, nil)
		if err := try("delivered", service.Admin, nil); !errors.As(err, &te) {
			t.Errorf("move after the last stage: %v", err)
		}
		var kinds []string
		for _, ev := range d.Events {
			kinds = append(kinds, ev.Kind+":"+ev.ToStage)
		}
		want := "[created:submitted transfer_created: stage:confirmed stage:picking stage:qc stage:packed attachment: transfer_received: stage:shipped stage:delivered]"
		if fmt.Sprint(kinds) != want {
			t.Errorf("timeline = %v\nwant       %s", kinds, want)
		}
		checkInvariants(t, db)
	})
}

func TestStockAdjustAndCount(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 10)
		ctx := context.Background()
		must3(e.orders.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 6}}}))
		var below *service.BelowLockedError
		if _, err := e.stock.Adjust(ctx, service.Adjustment{Warehouse: "A", SKU: "BOLT-M8", Delta: -5}); !errors.As(err, &below) || below.Locked != 6 {
			t.Errorf("adjust below locked: %v", err)
		}
		if _, _, err := e.stock.Count(ctx, "A", "BOLT-M8", 5, service.Admin); !errors.As(err, &below) {
			t.Errorf("count below locked: %v", err)
		}
		line, delta, err := e.stock.Count(ctx, "上海仓", "bolt-m8", 7, service.Admin)
		if err != nil || delta != -3 || line.OnHand != 7 || line.Available != 1 {
			t.Errorf("count = %+v, %d, %v", line, delta, err)
		}
		if _, err := e.stock.Adjust(ctx, service.Adjustment{Warehouse: "X", SKU: "BOLT-M8", Delta: 1}); !errors.Is(err, service.ErrNotFound) {
			t.Errorf("unknown warehouse: %v", err)
		}
		if _, err := e.stock.Adjust(ctx, service.Adjustment{Warehouse: "A", SKU: "BOLT-M8", Delta: 0}); !errors.Is(err, service.ErrInvalid) {
			t.Errorf("zero delta: %v", err)
		}
		checkInvariants(t, db)
	})
}

// TestDatabaseRefusesBrokenStock proves the CHECK constraint: even a
// careless UPDATE cannot make locked exceed on hand.
func TestDatabaseRefusesBrokenStock(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 10)
		if err := db.Exec("UPDATE stocks SET locked = on_hand + 1").Error; err == nil {
			t.Fatal("the database accepted locked > on_hand")
		}
		if err := db.Exec("UPDATE stocks SET locked = -1").Error; err == nil {
			t.Fatal("the database accepted locked < 0")
		}
	})
}

// TestConcurrentOrdersNeverOversell: 64 buyers order 3 each of a SKU whose
// 97 units are split over two warehouses, through two instances. Exactly 32
// orders fit.
func TestConcurrentOrdersNeverOversell(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 50)
		e.put(t, "B", "BOLT-M8", 47)
		var ok, short atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 64; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				inst := e.orders
				if i%2 == 1 {
					inst = e.orders2
				}
				_, _, err := inst.Create(context.Background(), service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 3}}})
				var se *service.ShortError
				switch {
				case err == nil:
					ok.Add(1)
				case errors.As(err, &se):
					short.Add(1)
				default:
					t.Errorf("order %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 32 || short.Load() != 32 {
			t.Errorf("accepted %d, refused %d; want 32 and 32", ok.Load(), short.Load())
		}
		_, la := e.stockOf(t, "A", "BOLT-M8")
		_, lb := e.stockOf(t, "B", "BOLT-M8")
		if la+lb != 96 || la != 50 {
			t.Errorf("locked A %d + B %d, want 50 + 46", la, lb)
		}
		var transferred int64
		db.Model(&model.Transfer{}).Select("COALESCE(SUM(qty),0)").Scan(&transferred)
		if transferred != lb {
			t.Errorf("transfers carry %d, B locked %d", transferred, lb)
		}
		checkInvariants(t, db)
	})
}
