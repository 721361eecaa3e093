package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"orderhub/config"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

// TestDashboardMetricsAreServed: every metric the Grafana dashboard
// (deploy/grafana/*.json) and the alert rules (deploy/prometheus/alerts.yml)
// name is one a started orderhub serves on /metrics, read after the
// events that make each series appear (an order, an escalation fired
// today, the outbox counted). On MySQL the app runs on the replication
// pair with a live replica and one that is down, so the replica series are
// served too; on SQLite, which has no replicas, those alone are excused.
func TestDashboardMetricsAreServed(t *testing.T) {
	used := dashboardMetricNames(t)
	for _, must := range []string{"orderhub_orders_created_total", "orderhub_http_request_seconds_bucket", "orderhub_outbox_messages",
		"orderhub_escalations_today", "orderhub_on_time_rate", "orderhub_db_replica_lag_seconds", "orderhub_alarms_without_recipient_total"} {
		if !used[must] {
			t.Errorf("the dashboard and rules name no %s; the parse below may have lost it", must)
		}
	}
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		tune := func(*config.Config) {}
		if mysql {
			pair := modeltest.ReplicationPair(t)
			primary, replica := pair.FreshDatabase(t)
			tune = func(c *config.Config) {
				c.MySQLDSN = primary
				c.WeCom.Local = config.WeComLocalInsecure
				c.MySQL.Replicas = []string{replica, "orderhub:orderhub@tcp(127.0.0.1:1)/x?parseTime=True"}
			}
		}
		apps, srvs := testAppsWith(t, false, "", 1, tune)
		a, base := apps[0], srvs[0].URL
		ctx := context.Background()
		if _, err := a.catalog.CreateWarehouse(ctx, catalog.WarehouseInput{Code: "A", Name: "上海仓", Region: "上海", Priority: 30}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.catalog.CreateProduct(ctx, catalog.ProductInput{SKU: "HOT", Name: "六角螺栓", PriceFen: 100}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.stock.Adjust(ctx, service.Adjustment{Warehouse: "A", SKU: "HOT", Delta: 10}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.catalog.CreateCustomer(ctx, catalog.CustomerInput{Code: "C1", Name: "上海五金"}); err != nil {
			t.Fatal(err)
		}
		postJSON(t, base+"/api/v1/orders", `{"customer":"C1","lines":[{"sku":"HOT","qty":1}],"address":"上海市嘉定区安亭镇"}`, 201)
		// An escalation level fired just now, as the escalator records it
		// (the alarm's push history), so today's count has a series.
		now := time.Now().UTC()
		if err := a.db.Create(&model.Alarm{Subject: "order", SubjectID: 1, Clock: "stage", Entry: 1, Stage: "picking", EnteredAt: now.Add(-time.Hour),
			Level: 2, State: model.AlarmArmed, NextAt: now.Add(time.Hour), Told: `[{"level":1,"users":["a"],"names":["甲"],"at":"` + now.Format(time.RFC3339Nano) + `"}]`}).Error; err != nil {
			t.Fatal(err)
		}
		if a.outbox != nil {
			if err := a.outbox.RefreshGauge(ctx); err != nil {
				t.Fatal(err)
			}
		}
		served := map[string]bool{}
		check := func() []string {
			for _, line := range strings.Split(string(adminGet(t, base+"/metrics")), "\n") {
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				served[strings.FieldsFunc(line, func(r rune) bool { return r == '{' || r == ' ' })[0]] = true
			}
			var missing []string
			for name := range used {
				if !served[name] && (mysql || !strings.HasPrefix(name, "orderhub_db_replica_")) {
					missing = append(missing, name)
				}
			}
			slices.Sort(missing)
			return missing
		}
		// The replica's lag shows once a check found it replicating (the
		// migrations reach it a moment after the primary ran them).
		missing := check()
		for deadline := time.Now().Add(30 * time.Second); len(missing) > 0 && time.Now().Before(deadline); missing = check() {
			time.Sleep(200 * time.Millisecond)
		}
		if len(missing) > 0 {
			t.Errorf("the dashboard or the alert rules use metrics orderhub does not serve: %v", missing)
		}
	})
}

// dashboardMetricNames are the metric names the dashboard's and the alert
// rules' PromQL expressions use.
func dashboardMetricNames(t *testing.T) map[string]bool {
	t.Helper()
	var exprs []string
	files, _ := filepath.Glob("../../deploy/grafana/*.json")
	if len(files) == 0 {
		t.Fatal("no deploy/grafana/*.json")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Panels []struct {
				Title   string `json:"title"`
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				exprs = append(exprs, tg.Expr)
			}
		}
	}
	raw, err := os.ReadFile("../../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatalf("alerts.yml: %v", err)
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" {
				t.Errorf("alerts.yml: a rule without alert or expr: %+v", r)
			}
			exprs = append(exprs, r.Expr)
		}
	}
	names := map[string]bool{}
	strip := regexp.MustCompile(`"[^"]*"|\{[^}]*\}|\[[^\]]*\]|\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	ident := regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?`)
	keywords := map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true}
	for _, e := range exprs {
		for _, m := range ident.FindAllString(strip.ReplaceAllString(e, " "), -1) {
			if strings.HasSuffix(m, "(") || keywords[strings.ToLower(m)] {
				continue // a function or an operator
			}
			names[m] = true
		}
	}
	if len(names) == 0 {
		t.Fatal("no metric names found in the dashboard and rules")
	}
	return names
}

// postJSON posts body with the admin token and fails t unless the answer
// is want.
func postJSON(t *testing.T, url, body string, want int) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("POST %s = %d %s, want %d", url, res.StatusCode, raw, want)
	}
}
