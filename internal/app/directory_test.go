package app

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"orderhub/bot"
	"orderhub/bot/localwecom"
	"orderhub/config"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/movein"
)

// corpApp wires orderhub for a configured corp whose WeCom is a local
// WeCom server the test controls.
func corpApp(t *testing.T, mysql bool) (*App, *httptest.Server, *localwecom.Server) {
	t.Helper()
	local := localwecom.New("wwtestcorp", "test-app-secret")
	ws := httptest.NewServer(local)
	t.Cleanup(ws.Close)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.AdminToken = testToken
	cfg.Secret = "test-secret-shared-by-every-instance-0123456789"
	cfg.Redis.Prefix = "oh_t_" + modeltest.RandomHex(6) + ":"
	if mysql {
		cfg.MySQLDSN = modeltest.FreshMySQLDatabase(t)
	}
	cfg.Redis.Addr = modeltest.RedisAddr()
	if cfg.Redis.Addr == "" {
		cfg.Redis.Addr = miniredis.RunT(t).Addr()
	}
	cfg.WeCom = config.WeCom{CorpID: "wwtestcorp", AgentID: 1000002, Secret: "test-app-secret", Token: bot.DemoToken, AESKey: bot.DemoAESKey, APIBase: ws.URL}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := Open(context.Background(), cfg, modeltest.Log(), service.SystemClock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.server.Handler())
	t.Cleanup(srv.Close)
	return a, srv, local
}

