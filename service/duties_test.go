package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/internal/redislock"
	"orderhub/internal/testclock"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

// renameRole renames a role everywhere the config names it.
func renameRole(c *config.Config, from, to string) {
	swap := func(rs []string) {
		for i, r := range rs {
			if r == from {
				rs[i] = to
			}
		}
	}
	swap(c.Roles)
	swap(c.SupervisorRoles)
	for i := range c.Stages {
		if c.Stages[i].OwnerRole == from {
			c.Stages[i].OwnerRole = to
		}
		for j := range c.Stages[i].Escalation {
			swap(c.Stages[i].Escalation[j].Notify)
		}
	}
	for _, ladder := range [][]config.Level{c.Escalation.TicketAck, c.Escalation.TicketResolve, c.Escalation.Transfers, c.Escalation.TransferDispatch} {
		for j := range ladder {
			swap(ladder[j].Notify)
		}
	}
	if c.Duties.TransferKeeper == from {
		c.Duties.TransferKeeper = to
	}
	swap(c.Duties.Transfers)
	swap(c.Duties.Cancel)
	swap(c.Duties.Attach)
	swap(c.Duties.Stock)
	swap(c.Duties.OrderTaking)
	swap(c.Duties.Tickets)
	swap(c.Duties.Audit)
	leads := map[string]string{}
	for role, lead := range c.Leads {
		if role == from {
			role = to
		}
		if lead == from {
			lead = to
		}
		leads[role] = lead
	}
	c.Leads = leads
}

// TestRenamedKeeperStillHoldsTransfers: roles are data. Renamed in config
// (duties included), the keeper role still gets its transfers and may
// receive them; renamed without its duties, the config refuses to start.
func TestRenamedKeeperStillHoldsTransfers(t *testing.T) {
	half := config.Default()
	half.Roles = append(half.Roles, "warehouse_keeper")
	for i := range half.Stages {
		if half.Stages[i].OwnerRole == "keeper" {
			half.Stages[i].OwnerRole = "warehouse_keeper"
		}
	}
	half.Roles = slicesWithout(half.Roles, "keeper")
	if err := half.Validate(); err == nil || !strings.Contains(err.Error(), "duties.") {
		t.Fatalf("keeper renamed but not in duties: err = %v, want one naming duties", err)
	}

	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		cfg := config.Default()
		renameRole(&cfg, "keeper", "warehouse_keeper")
		renameRole(&cfg, "keeper_lead", "warehouse_lead")
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		rdb, prefix := modeltest.Redis(t)
		clock := testclock.New(time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC))
		pipe := service.NewPipeline(cfg)
		log := modeltest.Log()
		cat := catalog.NewCatalog(db, cfg.Roles)
		stock := service.NewStock(db, clock.Now)
		orders := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock.Now, cfg.Location(), log, service.NewMetrics(prometheus.NewRegistry()))
		transfers := service.NewTransfers(db, pipe, clock.Now)
		for _, w := range []catalog.WarehouseInput{{Code: "A", Name: "上海仓", Region: "上海", Priority: 30}, {Code: "B", Name: "苏州仓", Region: "苏州", Priority: 20}} {
			must(cat.CreateWarehouse(ctx, w))
		}
		must(cat.CreateCustomer(ctx, catalog.CustomerInput{Code: "C1", Name: "宏达机电", Region: "上海", Address: "上海市嘉定区安亭镇"}))
		must(cat.CreateStaff(ctx, catalog.StaffInput{UserID: "keeperB", Name: "李仓管", Roles: []string{"warehouse_keeper"}, Warehouse: "B"}))
		must(cat.CreateStaff(ctx, catalog.StaffInput{UserID: "picker", Name: "陈配货", Roles: []string{"picker"}, Warehouse: "B"}))
		must(cat.CreateProduct(ctx, catalog.ProductInput{SKU: "NUT-M8", Name: "六角螺母", Spec: "M8", Unit: "盒", PriceFen: 2600}))
		must(stock.Adjust(ctx, service.Adjustment{Warehouse: "B", SKU: "NUT-M8", Delta: 10, Reason: "test"}))

		d := must3(orders.Create(ctx, service.NewOrder{Customer: "C1", Address: "上海市嘉定区", Lines: []service.LineInput{{SKU: "NUT-M8", Qty: 4}}, Actor: service.Admin}))
		trs := must(transfers.List(ctx, service.TransferFilter{OrderNo: d.Order.No}))
		if len(trs) != 1 || trs[0].Assignee != "李仓管" {
			t.Fatalf("transfer with the keeper role renamed: %+v, want it assigned to 李仓管", trs)
		}
		picker := must(cat.StaffActor(ctx, "picker"))
		if _, err := transfers.Receive(ctx, trs[0].ID, picker); service.ErrorCode(err) != service.CodeForbidden {
			t.Errorf("a picker receiving: %v, want forbidden", err)
		}
		keeper := must(cat.StaffActor(ctx, "keeperB"))
		if _, err := transfers.Receive(ctx, trs[0].ID, keeper); err != nil {
			t.Errorf("the renamed keeper receiving: %v", err)
		}
	})
}

func slicesWithout(rs []string, drop string) []string {
	var out []string
	for _, r := range rs {
		if r != drop {
			out = append(out, r)
		}
	}
	return out
}
