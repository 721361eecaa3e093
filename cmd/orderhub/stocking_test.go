package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"orderhub/internal/demo"
	"orderhub/internal/testclock"
	"orderhub/model/modeltest"
	"orderhub/web"
)

// getJSON is GET path on the demo server with the admin token.
func (d *demoServer) getJSON(t *testing.T, path string, into any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, d.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatalf("GET %s = %d %s", path, res.StatusCode, b)
	}
	return res.StatusCode
}

// TestDemoStockingListsAPI: on the demo with its history, on 2026-12-15,
// GET /api/v1/insight/stocking-lists lists 昆山永固's list for its window
// of the 22nd, to be sent on the 18th (three working days before), with its usual SKUs; the one
// customer's route answers it, and a customer without a window is 404.
func TestDemoStockingListsAPI(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		clock := testclock.New(time.Date(2026, 12, 15, 2, 0, 0, 0, time.UTC))
		d := startDemo(t, mysql, clock.Now)
		a := d.app
		if _, err := demo.NewHistory(a.db, a.catalog, a.orders, a.tickets, clock.Now, a.cfg.Location()).Seed(context.Background(), 90); err != nil {
			t.Fatal(err)
		}
		var all struct{ Items []web.StockingListJSON }
		if code := d.getJSON(t, "/api/v1/insight/stocking-lists", &all); code != 200 {
			t.Fatalf("lists = %d", code)
		}
		i := slices.IndexFunc(all.Items, func(l web.StockingListJSON) bool { return l.Customer == "C101" })
		if i < 0 {
			t.Fatalf("no list for C101: %+v", all.Items)
		}
		l := all.Items[i]
		// Three working days before Tuesday the 22nd, by the default
		// work_time calendar (Monday–Saturday): Monday 21, Saturday 19,
		// Friday 18.
		if l.WindowFrom != "2026-12-22" || l.SendOn != "2026-12-18" || l.Windows != 3 || len(l.Lines) < 2 || l.ValueFen <= 0 {
			t.Fatalf("C101's list: %+v", l)
		}
		for _, ln := range l.Lines {
			if !slices.Contains([]string{"ANCHOR-M10", "BOLT-M12-50", "NUT-M12-LOCK", "WASHER-M10-SPR"}, ln.SKU) {
				t.Errorf("line %+v is not one of 昆山永固's usual SKUs", ln)
			}
		}
		var one struct{ List web.StockingListJSON }
		if code := d.getJSON(t, "/api/v1/insight/stocking-lists/C101", &one); code != 200 || one.List.WindowFrom != "2026-12-22" || len(one.List.Lines) != len(l.Lines) {
			t.Fatalf("C101 = %d %+v", code, one.List)
		}
		var e struct {
			Error struct{ Code, Message string }
		}
		if code := d.getJSON(t, "/api/v1/insight/stocking-lists/C001", &e); code != 404 || e.Error.Message == "" {
			t.Fatalf("C001 = %d %+v", code, e)
		}
	})
}