// TestDirectorySync: the company's WeCom directory comes in: new people
// appear without roles, the one who left is deactivated with their open
// order handed over and their lead told; a second sync changes nothing; a
// directory that would empty the company is refused; the nightly run
// happens once across instances.
func TestDirectorySync(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		a, srv, local := corpApp(t, mysql)
		ctx := context.Background()
		local.SetDirectory([]localwecom.Department{
			{ID: 1, Name: "五金公司", Leaders: []string{"boss"}},
			{ID: 2, Name: "仓库部", ParentID: 1, Leaders: []string{"keeper.lead"}},
			{ID: 3, Name: "销售部", ParentID: 1, Leaders: []string{"sales.lead"}},
		}, []localwecom.Member{
			{UserID: "boss", Name: "总经理", Departments: []int{1}},
			{UserID: "keeper.lead", Name: "仓库主管", Departments: []int{2}},
			{UserID: "wang", Name: "王仓管", Departments: []int{2}},
			{UserID: "sales.lead", Name: "销售主管", Departments: []int{3}},
			{UserID: "li", Name: "李客服", Departments: []int{3}},
			{UserID: "xiao", Name: "小新", Departments: []int{3, 2}},
		})
		// What the company set up before connecting WeCom.
		for _, b := range []map[string]any{
			{"code": "SH", "name": "上海仓", "priority": 10},
		} {
			if s, out := post(t, srv.URL+"/api/v1/warehouses", b); s != 201 {
				t.Fatalf("warehouse = %d %v", s, out)
			}
		}
		for _, b := range []map[string]any{
			{"userid": "wang", "name": "王", "roles": []string{"keeper"}, "warehouse": "SH"},
			{"userid": "li", "name": "李客服", "roles": []string{"customer_service"}, "warehouse": "SH"},
			{"userid": "gone", "name": "老张", "roles": []string{"customer_service"}, "warehouse": "SH"},
			{"userid": "sales.lead", "name": "销售主管", "roles": []string{"cs_lead"}, "warehouse": "SH"},
		} {
			if s, out := post(t, srv.URL+"/api/v1/staff", b); s != 201 {
				t.Fatalf("staff = %d %v", s, out)
			}
		}
		post(t, srv.URL+"/api/v1/products", map[string]any{"sku": "BOLT", "name": "螺栓"})
		post(t, srv.URL+"/api/v1/customers", map[string]any{"code": "C1", "name": "宏达", "warehouse": "SH", "address": "上海市嘉定区安亭镇"})
		post(t, srv.URL+"/api/v1/stock/adjust", map[string]any{"warehouse": "SH", "sku": "BOLT", "delta": 10, "reason": "期初"})
		s, out := post(t, srv.URL+"/api/v1/orders", map[string]any{"customer": "C1", "address": "上海市嘉定区", "lines": []map[string]any{{"sku": "BOLT", "qty": 1}}})
		if s != 201 {
			t.Fatalf("order = %d %v", s, out)
		}
		no := out["order"].(map[string]any)["no"].(string)
		var gone model.Staff
		a.db.Where("user_id = ?", "gone").Take(&gone)
		a.db.Model(&model.Order{}).Where("no = ?", no).Update("owner_staff_id", gone.ID)

		s, out = post(t, srv.URL+"/api/v1/directory/sync", nil)
		if s != 200 {
			t.Fatalf("sync = %d %v", s, out)
		}
		r := out["sync"].(map[string]any)
		created := r["created"].([]any)
		left := r["left"].([]any)
		if r["departments"] != float64(3) || r["members"] != float64(6) || len(created) != 3 || r["updated"] != float64(3) || r["unchanged"] != float64(0) || len(left) != 1 {
			t.Fatalf("sync = %v", r)
		}
		h := left[0].(map[string]any)
		if h["userid"] != "gone" || h["orders"] != float64(1) || h["told"] != "sales.lead" {
			t.Errorf("handover = %v", h)
		}
		staff := func(id string) model.Staff {
			var s model.Staff
			a.db.Where("user_id = ?", id).Take(&s)
			return s
		}
		st := staff("xiao")
		if st.Roles != "" || !st.Active || st.Departments != "2,3" || st.Name != "小新" {
			t.Errorf("new person = %+v, want active, no roles, departments 2,3", st)
		}
		st = staff("wang")
		if st.Name != "王仓管" || st.LeadUserID != "keeper.lead" || service.SplitRoles(st.Roles)[0] != "keeper" {
			t.Errorf("wang = %+v: the directory's name and lead, roles kept", st)
		}
		st = staff("keeper.lead")
		if st.LeadUserID != "boss" {
			t.Errorf("a department's leader reports to the parent's: lead = %q", st.LeadUserID)
		}
		st = staff("gone")
		var ord model.Order
		a.db.Where("no = ?", no).Take(&ord)
		if st.Active || ord.OwnerStaffID == nil || *ord.OwnerStaffID == gone.ID {
			t.Errorf("leaver active=%v, order owner %v", st.Active, ord.OwnerStaffID)
		}
		var told []model.Outbox
		a.db.Where("to_user = ?", "sales.lead").Find(&told)
		if len(told) != 1 || !strings.Contains(told[0].Body, "老张") || !strings.Contains(told[0].Body, no) {
			t.Errorf("lead told = %+v", told)
		}

		// Again: nothing changes.
		res, err := a.dirSync.Sync(ctx, "test")
		if err != nil || len(res.Created) != 0 || res.Updated != 0 || res.Unchanged != 6 || len(res.Left) != 0 {
			t.Errorf("second sync = %+v, %v", res, err)
		}

		// A directory that lost most people (a shrunk visible range) is refused.
		local.SetDirectory([]localwecom.Department{{ID: 1, Name: "五金公司"}}, []localwecom.Member{{UserID: "boss", Name: "总经理", Departments: []int{1}}})
		if s, out := post(t, srv.URL+"/api/v1/directory/sync", nil); s != 409 || errCode(out) != "directory_too_small" {
			t.Errorf("shrunk directory = %d %v", s, out)
		}
		var active int64
		a.db.Model(&model.Staff{}).Where("active = ?", true).Count(&active)
		if active != 6 {
			t.Errorf("active staff after a refused sync = %d, want 6", active)
		}

		// Nightly: before 03:00 nothing; after, exactly one of several
		// instances runs it, once.
		loc := a.cfg.Location()
		early := func() time.Time { return time.Date(2026, 11, 30, 2, 59, 0, 0, loc) }
		late := func() time.Time { return time.Date(2026, 11, 30, 3, 1, 0, 0, loc) }
		syncer := func(clock service.Clock) *movein.DirectorySync {
			return movein.NewDirectorySync(a.db, a.staffing, a.dirSync.Dir(), clock, loc, modeltest.Log())
		}
		if ran, _, err := syncer(early).RunIfDue(ctx); ran || err != nil {
			t.Errorf("before 03:00: ran=%v err=%v", ran, err)
		}
		var wg sync.WaitGroup
		ran := make([]bool, 4)
		errs := make([]error, 4)
		for i := range ran {
			wg.Add(1)
			go func() { defer wg.Done(); ran[i], _, errs[i] = syncer(late).RunIfDue(ctx) }()
		}
		wg.Wait()
		n := 0
		for i := range ran {
			if ran[i] {
				n++
			}
		}
		var runs []model.JobRun
		a.db.Where("job = ?", movein.JobDirectorySync).Find(&runs)
		if n != 1 || len(runs) != 1 || runs[0].Slot != "2026-11-30" || runs[0].FinishedAt == nil || !strings.Contains(runs[0].Result, "通讯录返回的人太少") {
			t.Errorf("nightly ran %d times; runs %+v; errs %v", n, runs, errs)
		}
	})
}

func errCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}
