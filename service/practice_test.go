package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/internal/redislock"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

// A sandbox is filled from the real database by reading it only: the
// past orders (not cancelled, none with a retired product) are placed again
// for anonymised customers, the trainee holds every stage's role, and a
// second Begin — after practice ended, or after a run cut short — copies
// nothing twice.
func TestPracticeSandbox(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		fresh := func() *gorm.DB {
			if mysql {
				return modeltest.MySQL(t)
			}
			return modeltest.SQLite(t)
		}
		real, sandbox := fresh(), fresh()
		ctx := context.Background()
		e := newEnv(t, real)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 10)
		e.put(t, "B", "NUT-M8", 4)
		e.put(t, "A", "FM-80", 2)
		place := func(cust, sku string, qty int64, remark string) string {
			d := must3(e.orders.Create(ctx, service.NewOrder{Customer: cust, Lines: []service.LineInput{{SKU: sku, Qty: qty}}, Address: "上海市嘉定区安亭镇博园路 8 号", Remark: remark, Actor: service.Admin}))
			return d.Order.No
		}
		place("C1", "BOLT-M8", 6, "")
		place("C2", "NUT-M8", 4, "到了打 13912345678 找王师傅")
		retired := place("C1", "FM-80", 1, "")
		cancelled := place("C1", "BOLT-M8", 1, "")
		must(e.orders.Cancel(ctx, cancelled, service.Admin, "test"))
		off := false
		must(e.catalog.UpdateProduct(ctx, "FM-80", catalog.ProductPatch{Active: &off}))
		var realOrders, realStocks int64
		real.Model(&model.Order{}).Count(&realOrders)
		real.Model(&model.StockMovement{}).Count(&realStocks)

		rdb, prefix := modeltest.Redis(t)
		log := modeltest.Log()
		pipe := service.NewPipeline(e.cfg)
		orders := service.NewOrders(sandbox, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, e.clock.Now, e.cfg.Location(), log, service.NewMetrics(prometheus.NewRegistry()))
		p := service.NewPractice(sandbox, real, orders, e.clock.Now)

		st, err := p.Begin(ctx, "picker", 10)
		if err != nil || st.Resumed || len(st.Orders) != 2 {
			t.Fatalf("Begin = %+v, %v; want the two orders neither cancelled nor with a retired product", st, err)
		}
		if strings.Contains(strings.Join(st.Orders, ","), retired) {
			t.Errorf("an order of a retired product was copied")
		}
		var copies []model.Order
		sandbox.Order("id").Find(&copies)
		for _, o := range copies {
			if strings.Contains(o.Address, "博园路") || strings.Contains(o.Remark, "13912345678") {
				t.Errorf("practice order %s keeps real words: %q, %q", o.No, o.Address, o.Remark)
			}
		}
		if copies[1].Remark != "到了打 ******* 找王师傅" {
			t.Errorf("remark = %q", copies[1].Remark)
		}
		var custs []model.Customer
		sandbox.Order("id").Find(&custs)
		if len(custs) != 2 || custs[0].Name != "练习客户01" || custs[1].Phone != "000-0000-0002" || custs[0].Region != "上海" {
			t.Errorf("practice customers = %+v", custs)
		}
		var staff []model.Staff
		sandbox.Find(&staff)
		if len(staff) != 1 || staff[0].UserID != "picker" {
			t.Fatalf("practice staff = %+v, want the trainee alone", staff)
		}
		for _, r := range []string{"picker", "customer_service", "keeper", "qc", "dispatcher"} {
			if !strings.Contains(staff[0].Roles, r) {
				t.Errorf("the trainee lacks %s in the sandbox: %s", r, staff[0].Roles)
			}
		}
		var fm model.Product
		if sandbox.Where("sku = ?", "FM-80").Take(&fm); fm.Active {
			t.Error("a retired product is on sale in the sandbox")
		}
		checkInvariants(t, sandbox)

		if ok := must(p.Active(ctx, "picker")); !ok {
			t.Error("not active after Begin")
		}
		if err := p.End(ctx, "picker"); err != nil {
			t.Fatal(err)
		}
		var conf *service.ConflictError
		if err := p.End(ctx, "picker"); !errors.As(err, &conf) || conf.Code() != service.CodeNotPractising {
			t.Errorf("End twice = %v", err)
		}
		if ok := must(p.Active(ctx, "picker")); ok {
			t.Error("active after End")
		}
		st, err = p.Begin(ctx, "picker", 10)
		if err != nil || !st.Resumed || len(st.Orders) != 2 {
			t.Errorf("Begin again = %+v, %v", st, err)
		}
		// A Begin cut short after the copy: the next one places what is
		// missing and nothing twice.
		sandbox.Model(&model.PracticeSession{}).Where("user_id = ?", "picker").Update("state", model.PracticeSeeding)
		if st, err = p.Begin(ctx, "picker", 10); err != nil || len(st.Orders) != 2 {
			t.Errorf("Begin after a cut = %+v, %v", st, err)
		}
		pr := must(p.Progress(ctx))
		if pr.UserID != "picker" || pr.State != model.PracticeActive || len(pr.Orders) != 2 || pr.Done != 0 {
			t.Errorf("progress = %+v", pr)
		}
		if err := p.Refused(ctx, model.PracticeRefusal{UserID: "picker", Command: "推进 X", Code: "missing_fields", Reason: "还缺：质检员"}); err != nil {
			t.Fatal(err)
		}
		if pr := must(p.Progress(ctx)); pr.Refusals != 1 || pr.Recent[0].Reason != "还缺：质检员" {
			t.Errorf("refusals = %d %+v", pr.Refusals, pr.Recent)
		}
		checkInvariants(t, sandbox)

		var n int64
		if real.Model(&model.Order{}).Count(&n); n != realOrders {
			t.Errorf("real orders %d → %d", realOrders, n)
		}
		if real.Model(&model.StockMovement{}).Count(&n); n != realStocks {
			t.Errorf("real ledger rows %d → %d", realStocks, n)
		}
		if real.Model(&model.PracticeSession{}).Count(&n); n != 0 {
			t.Errorf("a practice session in the real database")
		}
		// Someone who is not staff cannot practise.
		if _, err := service.NewPractice(fresh(), real, orders, e.clock.Now).Begin(ctx, "nobody", 10); !errors.Is(err, service.ErrNotFound) {
			t.Errorf("Begin for a stranger = %v", err)
		}
	})
}
